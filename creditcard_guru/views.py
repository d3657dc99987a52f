"""Site-wide pages: the home page and the load balancer health check."""

from __future__ import annotations

import logging
import secrets

from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from catalog.models import Card
from web.pagecache import shareable, shared_page

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
        has_cards = Card.objects.active().exists()
    except DatabaseError:
        logger.exception("Health check: the card catalog cannot be read")
        return "catalog unreadable"
    if not has_cards:
        logger.error("Health check: the card catalog has no active cards")
        return "catalog empty"
    try:
        # A cheap write (a session row nobody can use), always rolled back.
        with transaction.atomic():
            Session.objects.create(
                session_key=f"healthz-{secrets.token_hex(8)}",
                session_data="",
                expire_date=timezone.now(),
            )
            transaction.set_rollback(True)
    except DatabaseError:
        logger.exception("Health check: the database cannot be written to")
        return "read-only"
    return None
