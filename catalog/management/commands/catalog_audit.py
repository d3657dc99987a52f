"""manage.py catalog_audit: what in the catalog needs checking again, and why.

Lists cards last checked more than 180 days ago, bonuses last checked more than 60 days ago,
cards with unconfirmed facts, and rotating calendars not published for a quarter of the next
four (the person's year the engine values). Exits 0 unless --strict finds something, so the
passing of time never fails a build that does not ask for it.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from catalog.audit import audit
from catalog.engine_catalog import load_full_catalog
from rewards.catalog import CatalogError, load_catalog


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be a date written YYYY-MM-DD (got {text!r})") from None


class Command(BaseCommand):
    help = (
        "List stale checks and bonuses, unconfirmed facts and missing rotating calendars of the "
        "active cards (or of a catalog file with --catalog). Exit status 1 only with --strict "
        "and something listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catalog", metavar="FILE", help="audit a catalog file instead")
        parser.add_argument("--today", metavar="YYYY-MM-DD", help="audit as of this day")
        parser.add_argument(
            "--strict", action="store_true", help="exit with status 1 when anything is listed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"]) if options["today"] else timezone.localdate()
        if options["catalog"]:
            try:
                catalog = load_catalog(options["catalog"], today=today)
            except CatalogError as error:
                raise CommandError(f"invalid catalog {options['catalog']}:\n{error}") from None
        else:
            catalog = load_full_catalog(today)
        report = audit(catalog, today)
        self.stdout.write(f"Catalog audit as of {today.isoformat()}: {len(catalog.cards)} cards.")
        for title, findings in report.sections():
            self.stdout.write(f"\n{title}: {len(findings)}")
            for finding in findings:
                self.stdout.write(f"  {finding.card_id} ({finding.name}): {finding.detail}")
        if report.empty:
            self.stdout.write("\nNothing to check.")
        elif options["strict"]:
            sys.exit(1)
