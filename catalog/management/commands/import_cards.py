"""manage.py import_cards PATH: validate a whole catalog file, then upsert it in one transaction."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.io import ImportRejected, import_catalog, read_catalog_file
from catalog.models import Card


class Command(BaseCommand):
    help = (
        "Import a catalog file (creditcard-guru/catalog@2, or @1). The whole file is checked "
        "first and every problem is listed; nothing is written unless it is valid. Cards "
        "missing from the file are marked inactive, not deleted. Importing the same file twice "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The catalog JSON file, e.g. data/catalog.json")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has cards (keeps editors' admin changes).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if options["if_empty"] and Card.objects.exists():
            self.stdout.write("The catalog already has cards; nothing imported (--if-empty).")
            return
        try:
            result = import_catalog(read_catalog_file(path))
        except ImportRejected as rejected:
            self.stderr.write(
                f"{path}: rejected, nothing was imported. {len(rejected.problems)} problem(s):"
            )
            for problem in rejected.problems:
                self.stderr.write(f"  {problem}")
            # A CommandError would print only one line; every problem matters here.
            sys.exit(1)
        self.stdout.write(f"{path}: {result.summary()}")
