"""manage.py recommend ...: the rewards engine's command line over the catalog in the database."""

from __future__ import annotations

from catalog.management.engine_command import EngineCommand
from rewards.cli.recommend import main


class Command(EngineCommand):
    help = (
        "Best cards and wallets for a spend profile (see `manage.py recommend --help`). Reads the "
        "active cards from the database, or a catalog file with --catalog."
    )
    main = staticmethod(main)
