"""manage.py roadmap ...: which new cards to open, in what order and when (docs/roadmap.md)."""

from __future__ import annotations

from catalog.management.engine_command import EngineCommand
from rewards.cli.roadmap import main


class Command(EngineCommand):
    help = (
        "Which new cards to open, in what order and when (see `manage.py roadmap --help`). Reads "
        "the active cards from the database, or a catalog file with --catalog."
    )
    main = staticmethod(main)
