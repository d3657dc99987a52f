"""manage.py write_catalog IN [OUT]: a catalog file (@1 or @2) rewritten in canonical @2 form.

For assembling data/catalog.json from card data: the input is validated as a whole (every
problem listed, nothing written if any), and the output reads back to the same catalog and
writes out to the same bytes. No database is used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rewards.catalog import CatalogError, canonical_text, write_text_atomically


class Command(BaseCommand):
    help = "Validate a catalog file and write it in canonical catalog@2 form (to OUT, or IN)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="the catalog JSON to read")
        parser.add_argument("target", type=Path, nargs="?", help="where to write (default: IN)")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        target: Path = options["target"] or source
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
            text = canonical_text(data)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            self.stderr.write(f"{source}: cannot read a catalog: {error}")
            sys.exit(1)
        except CatalogError as error:
            self.stderr.write(
                f"{source}: rejected, nothing written. {len(error.errors)} problem(s):"
            )
            for problem in error.errors:
                self.stderr.write(f"  {problem}")
            sys.exit(1)
        write_text_atomically(text, target)
        self.stderr.write(f"Wrote {target} (catalog@2, canonical).")
