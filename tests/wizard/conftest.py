"""Fixtures for the wizard tests: the shipped catalog in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


@pytest.fixture
def shipped_catalog(db: None) -> None:
    """The real card catalog, imported as `make run` does."""
    call_command("import_cards", str(CATALOG), verbosity=0)


HTMX = {"HX-Request": "true"}
