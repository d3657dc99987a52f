"""Site-wide pages: the home page and the load balancer health check."""

from __future__ import annotations

import logging
import secrets
from functools import cache

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from catalog.models import Card
from web.pagecache import shareable, shared_page
from wizard.models import BrowserSession

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What the product does, and a button to start."""
    if not shareable(request):
        return render(request, "home.html")
    # The same page for everyone (but the CSRF token): rendered once per process.
    return shared_page(request, "home", None, lambda extra: render(request, "home.html", extra))


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the site can serve its pages, else 503 with the reason.

    Every page reads the card catalog and the wizard writes answers, so a database that answers
    `SELECT 1` is not enough: an empty file in place of the real one, a missing or empty catalog
    and a read-only database each make every page fail.
    """
    problem = database_problem()
    if problem is not None:
        # Not kept for the next request (see web.dbdown): this connection may be the problem.
        if not connection.in_atomic_block:
            connection.close()
        return JsonResponse({"status": "error", "database": problem}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# The check's statements are compiled once per database vendor (cached by the vendor): a
# health check polled by a load balancer should cost little, and building ORM queries cost it
# more than running them (issue 14; as web/db.py's single-row reads).


@cache
def _active_card_query(vendor: str) -> tuple[str, tuple[object, ...]]:
    """SQL and parameters of "is any card active?" (Card.objects.active(), one row at most)."""
    return Card.objects.active().values_list("pk", flat=True)[:1].query.sql_with_params()


@cache
def _session_insert(vendor: str) -> str:
    """An INSERT of a session row (key, data, expiry, no profile), the write the check tries."""
    quote, fields = connection.ops.quote_name, BrowserSession._meta
    names = ("session_key", "session_data", "expire_date", "profile_token")
    columns = (fields.get_field(name).column for name in names)
    return (
        f"INSERT INTO {quote(fields.db_table)} ({', '.join(map(quote, columns))}) "
        "VALUES (%s, %s, %s, %s)"
    )


def _health_key() -> str:
    # Never a real session key (those are 32 lowercase letters and digits): nobody can use it.
    return f"healthz-{secrets.token_hex(8)}"


def database_problem() -> str | None:
    """Why the database cannot serve the site, in a few words; None when it can."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database is unreachable")
        return "unreachable"
    try:
        with connection.cursor() as cursor:
            cursor.execute(*_active_card_query(connection.vendor))
            has_cards = cursor.fetchone() is not None
    except DatabaseError:
        logger.exception("Health check: the card catalog cannot be read")
        return "catalog unreadable"
    if not has_cards:
        logger.error("Health check: the card catalog has no active cards")
        return "catalog empty"
    try:
        # A cheap write (a session row nobody can use), always rolled back.
        expire_date = BrowserSession._meta.get_field("expire_date")
        expire = expire_date.get_db_prep_save(timezone.now(), connection)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_session_insert(connection.vendor), [_health_key(), "", expire, ""])
            transaction.set_rollback(True)
    except DatabaseError:
        logger.exception("Health check: the database cannot be written to")
        return "read-only"
    return None
