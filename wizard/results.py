"""Turning a saved profile into engine runs, and their results into cached, renderable data.

Results are plain JSON-able dicts so that any worker can cache them in the database, render them
without touching the catalog again, and send the very same partial over the live stream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rewards.catalog import Catalog
from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from rewards.engine import (
    BreakEven,
    EngineError,
    Options,
    Recommendation,
    Wallet,
    break_even,
    recommend,
)
from wizard.models import CachedResult, SpendingProfile

# How many wallets of each size the results page lists.
TOP_N = 5
RANKING_KEY = "ranking"

# Live-stream event ids, fixed per kind so a reconnect (Last-Event-ID) on any worker can skip
# what the client already has: progress 1..99, the ranking 100, insights 101.., done last.
FIRST_PROGRESS_EVENT_ID = 1
LAST_PROGRESS_EVENT_ID = 99
RESULTS_EVENT_ID = 100
DONE_EVENT_ID = 200


def insight_event_id(category: str) -> int:
    """Insight ids follow the wizard's category order."""
    return RESULTS_EVENT_ID + 1 + LEAF_CATEGORIES.index(category)


ProgressCallback = Callable[[str, int, int, Any], None]


def engine_options(profile: SpendingProfile, catalog: Catalog, *, top_n: int = TOP_N) -> Options:
    """The engine options that match the profile's preferences (see SpendingProfile)."""
    return profile.engine_options(catalog, top_n=top_n)


def insight_categories(profile: SpendingProfile) -> list[str]:
    """Categories the person spends in, in wizard order: one break-even insight each."""
    spend = profile.spend()
    return [category for category in LEAF_CATEGORIES if spend[category] > 0]


def insight_key(category: str) -> str:
    return f"insight:{category}"


def insight_slots(
    categories: list[str], insights: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One placeholder per category for the insights list, filled where already computed."""
    return [
        {"category": c, "label": CATEGORY_LABELS[c], "insight": insights.get(c)} for c in categories
    ]


# Cache: one row per (profile, inputs fingerprint, catalog version, key).


def cached(profile: SpendingProfile, version: str, key: str) -> dict[str, Any] | None:
    """A cached payload, or None."""
    row = (
        CachedResult.objects.filter(
            profile=profile, fingerprint=profile.fingerprint(), catalog_version=version, key=key
        )
        .values_list("payload", flat=True)
        .first()
    )
    return row


def cached_many(profile: SpendingProfile, version: str) -> dict[str, dict[str, Any]]:
    """Every cached payload of the profile's current inputs under a catalog version."""
    rows = CachedResult.objects.filter(
        profile=profile, fingerprint=profile.fingerprint(), catalog_version=version
    ).values_list("key", "payload")
    return dict(rows)


def store(profile: SpendingProfile, version: str, key: str, payload: dict[str, Any]) -> None:
    """Cache a payload; a concurrent viewer storing the same result first is fine."""
    try:
        with transaction.atomic():
            CachedResult.objects.create(
                profile=profile,
                fingerprint=profile.fingerprint(),
                catalog_version=version,
                key=key,
                payload=payload,
            )
    except IntegrityError:
        pass


def mark_shown(profile: SpendingProfile) -> None:
    """Freeze the profile's answers: from now on edits go to a copy, so the permalink holds."""
    if profile.results_shown_at is None:
        SpendingProfile.objects.filter(pk=profile.pk, results_shown_at__isnull=True).update(
            results_shown_at=timezone.now()
        )
        profile.results_shown_at = timezone.now()


# Computation (runs in a worker thread for the live stream; no database access in here).


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


def compute_ranking(
    catalog: Catalog,
    profile: SpendingProfile,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Run the search and return the ranking payload the results partial renders."""
    options = engine_options(profile, catalog)
    recommendation = recommend(catalog, profile.spend(), options, progress=progress, cancel=cancel)
    return ranking_payload(recommendation, card_infos(catalog), options)


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
        "effective_rate_pct": f"{wallet.effective_rate * 100:.2f}",
        "plan": plan,
    }


def ranking_payload(
    recommendation: Recommendation, cards: dict[str, CardInfo], options: Options
) -> dict[str, Any]:
    """The JSON-able ranking: wallets by size, best first, with plans and the held baseline."""
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
    }


def top_pick(ranking: dict[str, Any]) -> list[str] | None:
    """Card ids of the best wallet of the largest size, which the insights are about."""
    for group in reversed(ranking["sizes"]):
        if group["wallets"]:
            return [card["id"] for card in group["wallets"][0]["cards"]]
    return None


def compute_insight(
    catalog: Catalog,
    profile: SpendingProfile,
    category: str,
    *,
    cancel: threading.Event | None = None,
    on_step: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The break-even insight for one category, as a JSON-able payload."""
    options = engine_options(profile, catalog, top_n=1)
    result = break_even(catalog, profile.spend(), options, category, cancel=cancel, on_step=on_step)
    return insight_payload(result, catalog)


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


def compute_everything(
    profile: SpendingProfile,
    catalog_version: str,
    ranking: dict[str, Any] | None,
    insights: dict[str, dict[str, Any]],
    *,
    budget_seconds: float,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Compute (and cache) what is missing inside the request: the no-JavaScript path.

    Insights stop once `budget_seconds` have passed; the page then reloads itself (noscript
    refresh) and the next request carries on from the cache.
    """
    from catalog.engine_catalog import load_engine_catalog

    deadline = time.monotonic() + budget_seconds
    catalog = load_engine_catalog()
    if ranking is None:
        ranking = compute_ranking(catalog, profile)
        store(profile, catalog_version, RANKING_KEY, ranking)
    insights = dict(insights)
    if top_pick(ranking) is not None:
        for category in insight_categories(profile):
            if category in insights:
                continue
            if time.monotonic() > deadline:
                break
            insights[category] = safe_insight(catalog, profile, category)
            store(profile, catalog_version, insight_key(category), insights[category])
    return ranking, insights


def safe_insight(
    catalog: Catalog,
    profile: SpendingProfile,
    category: str,
    *,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """The insight for a category, or a payload saying why there is none."""
    try:
        return compute_insight(catalog, profile, category, cancel=cancel)
    except EngineError as error:
        return {
            "category": category,
            "label": CATEGORY_LABELS[category],
            "monthly_spend": str(profile.spend()[category]),
            "sentence": f"We could not work this one out ({error}).",
            "lower": None,
            "upper": None,
            "below": None,
            "above": None,
        }
