"""A page that says the database is down (503), instead of the generic error page (500)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

logger = logging.getLogger(__name__)


class DatabaseDownMiddleware(MiddlewareMixin):
    """A view that failed on the database gets 503 with Retry-After: a load balancer or a
    person can tell "come back in a minute" from a bug. The error is logged all the same."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError):
            return None
        logger.exception("Database error while answering %s", request.path)
        # Connections are kept between requests (DJANGO_DB_CONN_MAX_AGE): one that failed may be
        # broken or open on the wrong file (an SQLite file replaced meanwhile), and SQLite's
        # health check cannot tell. The next request on this thread opens a fresh one.
        if not connection.in_atomic_block:
            connection.close()
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
