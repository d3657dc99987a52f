"""Delete spending profiles (and their cached results) nobody has touched for a while."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand

from wizard.models import SpendingProfile


def positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days") from None
    if days < 1:
        raise argparse.ArgumentTypeError("--older-than must be at least 1 day")
    return days


class Command(BaseCommand):
    help = "Delete spending profiles not changed for more than --older-than DAYS days."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--older-than", type=positive_days, required=True, metavar="DAYS")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )

    def handle(self, *args: Any, older_than: int, dry_run: bool, **options: Any) -> None:
        stale = SpendingProfile.objects.older_than(older_than)
        count = stale.count()
        if dry_run:
            self.stdout.write(f"{count} profile(s) older than {older_than} days would be deleted.")
            return
        if count:
            stale.delete()
        self.stdout.write(f"Deleted {count} profile(s) older than {older_than} days.")
