"""manage.py recommend ...: the rewards engine's command line over the catalog in the database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.engine_catalog import load_full_catalog
from rewards.cli import main


class Command(BaseCommand):
    help = (
        "Best cards and wallets for a spend profile (see `manage.py recommend --help`). Reads the "
        "active cards from the database, or a catalog file with --catalog."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Only used by call_command(); from the shell, run_from_argv hands argv over untouched.
        parser.add_argument("args", nargs=argparse.REMAINDER)

    def run_from_argv(self, argv: list[str]) -> None:
        # The engine's own parser owns every option (including --help and exit status 2 for bad
        # arguments); Django's parser would reject options it does not know.
        status = self._run(argv[2:])
        if status:
            sys.exit(status)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = list(args)
        # call_command("recommend", "--", "--spend", ...): argparse keeps the "--" here.
        if argv[:1] == ["--"]:
            argv = argv[1:]
        status = self._run(argv)
        if status:
            sys.exit(status)

    def _run(self, argv: list[str]) -> int:
        # The whole active catalog: main() leaves closed cards out unless they are held.
        return main(
            argv, load_default_catalog=load_full_catalog, stdout=self.stdout, stderr=self.stderr
        )
