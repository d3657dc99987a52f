"""Rotating calendars by year: which quarters a person's year covers, and what each earns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rewards.catalog import parse_catalog
from rewards.engine import evaluate_wallet
from rewards.quarters import quarter_key, quarter_label, year_quarters
from tests.rewards.builders import card, catalog
from tests.rewards.evidenced import card_v2, catalog_v2


@pytest.mark.parametrize(
    ("today", "quarters"),
    [
        (date(2026, 12, 3), ("2026Q4", "2027Q1", "2027Q2", "2027Q3")),
        (date(2026, 1, 1), ("2026Q1", "2026Q2", "2026Q3", "2026Q4")),
        (date(2026, 3, 31), ("2026Q1", "2026Q2", "2026Q3", "2026Q4")),
        (date(2026, 4, 1), ("2026Q2", "2026Q3", "2026Q4", "2027Q1")),
        (date(2027, 9, 30), ("2027Q3", "2027Q4", "2028Q1", "2028Q2")),
    ],
)
def test_a_persons_year_is_the_four_quarters_from_todays(
    today: date, quarters: tuple[str, ...]
) -> None:
    assert year_quarters(today) == quarters
    assert quarter_key(today) == quarters[0]


def test_quarters_read_as_months() -> None:
    assert quarter_label("2026Q4") == "Oct–Dec 2026"


FLEX_CALENDAR = {
    "2026Q1": ["dining"],
    "2026Q2": ["online_retail"],
    "2026Q3": ["gas"],
    "2026Q4": ["groceries"],
    "2027Q1": ["gas"],
}


def _flex_v2(today: date):
    rule = {"rotating": FLEX_CALENDAR, "rate": 5, "cap": {"amount": 1500, "per": "quarter"}}
    return parse_catalog(catalog_v2(card_v2("flex", rules=[rule])), today=today)


def test_the_engine_gets_this_years_published_quarters_and_nothing_for_the_others() -> None:
    rule = _flex_v2(date(2026, 12, 3)).card("flex").rules[0]
    # Slots Q1..Q4: 2027Q1 (published), 2027Q2 and 2027Q3 (not announced), 2026Q4 (published).
    assert rule.rotating == (("gas",), (), (), ("groceries",))
    assert rule.categories_in("2027Q2") is None
    assert rule.categories_in("2026Q2") == ("online_retail",)


def test_last_years_calendar_is_never_used_for_this_year() -> None:
    # In 2028 nothing of 2026/2027 applies: every quarter is "not announced yet".
    rule = _flex_v2(date(2028, 2, 1)).card("flex").rules[0]
    assert rule.rotating == ((), (), (), ())


def test_for_year_moves_a_catalog_to_another_year() -> None:
    december = _flex_v2(date(2026, 12, 3))
    march = december.for_year(date(2026, 3, 1))
    assert march.year == ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
    assert march.card("flex").rules[0].rotating == (
        ("dining",),
        ("online_retail",),
        ("gas",),
        ("groceries",),
    )
    assert march.for_year(date(2026, 2, 2)) is march


def test_an_unannounced_quarter_is_valued_at_the_base_rate() -> None:
    spend = {"gas": 500}  # $1,500 a quarter: exactly the cap
    announced = evaluate_wallet(_flex_v2(date(2026, 1, 10)), spend, ["flex"])
    december = evaluate_wallet(_flex_v2(date(2026, 12, 3)), spend, ["flex"])
    # 2026: gas only in Q3 at 5%: 1500 * 5% + 4500 * 1%.
    assert announced.reward_value == Decimal("120.00")
    # 2026Q4..2027Q3: gas in 2027Q1 only (2027Q2, Q3 not announced, 2026Q4 is groceries).
    assert december.reward_value == Decimal("120.00")
    later = evaluate_wallet(_flex_v2(date(2027, 4, 1)), spend, ["flex"])
    assert later.reward_value == Decimal("60.00")  # nothing announced: 1% on $6,000


def test_a_v1_calendar_applies_to_every_year() -> None:
    rotating = {"Q1": ["dining"], "Q2": ["gas"], "Q3": [], "Q4": ["groceries"]}
    raw = card("flex", rules=[{"rotating": rotating, "rate": 5}])
    for today in (date(2026, 12, 3), date(2031, 5, 5)):
        rule = parse_catalog(catalog(raw), today=today).card("flex").rules[0]
        assert rule.every_year
        assert rule.rotating == (("dining",), ("gas",), (), ("groceries",))
        assert rule.categories_in("2031Q2") == ("gas",)
