"""Engine results as JSON-able payloads, and the plain-English words the results page shows.

Payloads are plain dicts so that any worker can cache them in the database, render them without
touching the catalog again, and send the very same partial over the live stream. Money stays a
decimal string (JSON has no Decimal); what templates compare is given as a boolean beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from catalog.audit import card_notes
from rewards.catalog import Catalog
from rewards.categories import CATEGORY_LABELS
from rewards.engine import BreakEven, Recommendation, Wallet
from rewards.options import Options


@dataclass(frozen=True)
class CardInfo:
    """What the results page shows of a card, captured so rendering needs no queries."""

    name: str
    issuer: str
    url: str
    annual_fee: Decimal


def card_infos(catalog: Catalog) -> dict[str, CardInfo]:
    """Display facts for every card of the engine's catalog."""
    return {
        card.id: CardInfo(
            name=card.name,
            issuer=card.issuer,
            url=reverse("catalog:card-detail", args=[card.id]),
            annual_fee=card.annual_fee,
        )
        for card in catalog.cards
    }


def _money(value: Decimal) -> str:
    return str(value)


def _wallet_payload(wallet: Wallet, cards: dict[str, CardInfo]) -> dict[str, Any]:
    plan = []
    for row in wallet.plan:
        rate = (row.value / row.spend * 100) if row.spend else Decimal("0")
        plan.append(
            {
                "category": row.category,
                "label": CATEGORY_LABELS[row.category],
                "card": row.card_id,
                "card_name": cards[row.card_id].name,
                "spend": _money(row.spend),
                "value": _money(row.value),
                "rate_pct": f"{rate:.2f}",
            }
        )
    return {
        "cards": [
            {
                "id": card_id,
                "name": cards[card_id].name,
                "issuer": cards[card_id].issuer,
                "url": cards[card_id].url,
                "annual_fee": _money(cards[card_id].annual_fee),
            }
            for card_id in wallet.cards
        ],
        "held": list(wallet.held),
        "reward_value": _money(wallet.reward_value),
        "annual_fees": _money(wallet.annual_fees),
        "first_year_fees": _money(wallet.first_year_fees),
        "credits": _money(wallet.credits),
        "bonuses": _money(wallet.bonuses),
        "ongoing_value": _money(wallet.ongoing_value),
        "year_one_value": _money(wallet.year_one_value),
        "ongoing_gain": _money(wallet.ongoing_gain),
        "year_one_gain": _money(wallet.year_one_gain),
        # The year one opens the new cards one after another (rewards.roadmap.year_one): what
        # that costs against a full year of every card with every counted bonus, and the order.
        "year_one_timing": None
        if wallet.year_one_value is None
        else _money(
            wallet.ongoing_value
            + wallet.bonuses
            + wallet.annual_fees
            - wallet.first_year_fees
            - wallet.year_one_value
        ),
        "openings": [
            {"card": o.card, "month": o.month, "bonus_counted": o.bonus_counted}
            for o in wallet.openings
        ],
        "effective_rate_pct": f"{wallet.effective_rate * 100:.2f}",
        "plan": plan,
    }


def ranking_payload(
    recommendation: Recommendation, catalog: Catalog, options: Options
) -> dict[str, Any]:
    """The JSON-able ranking: wallets by size, best first, with plans and the held baseline."""
    cards = card_infos(catalog)
    return {
        "annual_spend": _money(recommendation.annual_spend),
        "rank": options.rank,
        "sizes": [
            {
                "size": size,
                "wallets": [_wallet_payload(wallet, cards) for wallet in wallets],
            }
            for size, wallets in sorted(recommendation.wallets.items())
        ],
        "held": (_wallet_payload(recommendation.held, cards) if recommendation.held else None),
        "held_names": [cards[card_id].name for card_id in options.held],
        "evaluations": recommendation.evaluations,
        "card_notes": _card_notes(recommendation, catalog),
    }


def _card_notes(recommendation: Recommendation, catalog: Catalog) -> list[str]:
    """What the figures of the listed cards rest on that we could not confirm, or is dated:
    "X: sign-up bonus not confirmed", "X: checked 200 days ago" (catalog.audit.card_notes)."""
    listed: list[str] = []
    for wallets in recommendation.wallets.values():
        for wallet in wallets:
            listed += [card_id for card_id in wallet.cards if card_id not in listed]
    notes = card_notes(catalog, listed, timezone.localdate())
    return [line for card_id in listed for line in notes.get(card_id, [])]


def top_pick(ranking: dict[str, Any]) -> list[str] | None:
    """Card ids of the best wallet of the largest size, which the insights are about."""
    for group in reversed(ranking["sizes"]):
        if group["wallets"]:
            return [card["id"] for card in group["wallets"][0]["cards"]]
    return None


def _names(catalog: Catalog, ids: tuple[str, ...] | None) -> str | None:
    if not ids:
        return None
    return " + ".join(catalog.card(card_id).name for card_id in ids)


def insight_payload(result: BreakEven, catalog: Catalog) -> dict[str, Any]:
    """Plain words for one break-even result."""
    label = CATEGORY_LABELS[result.category]
    label = label[0].lower() + label[1:]
    parts = []
    if result.lower is not None:
        parts.append(f"drops below ${result.lower:,.0f} a month")
    if result.upper is not None:
        parts.append(f"rises above ${result.upper:,.0f} a month")
    if parts:
        sentence = f"Stays your top pick unless spending on {label} {' or '.join(parts)}."
    else:
        sentence = (
            f"Stays your top pick at any spending on {label} from $0 to "
            f"${result.searched_to:,.0f} a month."
        )
    return {
        "category": result.category,
        "label": CATEGORY_LABELS[result.category],
        "monthly_spend": str(result.monthly_spend),
        "sentence": sentence,
        "lower": None if result.lower is None else str(result.lower),
        "upper": None if result.upper is None else str(result.upper),
        "below": _names(catalog, result.below),
        "above": _names(catalog, result.above),
    }


def failed_insight_payload(category: str, monthly_spend: Decimal, error: str) -> dict[str, Any]:
    """The insight slot of a category the engine could not work out, saying why."""
    return {
        "category": category,
        "label": CATEGORY_LABELS[category],
        "monthly_spend": str(monthly_spend),
        "sentence": f"We could not work this one out ({error}).",
        "lower": None,
        "upper": None,
        "below": None,
        "above": None,
    }


def insight_slots(
    categories: list[str], insights: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One placeholder per category for the insights list, filled where already computed."""
    return [
        {"category": c, "label": CATEGORY_LABELS[c], "insight": insights.get(c)} for c in categories
    ]


_PHASES = {
    "singles": "Scoring single cards",
    "pairs": "Pairing cards",
    "triples": "Trying 3-card wallets",
}


def progress_words(
    phase: str,
    done: int,
    total: int,
    best: tuple[tuple[str, ...], Decimal] | None,
    catalog: Catalog,
) -> tuple[str, str | None]:
    """The progress message and its detail line ("Best so far: ...") for one engine report."""
    words = _PHASES.get(phase, phase.capitalize())
    message = f"{words}: {done:,} of {total:,} wallets evaluated."
    if best is None:
        return message, None
    cards, ongoing_value = best
    names = " + ".join(
        catalog.cards_by_id[card_id].name if card_id in catalog.cards_by_id else card_id
        for card_id in cards
    )
    return message, f"Best so far: {names}, ${ongoing_value:,.2f} a year."
