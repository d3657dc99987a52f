"""manage.py export_cards [PATH|-]: write the catalog in the file format import_cards reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.io import catalog_dict_from_db, format_problems
from rewards.catalog import CatalogError, dumps, write_text_atomically


class Command(BaseCommand):
    help = (
        "Export the active cards as a catalog file (creditcard-guru/catalog@2), to PATH or to "
        "standard output with '-' (the default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="-", help="Where to write; '-' for stdout.")
        parser.add_argument(
            "--include-inactive",
            action="store_true",
            help="Also export cards marked inactive (importing that file re-activates them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = catalog_dict_from_db(active_only=not options["include_inactive"])
        except CatalogError as error:
            problems = "\n  ".join(format_problems(error))
            raise CommandError(f"The catalog in the database is not valid:\n  {problems}") from None
        text = dumps(data)
        if options["path"] == "-":
            # Straight to the byte stream: the file is UTF-8 whatever the terminal's locale says.
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.flush()
            return
        path = Path(options["path"])
        write_text_atomically(text, path)
        self.stderr.write(f"Wrote {len(data['cards'])} card(s) to {path}.")
