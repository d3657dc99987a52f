"""The catalog the rewards engine runs on, built from the active cards in the database."""

from __future__ import annotations

import threading

from catalog.io import raw_catalog_from_db
from catalog.models import CatalogVersion
from rewards.catalog import Catalog, parse_catalog

__all__ = ["current_engine_catalog", "load_engine_catalog"]

# Process-local memo keyed on the version read from the database: every worker asks the
# database which version is current, so an edit made through any worker is seen by all.
_memo: dict[str, Catalog] = {}
_lock = threading.Lock()


def load_engine_catalog() -> Catalog:
    """The active cards as a validated `rewards.catalog.Catalog`, rebuilt after any change."""
    return current_engine_catalog()[1]


def current_engine_catalog() -> tuple[str, Catalog]:
    """The catalog version and the engine catalog of that version, read together."""
    version = CatalogVersion.current()
    catalog = _memo.get(version)
    if catalog is not None:
        return version, catalog
    # Built from the same dict export_cards writes and checked by the same parser, so the engine
    # never sees a card the file format would refuse. The version is read first: a change landing
    # mid-build bumps it, and the next call rebuilds.
    catalog = parse_catalog(raw_catalog_from_db(active_only=True))
    with _lock:
        _memo.clear()
        _memo[version] = catalog
    return version, catalog


def clear_memo() -> None:
    """Forget the memoised catalog (tests that reset the database use this)."""
    with _lock:
        _memo.clear()
