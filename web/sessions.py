"""The session engine: Django's database sessions, read with the SQL compiled once (issue 14).

Every page that knows the visitor (a wizard step with answers, a results page, a compare
list) loads the session first. Django's database backend builds that query anew each time
(`Session.objects.get(session_key=..., expire_date__gt=now)`), which costs several times
what running it does; here the row is read by its key with web/db.py's RowByField and its
expiry checked in Python, with the same outcome: an expired or unknown key reads as a new,
empty session. Writing, expiry, clearing and the async read (`aload`, which no view here
uses) are Django's own.
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone

from web.db import RowByField


@cache
def _row_by_key(model: type[AbstractBaseSession]) -> RowByField[AbstractBaseSession]:
    return RowByField(model, "session_key")


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        row = _row_by_key(self.model).get(self.session_key)
        if row is None or row.expire_date <= timezone.now():
            # As Django's backend: the key is dropped, a save starts a new session.
            self._session_key = None
            return None
        return row
