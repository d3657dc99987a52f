"""Delete what the site no longer needs: stale answers, expired sessions, old statement imports.

Run it every few minutes from cron (see the README): an unused statement import is gone from the
database within that long after its two hours are up.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from wizard.import_views import SESSION_KEY, SESSION_TIME_KEY
from wizard.models import BrowserSession, SpendingProfile
from wizard.sessions import SessionStore


def positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("--older-than must be at least 1 day")
    return days


def strip_old_imports() -> int:
    """Remove imports that earlier versions kept inside visitors' sessions (merchant names and
    all); the session itself, and the wizard answers it points to, stay. Returns how many."""
    stripped = 0
    store = SessionStore()
    for row in BrowserSession.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = row.get_decoded()
        if SESSION_TIME_KEY not in data and not isinstance(data.get(SESSION_KEY), dict):
            continue
        data.pop(SESSION_TIME_KEY, None)
        if isinstance(data.get(SESSION_KEY), dict):
            data.pop(SESSION_KEY)
        row.session_data = store.encode(data)
        row.save(update_fields=["session_data"])
        stripped += 1
    return stripped


class Command(BaseCommand):
    help = (
        "Delete spending profiles not changed for more than --older-than DAYS days, expired "
        "sessions (statement imports expire two hours after they were saved) and statement "
        "imports left inside sessions by earlier versions."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--older-than", type=positive_days, required=True, metavar="DAYS")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )

    def handle(self, *args: Any, older_than: int, dry_run: bool, **options: Any) -> None:
        stale = SpendingProfile.objects.older_than(older_than)
        count = stale.count()
        expired = BrowserSession.objects.filter(expire_date__lt=timezone.now())
        if dry_run:
            self.stdout.write(f"{count} profile(s) older than {older_than} days would be deleted.")
            self.stdout.write(f"{expired.count()} expired session(s) would be deleted.")
            return
        if count:
            stale.delete()
        self.stdout.write(f"Deleted {count} profile(s) older than {older_than} days.")
        deleted, _ = expired.delete()
        self.stdout.write(f"Deleted {deleted} expired session(s).")
        stripped = strip_old_imports()
        self.stdout.write(f"Removed {stripped} old statement import(s) kept inside sessions.")
