"""manage.py export_cards [PATH|-]: write the catalog in the file format import_cards reads."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.io import catalog_dict_from_db, dumps, format_problems
from rewards.catalog import CatalogError


class Command(BaseCommand):
    help = (
        "Export the active cards as a catalog file (creditcard-guru/catalog@1), to PATH or to "
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
        # Write next to the target and rename, so a failed export never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stderr.write(f"Wrote {len(data['cards'])} card(s) to {path}.")
