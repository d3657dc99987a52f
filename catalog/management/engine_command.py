"""What `manage.py recommend` and `manage.py roadmap` share: the engine's own parser owns every
option, and the default catalog comes from the database (a missing schema is a clear error)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from catalog.engine_catalog import load_full_catalog
from rewards.catalog import Catalog
from rewards.cli import NO_DATABASE, UsageError

Main = Callable[..., int]


def database_catalog() -> Catalog:
    """The active cards in the database; UsageError when the tables do not exist yet."""
    try:
        # Every active card, closed ones too: the command leaves closed cards out unless held.
        return load_full_catalog()
    except DatabaseError:
        raise UsageError(NO_DATABASE) from None


class EngineCommand(BaseCommand):
    """A management command that hands its argv to a `rewards.cli` main()."""

    main: Main

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

    def _run(self, argv: Sequence[str]) -> int:
        out: TextIO = self.stdout  # type: ignore[assignment]
        err: TextIO = self.stderr  # type: ignore[assignment]
        return type(self).main(
            list(argv), load_default_catalog=database_catalog, stdout=out, stderr=err
        )
