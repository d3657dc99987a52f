"""The site's session engine (settings.SESSION_ENGINE): web/sessions.py's database sessions,
stored as `BrowserSession` rows, which keep the profile token the session names as a column.

Step 1 with saved answers is the page a returning visitor opens most, and all it needs from
the database is their session and their profile's spend. Read one after the other they were
two statements; here loading a session reads the spend of the profile its row names in the
same statement (a subquery by the profile's unique token), and `SpendingProfile.objects.
spend_for_session` takes that value instead of reading again (issue 14, docs/performance.md).

The column is written from the session's data whenever the session is saved, so it names the
profile the data names. The spend read with a session is the profile's as the session was
loaded, handed out once and only for the token the session's data names; anything else (a row
whose column does not match, a second call in the same request) reads the profile as before.
Only a page that shows the answers without changing them asks for it (step 1's GET).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import OuterRef, Subquery, TextField

from web.db import RowByField
from web.sessions import SessionStore as DatabaseSessionStore
from wizard.models import SESSION_KEY, BrowserSession, SpendingProfile

PROFILE_TOKEN_LENGTH = BrowserSession._meta.get_field("profile_token").max_length


@dataclass(frozen=True)
class ProfileSpend:
    """A profile's stored `monthly_spend`, read with the session that names the profile: as
    the stored JSON text, decoded only by the page that takes it (every other page that
    loads a session reads it too, and decoding it there was work for nothing)."""

    token: str
    text: str | None

    def monthly_spend(self) -> Any:
        return None if self.text is None else json.loads(self.text)


@cache
def _row_with_spend() -> RowByField[BrowserSession]:
    spend = SpendingProfile.objects.filter(token=OuterRef("profile_token")).values("monthly_spend")[
        :1
    ]
    return RowByField(
        BrowserSession,
        "session_key",
        # As text, no JSON decoding: both SQLite and Django's psycopg give JSON columns as text.
        annotations={"profile_spend": Subquery(spend, output_field=TextField())},
    )


class SessionStore(DatabaseSessionStore):
    # Read with the session (`read_row`), taken at most once (`take_profile_spend`).
    _profile_spend: ProfileSpend | None = None

    @classmethod
    def get_model_class(cls) -> type[BrowserSession]:
        return BrowserSession

    def create_model_instance(self, data: dict[str, Any]) -> BrowserSession:
        session = super().create_model_instance(data)
        token = data.get(SESSION_KEY)
        # (Tokens are 22 characters; anything else in the data names no profile here.)
        fits = isinstance(token, str) and len(token) <= PROFILE_TOKEN_LENGTH
        session.profile_token = token if fits else ""
        return session

    def read_row(self) -> dict[str, Any] | None:
        row = _row_with_spend().values(self.session_key)
        self._profile_spend = None
        if row is not None and row["profile_token"]:
            self._profile_spend = ProfileSpend(row["profile_token"], row["profile_spend"])
        return row

    def take_profile_spend(self, token: str) -> ProfileSpend | None:
        """The spend of the profile `token` names as read with this session, once; None when
        it was not read with it (or already taken)."""
        read, self._profile_spend = self._profile_spend, None
        return read if read is not None and read.token == token else None
