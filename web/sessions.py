"""Django's database sessions, read with the SQL compiled once (issue 14); the base of the
site's session engine, wizard/sessions.py, which reads the saved spend in the same statement.

Every page that knows the visitor (a wizard step with answers, a results page, a compare
list) loads the session first. Django's database backend builds that query anew each time
(`Session.objects.get(session_key=..., expire_date__gt=now)`), which costs several times
what running it does; here the row is read by its key with web/db.py's RowByField and its
expiry checked in Python (`load`), with the same outcome: an expired or unknown key reads as a new,
empty session. Writing, expiry, clearing and the async read (`aload`, which no view here
uses) are Django's own.

Decoding is remembered too: a visitor's session text comes back unchanged on every page
until it is written again, and checking its signature (an HMAC under a derived key) and
parsing it cost about 17 µs a page. The same text, salt, serializer and keys always decode to
the same values, so each text is checked once per process (a bounded LRU); only sessions
whose values are all plain (strings, numbers, booleans, None) are remembered, so the copy a
page gets is its own.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core import signing
from django.utils import timezone

from web.db import RowByField


@cache
def _row_by_key(model: type[AbstractBaseSession]) -> RowByField[AbstractBaseSession]:
    return RowByField(model, "session_key")


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        row = self.read_row()
        if row is None or row["expire_date"] <= timezone.now():
            # As Django's backend: the key is dropped, a save starts a new session.
            self._session_key = None
            return {}
        return self.decode(row["session_data"])

    def read_row(self) -> dict[str, Any] | None:
        """The session's row as values (a Session instance would only be built to read one
        field of it); a subclass may read more in the same statement."""
        return _row_by_key(self.model).values(self.session_key)

    def decode(self, session_data: str) -> dict[str, Any]:
        items = _plain_items(
            session_data,
            self.key_salt,
            self.serializer,
            settings.SECRET_KEY,
            tuple(settings.SECRET_KEY_FALLBACKS),
        )
        # Not plain, or not valid: Django's own decoding (which logs a bad signature).
        return dict(items) if items is not None else super().decode(session_data)


_PLAIN = (str, int, float, bool, type(None))


@lru_cache(maxsize=2048)
def _plain_items(
    session_data: str, salt: str, serializer: type, secret: str, fallbacks: tuple[str, ...]
) -> tuple[tuple[str, object], ...] | None:
    """The decoded session as items when every value is plain, else None. The keys are part
    of the arguments so that a changed secret never finds a text checked under the old one."""
    try:
        decoded = signing.loads(
            session_data, key=secret, fallback_keys=fallbacks, salt=salt, serializer=serializer
        )
    except Exception:  # as Django's decode: whatever fails is not remembered
        return None
    if not isinstance(decoded, dict) or not all(isinstance(v, _PLAIN) for v in decoded.values()):
        return None
    return tuple(decoded.items())
