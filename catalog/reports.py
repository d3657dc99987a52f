"""Visitors' problem reports: stored for editors, limited per address, never applied to data."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from catalog.models import Card, ProblemReport

# Enough for someone who finds several mistakes, too few to flood the editors' list. Counted in
# the database, so the limit holds across worker processes and hosts.
REPORTS_PER_WINDOW = 5
WINDOW = timedelta(hours=1)


def address_hash(address: str) -> str:
    """A keyed hash of the address: enough to count reports, not to recover the address."""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"report:{address}".encode(), hashlib.sha256).hexdigest()


def limited(address: str) -> bool:
    """True when this address has sent the most reports allowed in the last hour."""
    since = timezone.now() - WINDOW
    recent = ProblemReport.objects.filter(address_hash=address_hash(address), created_at__gte=since)
    return recent.count() >= REPORTS_PER_WINDOW


def file_report(card: Card, data: dict[str, Any], address: str) -> ProblemReport:
    """Store a report for the editors; nothing about the card changes."""
    return ProblemReport.objects.create(
        card=card,
        fact=data["fact"],
        seen=data["seen"],
        link=data.get("link") or "",
        address_hash=address_hash(address),
    )
