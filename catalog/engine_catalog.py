"""The catalog the rewards engine runs on, built from the active cards in the database.

It holds the open cards (closed ones only where the person holds them: held cards count, and
are never recommended), with rotating calendars valued for the person's year starting today.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from catalog.io import raw_catalog_from_db
from catalog.models import CatalogVersion
from rewards.catalog import Catalog, parse_catalog
from rewards.quarters import quarter_key, year_quarters

__all__ = [
    "current_engine_catalog",
    "engine_version",
    "load_engine_catalog",
]

# Process-local memo keyed on the version read from the database and the quarter the person's
# year starts with: every worker asks the database which version is current, so an edit made
# through any worker is seen by all, and a new quarter brings that quarter's calendars in.
_memo: dict[tuple[str, str], Catalog] = {}
_filtered: dict[tuple[str, str, frozenset[str]], Catalog] = {}
_lock = threading.Lock()


def engine_version(today: date | None = None, *, catalog_version: str | None = None) -> str:
    """What results computed on the engine's catalog depend on: the catalog version and the
    quarter the person's year starts with (cache results under this, not the version alone).

    `catalog_version`: the current version as the caller has just read it from the database
    (else it is read here)."""
    current = CatalogVersion.current() if catalog_version is None else catalog_version
    return f"{current}@{quarter_key(today or timezone.localdate())}"


def _full_catalog(version: str, today: date) -> Catalog:
    key = (version, quarter_key(today))
    catalog = _memo.get(key)
    if catalog is not None:
        return catalog
    # Built from the same dict export_cards writes and checked by the same parser, so the engine
    # never sees a card the file format would refuse. The version is read first: a change landing
    # mid-build bumps it, and the next call rebuilds.
    raw = raw_catalog_from_db(active_only=True, quarters=year_quarters(today))
    catalog = parse_catalog(raw, today=today)
    with _lock:
        _memo.clear()
        _filtered.clear()
        _memo[key] = catalog
    return catalog


def load_engine_catalog(held: Iterable[str] = (), today: date | None = None) -> Catalog:
    """The recommendable active cards as a validated Catalog, rebuilt after any change.

    Closed cards are left out unless listed in `held` (the person's cards, which count in
    every wallet and are never recommended). The same objects are returned while nothing
    changes, so the engine's compiled model of them is reused.
    """
    return current_engine_catalog(held, today)[1]


def current_engine_catalog(
    held: Iterable[str] = (), today: date | None = None
) -> tuple[str, Catalog]:
    """The engine version (see engine_version) and the engine catalog of it, read together."""
    today = today or timezone.localdate()
    version = CatalogVersion.current()
    full = _full_catalog(version, today)
    closed_held = frozenset(held) & {card.id for card in full.cards if not card.is_open}
    key = (version, quarter_key(today), closed_held)
    catalog = _filtered.get(key)
    if catalog is None:
        catalog = full.recommendable(closed_held)
        with _lock:
            _filtered[key] = catalog
    return f"{version}@{quarter_key(today)}", catalog


def load_full_catalog(today: date | None = None) -> Catalog:
    """Every active card, closed ones too (the audit and the card notes read this)."""
    return _full_catalog(CatalogVersion.current(), today or timezone.localdate())


def clear_memo() -> None:
    """Forget the memoised catalog (tests that reset the database use this)."""
    with _lock:
        _memo.clear()
        _filtered.clear()
