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
from results import charts
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
    first_year_fee: Decimal
    foreign_fee_pct: Decimal
    currency: str  # "Citi ThankYou Points", "Cash back"
    cash: bool  # a cash-back currency: its rewards are dollars, not points
    cents_per_point: Decimal  # the value used: the person's own, else the catalog's
    bonus_points: int
    bonus_min_spend: Decimal
    bonus_months: int


def card_infos(catalog: Catalog, options: Options | None = None) -> dict[str, CardInfo]:
    """Display facts for every card of the engine's catalog, valued at the person's cents per
    point where they set one (as the engine values them)."""
    own = dict(options.cents_per_point) if options else {}
    currencies = {currency.id: currency for currency in catalog.currencies}
    infos = {}
    for card in catalog.cards:
        currency = currencies[card.currency]
        infos[card.id] = CardInfo(
            name=card.name,
            issuer=card.issuer,
            url=reverse("catalog:card-detail", args=[card.id]),
            annual_fee=card.annual_fee,
            first_year_fee=card.first_year_fee,
            foreign_fee_pct=card.foreign_fee_pct,
            currency=currency.name,
            cash=currency.kind == "cash",
            cents_per_point=Decimal(str(own.get(card.currency, currency.cents_per_point))),
            bonus_points=card.bonus.points if card.bonus else 0,
            bonus_min_spend=card.bonus.min_spend if card.bonus else Decimal(0),
            bonus_months=card.bonus.months if card.bonus else 0,
        )
    return infos


def _money(value: Decimal) -> str:
    return str(value)


def dollars(value: Decimal) -> str:
    """ "$1,234.50" (and "−$20.00" with a true minus sign) for the sentences we write."""
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _cents(value: Decimal) -> str:
    """Cents per point as people write it: "1.0¢", "1.25¢", "0.5¢"."""
    text = f"{value.normalize():f}"
    return f"{text}.0¢" if "." not in text else f"{text}¢"


def _points_name(currency: str) -> str:
    """ "Chase Ultimate Rewards" → "Chase Ultimate Rewards points"; "Delta SkyMiles" as is."""
    last = currency.split()[-1].lower()
    return currency if last in {"points", "miles", "skymiles"} else f"{currency} points"


# How many wallets the value picture shows.
CHART_WALLETS = 5

# Category names as they read inside a sentence ("Use it for groceries and gas").
_SHORT = {
    "groceries": "groceries",
    "dining": "dining",
    "gas": "gas",
    "airfare": "airfare",
    "hotels": "hotels",
    "car_rental": "car rental",
    "transit": "transit",
    "travel_other": "other travel",
    "streaming": "streaming",
    "drugstores": "drugstores",
    "online_retail": "online shopping",
    "wholesale_clubs": "wholesale clubs",
    "home_improvement": "home improvement",
    "utilities": "utilities",
    "phone_internet": "phone and internet",
    "entertainment": "entertainment",
    "foreign": "purchases abroad",
    "other": "everything else",
}


def _and(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _uses(categories: list[str]) -> str:
    """A card's categories (biggest first) in a few words: "groceries and gas",
    "dining, gas and everything else", "groceries, dining and 4 more categories"."""
    words = [_SHORT[c] for c in categories if c != "other"]
    rest = "other" in categories
    if len(words) + rest > 3:
        words = words[:2]
        words.append("everything else" if rest else f"{len(categories) - 2} more categories")
    elif rest:
        words.append("everything else")
    return _and(words)


def _member(
    card_id: str, wallet: Wallet, cards: dict[str, CardInfo], monthly_total: Decimal
) -> dict[str, Any]:
    """One card of a wallet: its fee, what it earns in its own currency, its categories."""
    info = cards[card_id]
    rows = [row for row in wallet.plan if row.card_id == card_id]
    rewards = sum((row.value for row in rows), Decimal(0))
    # The engine's value is net of the foreign-transaction fee; points are earned before it.
    foreign_fees = sum(
        (row.spend * info.foreign_fee_pct / 100 for row in rows if row.category == "foreign"),
        Decimal(0),
    ).quantize(Decimal("0.01"))
    earned = rewards + foreign_fees
    points = int((earned * 100 / info.cents_per_point).to_integral_value()) if earned else 0
    held = card_id in wallet.held
    # As the engine's year one counts it: the bonuses its order of openings reaches, never a
    # held card's.
    counted = {o.card for o in wallet.openings if o.bonus_counted}
    bonus_points = info.bonus_points if not held and card_id in counted else 0
    bonus = (Decimal(bonus_points) * info.cents_per_point / 100).quantize(Decimal("0.01"))
    if info.cash:
        earns = f"{dollars(earned)} cash back"
        bonus_words = f"{dollars(bonus)} cash bonus" if bonus_points else None
    else:
        name = _points_name(info.currency)
        at = _cents(info.cents_per_point)
        earns = f"{points:,} {name} ≈ {dollars(earned)} at {at}"
        bonus_words = (
            f"{bonus_points:,} {name} ≈ {dollars(bonus)} at {at}" if bonus_points else None
        )
    # Each category once, under the card that takes most of it, biggest spend first.
    biggest: dict[str, tuple[Decimal, str]] = {}
    for row in wallet.plan:
        if row.category not in biggest or row.spend > biggest[row.category][0]:
            biggest[row.category] = (row.spend, row.card_id)
    spend = {row.category: row.spend for row in rows}
    mine = sorted(
        (c for c, (_, owner) in biggest.items() if owner == card_id), key=lambda c: -spend[c]
    )
    return {
        "id": card_id,
        "name": info.name,
        "issuer": info.issuer,
        "url": info.url,
        "held": held,
        "annual_fee": _money(info.annual_fee),
        "first_year_fee": _money(info.annual_fee if held else info.first_year_fee),
        "rewards": _money(rewards),
        "earns": earns,
        "foreign_fees": _money(foreign_fees) if foreign_fees else None,
        "bonus": _money(bonus),
        "bonus_words": bonus_words,
        # What earning the counted bonus takes, for the answer's words about a card opened
        # for its bonus alone ("spend $4,000.00 on it in its first 3 months").
        "bonus_terms": (
            {"min_spend": _money(info.bonus_min_spend), "months": info.bonus_months}
            if bonus_points
            else None
        ),
        "categories": mine,
        "uses": _uses(mine) if mine else None,
    }


def _wallet_payload(
    wallet: Wallet, cards: dict[str, CardInfo], monthly_total: Decimal, current: Decimal | None
) -> dict[str, Any]:
    """A wallet's figures, worked out from the same rounded parts the page shows, so that the
    lines add up to the cent: value = rewards − new fees − held fees + credits; the gain is
    that value less what the current cards already earn (`current`, None without held cards)."""
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
    new_fees = sum((cards[c].annual_fee for c in wallet.cards), Decimal(0))
    new_first_year_fees = sum((cards[c].first_year_fee for c in wallet.cards), Decimal(0))
    held_fees = sum((cards[c].annual_fee for c in wallet.held), Decimal(0))
    ongoing = wallet.reward_value - new_fees - held_fees + wallet.credits
    # Every card's full year with the bonuses the year one counts; the true year one (the
    # engine's, None when the cards cannot all be opened within a year) is at most that.
    full_year_one = wallet.reward_value - new_first_year_fees - held_fees + wallet.credits
    full_year_one += wallet.bonuses
    year_one = wallet.year_one_value
    members = [_member(c, wallet, cards, monthly_total) for c in wallet.cards + wallet.held]
    return {
        "cards": [member for member in members if not member["held"]],
        "held_cards": [member for member in members if member["held"]],
        "held": list(wallet.held),
        "names": " + ".join(cards[c].name for c in wallet.cards),
        "reward_value": _money(wallet.reward_value),
        "new_fees": _money(new_fees),
        "new_first_year_fees": _money(new_first_year_fees),
        "held_fees": _money(held_fees),
        "annual_fees": _money(new_fees + held_fees),
        "first_year_fees": _money(new_first_year_fees + held_fees),
        "first_year_fee_saving": _money(new_fees - new_first_year_fees),
        "credits": _money(wallet.credits),
        "bonuses": _money(wallet.bonuses),
        "ongoing_value": _money(ongoing),
        "year_one_value": None if year_one is None else _money(year_one),
        "current_value": None if current is None else _money(current),
        # The headline figures: the gain over the current cards, or the value without any.
        "per_year": _money(ongoing - (current or 0)),
        "first_year": None if year_one is None else _money(year_one - (current or 0)),
        # The year one opens the new cards one after another (rewards.roadmap.year_one): what
        # that costs against a full year of every card with the bonuses it counts, and the order.
        "year_one_timing": None if year_one is None else _money(full_year_one - year_one),
        "openings": [
            {"card": o.card, "month": o.month, "bonus_counted": o.bonus_counted}
            for o in wallet.openings
        ],
        "effective_rate_pct": f"{wallet.effective_rate * 100:.2f}",
        "plan": plan,
    }


def _answer(
    chosen: dict[str, Any], size: int, asked: int, rank: str, larger: list[int] | None = None
) -> dict[str, str]:
    """The decision in plain words: which cards to get, what to use each for, what it gains.

    `larger`: the sizes above the pick's with wallets listed (each earning no more than it)."""
    new, held = chosen["cards"], chosen["held_cards"]
    per_year = Decimal(chosen["per_year"])
    # None: the issuers' rules do not let these cards all be opened within a year.
    first_year = None if chosen["first_year"] is None else Decimal(chosen["first_year"])
    if held and per_year <= 0 and (first_year is None or first_year <= 0):
        return {
            "kicker": "Our pick",
            "headline": "Keep the cards you have.",
            "use": "No new card earns more than it costs on top of them: below is the best one, "
            "and what it would cost you.",
            "gain": "",
            "smaller": "",
        }
    get = _and([f"the {card['name']}" for card in new])
    headline = f"Get {get}."
    used = [card for card in new if card["uses"]]
    if len(new) == 1 and not any(card["uses"] for card in held):
        use = "Use it for everything."
    elif len(new) == 1:
        use = f"Use it for {new[0]['uses']}" if new[0]["uses"] else "Keep it for its bonus"
    else:
        use = "Use " + ", ".join(f"the {card['name']} for {card['uses']}" for card in used)
        use = use if used else ""
    keep = [f"your {card['name']} for {card['uses']}" for card in held if card["uses"]]
    if keep and use != "Use it for everything.":
        use = f"{use}; keep {_and(keep)}." if use else f"Keep {_and(keep)}."
    elif use and not use.endswith("."):
        use += "."
    idle = [card["name"] for card in held if not card["uses"]]
    if idle:
        use += f" Your {_and(idle)} would get no spending in this plan."
    # A new card of a wallet of several that no category goes to would otherwise be named in
    # "Get …" and never again: say so, so nobody opens it expecting to use it. One whose bonus
    # the first year counts does get spending then: its minimum spend, routed to it.
    unused = [card for card in new if not card["uses"]] if len(new) > 1 else []
    for card in unused:
        if card.get("bonus_terms"):
            use += " " + _for_its_bonus(card)
    idle = [f"the {card['name']}" for card in unused if not card.get("bonus_terms")]
    if idle:
        name = _and(idle)
        use += f" {name[0].upper()}{name[1:]} would get no spending in this plan."
    use = (use + _order(chosen)).strip()
    # The first-year figure has its place in this sentence (and in `first_year`).
    if first_year is None:
        gain = (
            f"You gain {dollars(per_year)} a year, once you hold them all: the issuers' rules "
            "do not let you open these cards within one year."
        )
    elif rank == "year_one":
        gain = (
            f"You gain {dollars(first_year)} in the first year ({dollars(per_year)} a year after)."
        )
    else:
        gain = f"You gain {dollars(per_year)} a year ({dollars(first_year)} in the first year)."
    if held:
        gain = gain[:-1] + ", over what your current cards earn."
    smaller = ""
    if larger:
        per = "in the first year" if rank == "year_one" else "a year"
        sizes = " or ".join(str(n) for n in larger)
        # "{per}" again at the end: a larger wallet's extra card may still bring a sign-up
        # bonus in its first year when the ranking is by the ongoing value.
        smaller = (
            f"No wallet of {sizes} cards earns more {per}, so we leave out cards that would add "
            f"nothing {per}."
        )
    elif size < asked:
        smaller = f"No wallet of {asked} cards passes your filters; this is the best of {size}."
    kicker = f"Our pick: a {size}-card wallet" if size > 1 else "Our pick"
    return {"kicker": kicker, "headline": headline, "use": use, "gain": gain, "smaller": smaller}


def _for_its_bonus(card: dict[str, Any]) -> str:
    """A card no category goes to, opened for the bonus the first year counts: "The X is for
    its sign-up bonus: spend $4,000.00 on it in its first 3 months; after that this plan gives
    it no spending." """
    terms = card["bonus_terms"]
    months = terms["months"]
    spend = Decimal(terms["min_spend"])
    within = f"its first {months} months" if months != 1 else "its first month"
    need = f"spend {dollars(spend)} on it in {within}" if spend > 0 else "no minimum spend"
    return (
        f"The {card['name']} is for its sign-up bonus: {need}; after that this plan gives it "
        "no spending."
    )


def _order(chosen: dict[str, Any]) -> str:
    """In what order to open two or more new cards, as the year-one value assumes: " Open the
    A first, the B 3 months later and the C 3 months after that." ("" for one new card)."""
    openings = sorted(chosen.get("openings", ()), key=lambda o: o["month"])
    if len(openings) < 2:
        return ""
    names = {card["id"]: card["name"] for card in chosen["cards"]}
    steps = [f"the {names[openings[0]['card']]} first"]
    for before, opening in zip(openings, openings[1:], strict=False):
        gap = opening["month"] - before["month"]
        when = "at the same time" if gap == 0 else f"{gap} month{'s' * (gap != 1)} later"
        if len(steps) > 1 and gap:
            when = f"{gap} month{'s' * (gap != 1)} after that"
        steps.append(f"the {names[opening['card']]} {when}")
    missed = [names[o["card"]] for o in openings if not o["bonus_counted"]]
    text = f" Open {_and(steps)}."
    if missed:
        these = "bonus is" if len(missed) == 1 else "bonuses are"
        text += f" The {_and(missed)} {these} out of reach that year, so not counted."
    return text


def _label_group(group: dict[str, Any], chosen_group: dict[str, Any] | None) -> None:
    """What a size's disclosure says closed: "One card instead: X, $540.00 a year"."""
    size, wallets = group["size"], group["wallets"]
    chosen = group is chosen_group
    for rank, wallet in enumerate(wallets):
        wallet["chosen"] = chosen and rank == 0
    shown = wallets[1:] if chosen else wallets
    if chosen:
        group["label"] = f"Other {size}-card wallets" if size > 1 else "Other single cards"
    else:
        group["label"] = "One card instead" if size == 1 else f"{size} cards instead"
    group["shown"] = len(shown)
    group["lead"] = (
        f"{shown[0]['names']}, {dollars(Decimal(shown[0]['per_year']))} a year" if shown else None
    )


def wallet_key(wallet: dict[str, Any]) -> str:
    """A wallet of a ranking payload in a URL: its new cards' ids, comma-separated."""
    return ",".join(card["id"] for card in wallet["cards"])


def find_wallet(ranking: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The ranking's wallet with this `wallet_key`, if it lists one."""
    for group in ranking["sizes"]:
        for wallet in group["wallets"]:
            if wallet_key(wallet) == key:
                return wallet
    return None


def ranking_payload(
    recommendation: Recommendation, catalog: Catalog, options: Options
) -> dict[str, Any]:
    """The JSON-able ranking: the answer (the engine's pick, in words: a wallet of fewer cards
    than asked for when more would earn no more), the alternatives, wallets by size, best first,
    with plans and the held baseline."""
    cards = card_infos(catalog, options)
    monthly_total = recommendation.annual_spend / 12
    held = recommendation.held
    current = None
    if held is not None:
        held_fees = sum((cards[c].annual_fee for c in held.held), Decimal(0))
        current = held.reward_value - held_fees + held.credits
    sizes = [
        {
            "size": size,
            "wallets": [
                _wallet_payload(wallet, cards, monthly_total, current) for wallet in wallets
            ],
        }
        for size, wallets in sorted(recommendation.wallets.items())
    ]
    asked = max(options.wallet_sizes)
    chosen_group = next((g for g in sizes if g["size"] == recommendation.pick_size), None)
    for group in sizes:
        _label_group(group, chosen_group)
    answer = None
    chart = None
    if chosen_group is not None:
        chosen = chosen_group["wallets"][0]
        larger = [g["size"] for g in sizes if g["size"] > chosen_group["size"] and g["wallets"]]
        answer = _answer(chosen, chosen_group["size"], asked, options.rank, larger=larger)
        # The pick, the best of each smaller size, then the pick's runners-up: a few bars.
        pictured = [chosen]
        pictured += [
            g["wallets"][0] for g in reversed(sizes) if g is not chosen_group and g["wallets"]
        ]
        pictured += chosen_group["wallets"][1:]
        chart = charts.wallet_values(pictured[:CHART_WALLETS], current)
    return {
        "annual_spend": _money(recommendation.annual_spend),
        "rank": options.rank,
        "asked_size": asked,
        "chosen_size": chosen_group["size"] if chosen_group else None,
        "answer": answer,
        "values_chart": chart,
        "sources_chart": (
            charts.reward_sources(chosen_group["wallets"][0]) if chosen_group else None
        ),
        "sizes": sizes,
        "held": (_wallet_payload(held, cards, monthly_total, None) if held is not None else None),
        "current_value": None if current is None else _money(current),
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
    """Card ids of the answer's wallet (the engine's pick), which the insights are about."""
    for group in ranking["sizes"]:
        if group["size"] == ranking["chosen_size"] and group["wallets"]:
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
