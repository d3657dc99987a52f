"""Small catalog dicts for the engine tests, in the §6 file format."""

from __future__ import annotations

import copy
from typing import Any

CURRENCIES: list[dict[str, Any]] = [
    {"id": "cash", "name": "Cash back", "kind": "cash", "cents_per_point": 1},
    {"id": "chase_ur", "name": "Chase Ultimate Rewards", "kind": "points", "cents_per_point": 1.5},
    {"id": "hotel_pts", "name": "Hotel points", "kind": "points", "cents_per_point": 0.5},
    {"id": "air_miles", "name": "Airline miles", "kind": "miles", "cents_per_point": 1.2},
]


def card(card_id: str = "test-card", **fields: Any) -> dict[str, Any]:
    """A valid card entry; keyword arguments replace or add fields."""
    raw: dict[str, Any] = {
        "id": card_id,
        "name": card_id.replace("-", " ").title(),
        "issuer": "Test Bank",
        "network": "visa",
        "currency": "cash",
        "annual_fee": 0,
        "credit": "good",
        "base_rate": 1,
        "rules": [],
        "source_url": "https://example.com/cards",
        "verified_on": "2026-10-15",
    }
    raw.update(fields)
    return raw


def catalog(*cards: dict[str, Any], currencies: list[dict[str, Any]] | None = None) -> dict:
    """A catalog dict holding these cards."""
    return {
        "format": "creditcard-guru/catalog@1",
        "currencies": copy.deepcopy(CURRENCIES if currencies is None else currencies),
        "cards": list(cards),
    }
