"""Marking a card verified: every fact changed since the last check needs new evidence.

A card's `verified_facts` holds its file entry as it was when last verified (imported, or marked
verified in the admin). Marking it verified today compares the current entry with that: each
sourced fact that differs must be supported by an evidence item that was not there before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from catalog.io import card_to_raw, with_defaults
from catalog.models import Card
from rewards.evidence import covers

# Facts a source states (the credit band is our convention, names and ids are ours): a change
# to one of these needs a source.
SOURCED_FIELDS: tuple[str, ...] = (
    "network",
    "currency",
    "annual_fee",
    "first_year_fee",
    "foreign_fee_pct",
    "business",
    "base_rate",
    "shared_caps",
    "bonus",
    "status",
)
_LISTS = ("rules", "credits")


def _names(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def changed_facts(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The sourced facts that differ: field names, `rules[N]` for one rule, `rules` if removed."""
    before = before or {}
    changed = [name for name in SOURCED_FIELDS if before.get(name) != after.get(name)]
    for name in _LISTS:
        old, new = before.get(name) or [], after.get(name) or []
        changed += [f"{name}[{i}]" for i, item in enumerate(new) if i >= len(old) or old[i] != item]
        if len(new) < len(old):
            changed.append(name)
    return changed


def missing_evidence(card: Card) -> list[str]:
    """The facts changed since the last check that no new evidence item supports."""
    # Both with their defaults spelled out: the file leaves out what the database spells.
    current = with_defaults(card_to_raw(card, quarters=True))
    before = with_defaults(card.verified_facts) if card.verified_facts else {}
    old_items = before.get("evidence") or []
    new_items = [item for item in current["evidence"] if item not in old_items]
    return [
        name
        for name in changed_facts(before, current)
        if not any(covers(_names(item.get("field")), name) for item in new_items)
    ]


def mark_verified(card: Card, today: date) -> list[str]:
    """Record today's check, or return the facts that still need new evidence (nothing saved)."""
    missing = missing_evidence(card)
    if missing:
        return missing
    with transaction.atomic():
        card.verified_on = today
        card.status_confirmed_on = today
        card.verified_facts = card_to_raw(card, quarters=True)
        card.save(update_fields=["verified_on", "status_confirmed_on", "verified_facts"])
    return []
