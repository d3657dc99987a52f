"""Catalog@2 dicts for the format tests: cards with evidence, issuers with rules."""

from __future__ import annotations

import copy
from typing import Any

from tests.rewards.builders import CURRENCIES, card

V2 = "creditcard-guru/catalog@2"


def source(field: str | list[str], **more: Any) -> dict[str, Any]:
    """One evidence item for `field`."""
    return {
        "field": field,
        "source_url": "https://example.com/terms",
        "source_date": "2026-11",
        "quote": "The words on the page that state the fact.",
        **more,
    }


def card_v2(card_id: str = "test-card", **fields: Any) -> dict[str, Any]:
    """A valid @2 card entry (evidence for its fee, rules and bonus); keywords replace fields."""
    raw = card(card_id)
    raw.update(
        status="open",
        status_confirmed_on="2026-12-03",
        verified_on="2026-12-03",
        evidence=[source(["annual_fee", "rules", "bonus"])],
    )
    raw.update(fields)
    return raw


def issuer(name: str = "Test Bank", *rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "rules": list(rules)}


def five_24(**more: Any) -> dict[str, Any]:
    """A recent-cards rule with its evidence."""
    rule = {"kind": "recent_cards", "max": 5, "months": 24, "counts_business": False}
    rule.update(more)
    rule.setdefault("evidence", [source("max")])
    return rule


def catalog_v2(
    *cards: dict[str, Any], issuers: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An @2 catalog dict holding these cards."""
    return {
        "format": V2,
        "currencies": copy.deepcopy(CURRENCIES),
        "issuers": issuers or [],
        "cards": list(cards),
    }
