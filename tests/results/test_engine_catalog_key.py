"""An engine process keeps catalogs by key: one person's catalog is never reused for another's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from results.events import engine_catalog_key
from rewards.catalog import load_catalog

_FILE = load_catalog(Path(__file__).resolve().parents[2] / "data" / "catalog.json")
# What the engine gets for a person holding no closed card: the open cards only.
SHIPPED = replace(_FILE, cards=tuple(card for card in _FILE.cards if card.is_open))


def test_catalogs_of_one_version_without_closed_cards_share_a_key() -> None:
    assert engine_catalog_key("7-abc@2026Q4", SHIPPED) == "7-abc@2026Q4"


def test_a_catalog_keeping_a_closed_held_card_has_a_key_of_its_own() -> None:
    first = SHIPPED.cards[0]
    keeping_closed = replace(SHIPPED, cards=(replace(first, status="closed"), *SHIPPED.cards[1:]))
    key = engine_catalog_key("7-abc@2026Q4", keeping_closed)
    assert key != engine_catalog_key("7-abc@2026Q4", SHIPPED)
    assert first.id in key
