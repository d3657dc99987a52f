"""Roadmaps on hand-made catalogs: values worked out by hand, the rules, calendars, bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rewards.catalog import CatalogError, load_catalog, parse_catalog
from rewards.options import EngineError, SearchCancelled
from rewards.roadmap import RoadmapOptions, roadmap
from tests.rewards.builders import card, catalog
from tests.rewards.evidenced import card_v2, catalog_v2, five_24, issuer, source

TODAY = date(2026, 12, 3)


def flat(card_id: str, rate: float, **more: Any) -> dict[str, Any]:
    return card(card_id, base_rate=rate, **more)


def bonus(dollars: int, min_spend: int, months: int = 3) -> dict[str, Any]:
    return {"points": dollars * 100, "min_spend": min_spend, "months": months}


def options(**more: Any) -> RoadmapOptions:
    fields: dict[str, Any] = {"today": "2026-12", "months": 12, "max_new": 1, "spacing": 3}
    fields.update(more)
    return RoadmapOptions(**fields)


def test_one_card_month_by_month() -> None:
    raw = catalog(flat("two-percent", 2, annual_fee=95, first_year_fee=0, bonus=bonus(200, 3000)))
    result = roadmap(parse_catalog(raw, today=TODAY), {"other": 1000}, options())
    assert result.baseline == Decimal("0.00")
    best = result.plans[0]
    (app,) = best.applications
    assert (app.card, app.month, app.calendar_month) == ("two-percent", 1, "2027-01")
    assert app.bonus_counted and app.bonus_value == Decimal("200.00") and app.bonus_month == 3
    assert app.min_spend_per_month == Decimal("1000.00")
    # 2% of $1,000 a month for 12 months, the $200 bonus when the window closes in month 3, and
    # no fee: the first year is free and the second year's fee falls after month 12.
    assert best.value == Decimal("440.00") and best.gain == Decimal("440.00")
    assert [row.bonus for row in best.months][:4] == [Decimal(0), Decimal(0), Decimal(200), 0]
    assert all(row.rewards == Decimal("20.00") and row.fees == 0 for row in best.months)
    assert [plan.cards for plan in result.plans] == [("two-percent",), ()]


def test_fees_fall_on_anniversaries_and_the_minimum_spend_is_rounded_up() -> None:
    raw = catalog(flat("two-percent", 2, annual_fee=95, first_year_fee=0, bonus=bonus(200, 4000)))
    result = roadmap(parse_catalog(raw, today=TODAY), {"other": 2000}, options(months=24))
    best = result.plans[0]
    assert best.applications[0].min_spend_per_month == Decimal("1333.34")
    fees = {row.month: row.fees for row in best.months if row.fees}
    assert fees == {13: Decimal("95.00")}
    assert best.value == Decimal(24 * 40 + 200 - 95)


def test_a_minimum_spend_costs_what_the_routed_spend_loses() -> None:
    raw = catalog(
        card("grocer", rules=[{"categories": ["groceries"], "rate": 3}]),
        flat("newcomer", 1, bonus=bonus(500, 1500)),
    )
    opts = options(held=(("grocer", "2025-06"),), spacing=1)
    result = roadmap(parse_catalog(raw, today=TODAY), {"groceries": 1000}, opts)
    assert result.baseline == Decimal("360.00")
    best = result.plans[0]
    # Months 1-3: $500 of groceries must go to the 1% card (a $10 a month loss); the window
    # may open in any month up to 10 with the same value, and the earliest wins the tie.
    assert best.value == Decimal("830.00") and best.gain == Decimal("470.00")
    (app,) = best.applications
    assert app.month == 1 and app.min_spend_per_month == Decimal("500.00")
    assert [(r.category, r.spend) for r in app.route] == [("groceries", Decimal("500.00"))]
    assert [row.rewards for row in best.months[:4]] == [Decimal(20)] * 3 + [Decimal(30)]


def test_a_window_past_the_horizon_earns_no_bonus_and_needs_no_minimum_spend() -> None:
    raw = catalog(flat("big-bonus", 2, annual_fee=0, bonus=bonus(100, 3000, months=3)))
    opts = options(months=12)
    result = roadmap(parse_catalog(raw, today=TODAY), {"other": 500}, opts)
    # $500 a month cannot reach $1,000 a month: a schedule counting the bonus is not valid, so
    # the card can only be opened where its window would end after month 12 (months 11-12).
    best = result.plans[0]
    (app,) = best.applications
    assert app.month == 11 and not app.bonus_counted
    assert "after the plan's last month" in app.bonus_reason
    assert best.value == Decimal("20.00")


def _issuer_catalog(*rules: dict[str, Any], family: str | None = None) -> dict[str, Any]:
    extra = {"family": family} if family else {}
    return catalog_v2(
        card_v2("chase-a", issuer="Chase", base_rate=2, bonus=bonus(300, 0), **extra),
        card_v2("other-b", issuer="Other", base_rate=1.5),
        issuers=[issuer("Chase", *rules)],
    )


def test_five_in_24_counts_other_recent_cards_and_held_cards_by_their_month() -> None:
    raw = _issuer_catalog(five_24())
    cat = parse_catalog(raw, today=TODAY)
    spend = {"other": 1000}
    # Four recent cards and one opened 23 months before month 1: month 1 is the first month
    # with only four in the last 24 (the 2025-01 card is 24 months old then).
    opts = options(other_recent=4, held=(("other-b", "2025-01"),))
    best = roadmap(cat, spend, opts).plans[0]
    assert [(a.card, a.month) for a in best.applications] == [("chase-a", 1)]
    # Five in the last 24 months for the whole plan: Chase is out, and the report says why.
    blocked = roadmap(cat, spend, options(other_recent=5)).blocked
    assert [(b.card, b.what, b.until) for b in blocked] == [("chase-a", "application", None)]
    assert "fewer than 5" in blocked[0].rule


def test_a_bonus_received_recently_does_not_count_again() -> None:
    rule = {"kind": "bonus_once", "scope": "family", "months": 24, "evidence": [source("kind")]}
    raw = _issuer_catalog(rule, family="chase-sapphire")
    cat = parse_catalog(raw, today=TODAY)
    history = (("chase-a", "2026-01"),)
    result = roadmap(cat, {"other": 1000}, options(bonus_history=history, months=24))
    app = result.plans[0].applications[0]
    # The bonus counts again from month 13 (2028-01, 24 months after 2026-01) — worth waiting.
    assert (app.card, app.month, app.bonus_counted) == ("chase-a", 13, True)
    early = roadmap(cat, {"other": 1000}, options(bonus_history=history, months=12)).plans[0]
    app = early.applications[0]
    assert not app.bonus_counted and "same card family" in app.bonus_reason


def _sapphire_catalog(family: str = "chase-sapphire") -> dict[str, Any]:
    # Chase's once-per-lifetime rule concerns the Sapphire cards alone (data/catalog.json).
    lifetime = {
        "kind": "bonus_once",
        "scope": "card",
        "months": None,
        "family": family,
        "evidence": [source("kind")],
    }
    return catalog_v2(
        card_v2(
            "sapphire", issuer="Chase", family="chase-sapphire", base_rate=2, bonus=bonus(300, 0)
        ),
        card_v2("freedom", issuer="Chase", bonus=bonus(200, 0)),
        issuers=[issuer("Chase", lifetime)],
    )


def test_a_rule_for_one_family_leaves_the_issuers_other_cards_alone() -> None:
    cat = parse_catalog(_sapphire_catalog(), today=TODAY)
    (rule,) = cat.issuers[0].rules
    assert rule.family == "chase-sapphire"
    history = (("sapphire", "2020-01"), ("freedom", "2020-01"))
    result = roadmap(cat, {"other": 100}, options(max_new=2, spacing=1, bonus_history=history))
    counted = {a.card: a.bonus_counted for a in result.plans[0].applications}
    assert counted == {"sapphire": False, "freedom": True}


def test_a_rule_naming_a_family_no_card_of_the_issuer_has_is_refused() -> None:
    with pytest.raises(CatalogError) as error:
        parse_catalog(_sapphire_catalog(family="chase-saphire"), today=TODAY)
    assert any(
        "no card of this issuer is in the family 'chase-saphire'" in str(problem)
        for problem in error.value.problems
    )


def test_an_at1_calendar_repeats_every_year_and_an_at2_one_only_where_published() -> None:
    rotating = {"Q1": ["dining"], "Q2": [], "Q3": [], "Q4": []}
    rule = {"rotating": rotating, "rate": 5, "cap": {"amount": 1500, "per": "quarter"}}
    v1 = parse_catalog(catalog(card("rotator", rules=[rule])), today=TODAY)
    opts = options(months=24, held=(("rotator", "2026-01"),), max_new=0)
    months = roadmap(v1, {"dining": 100}, opts).plans[0].months
    by_month = {row.calendar_month: row.rewards for row in months}
    assert by_month["2027-01"] == by_month["2028-01"] == Decimal("5.00")
    assert by_month["2027-04"] == Decimal("1.00")
    rule2 = dict(rule, rotating={"2027Q1": ["dining"]})
    v2 = parse_catalog(catalog_v2(card_v2("rotator", rules=[rule2])), today=TODAY)
    months = roadmap(v2, {"dining": 100}, opts).plans[0].months
    by_month = {row.calendar_month: row.rewards for row in months}
    assert by_month["2027-01"] == Decimal("5.00") and by_month["2028-01"] == Decimal("1.00")


def test_plans_have_distinct_card_sets_ranked_by_value() -> None:
    raw = catalog(
        flat("a", 2, bonus=bonus(300, 500)),
        flat("b", 1.5, bonus=bonus(200, 500)),
        flat("c", 1, bonus=bonus(100, 500)),
    )
    result = roadmap(parse_catalog(raw, today=TODAY), {"other": 1000}, options(max_new=2, top=10))
    sets = [frozenset(plan.cards) for plan in result.plans]
    assert len(sets) == len(set(sets)) == 7  # every set of at most two cards, and none
    values = [plan.value for plan in result.plans]
    assert values == sorted(values, reverse=True)
    assert result.plans[0].cards == ("a", "b")


def test_the_json_has_the_contracts_fields() -> None:
    raw = catalog(flat("a", 2, bonus=bonus(300, 500)))
    data = roadmap(parse_catalog(raw, today=TODAY), {"other": 1000}, options()).to_json()
    assert set(data) >= {"baseline", "plans"}
    plan = data["plans"][0]
    assert set(plan) >= {"value", "gain", "applications", "months"}
    assert set(plan["applications"][0]) >= {
        "card",
        "month",
        "bonus_counted",
        "bonus_value",
        "min_spend_per_month",
    }
    assert [row["month"] for row in plan["months"]] == list(range(1, 13))
    assert set(plan["months"][0]) >= {"month", "rewards", "fees", "bonus"}


def test_cancel_stops_the_search() -> None:
    raw = catalog(flat("a", 2), flat("b", 1.5))
    with pytest.raises(SearchCancelled):
        roadmap(parse_catalog(raw, today=TODAY), {"other": 10}, options(), cancel=lambda: True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"today": "2026-13"}, "not a real month"),
        ({"today": "2026-1"}, "YYYY-MM"),
        ({"held": (("a", "2027-02"),)}, "after today"),
        ({"held": (("a", "2026-00"),)}, "not a real month"),
        ({"held": (("a", "2026-01"), ("a", "2025-01"))}, "listed twice"),
        ({"held": (("zzz", "2026-01"),)}, "unknown held card"),
        ({"bonus_history": (("a", "2027-01"),)}, "after today"),
        ({"bonus_history": (("a", "2025-01"), ("a", "2025-01"))}, "twice"),
        ({"months": 0}, "number of months"),
        ({"months": 37}, "number of months"),
        ({"max_new": 7}, "most new cards"),
        ({"spacing": 0}, "spacing"),
        ({"other_recent": -1}, "other recent"),
        ({"top": 0}, "number of plans"),
    ],
)
def test_bad_input_gets_a_clear_message(change: dict[str, Any], message: str) -> None:
    raw = catalog(flat("a", 2))
    with pytest.raises(EngineError, match=message):
        roadmap(parse_catalog(raw, today=TODAY), {"other": 10}, options(**change))


@pytest.mark.parametrize(
    ("spend", "message"),
    [({"travel": 10}, "unknown spending category"), ({"other": -1}, "negative")],
)
def test_bad_spend_gets_a_clear_message(spend: dict[str, Any], message: str) -> None:
    with pytest.raises(EngineError, match=message):
        roadmap(parse_catalog(catalog(flat("a", 2)), today=TODAY), spend, options())


def test_progress_reports_the_search_as_it_goes() -> None:
    raw = catalog(flat("a", 2, bonus=bonus(300, 500)), flat("b", 1.5))
    calls: list[int] = []
    roadmap(
        parse_catalog(raw, today=TODAY),
        {"other": 1000},
        options(),
        progress=lambda stats, found: calls.append(stats.nodes),
    )
    assert calls and calls[0] >= 1


def test_the_shipped_chase_lifetime_rule_holds_back_only_the_sapphire_bonuses() -> None:
    shipped = load_catalog(Path(__file__).resolve().parents[2] / "data" / "catalog.json")
    # Both bonuses received 30 months before the plan: Chase's 24-month rule lets the Freedom
    # Unlimited's count again; the Sapphire Preferred's is once per lifetime.
    counts_again = {"chase-freedom-unlimited": True, "chase-sapphire-preferred": False}
    for card_id, counted in counts_again.items():
        alone = replace(shipped, cards=tuple(c for c in shipped.cards if c.id == card_id))
        opts = options(max_new=1, months=12, bonus_history=((card_id, "2024-06"),))
        plan = next(p for p in roadmap(alone, {"other": 3000}, opts).plans if p.cards)
        (app,) = plan.applications
        assert (app.card, app.bonus_counted) == (card_id, counted), app.bonus_reason
