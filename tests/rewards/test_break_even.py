"""Break-even insights: the spend range on one category within which the top wallet stays on top."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rewards.engine import EngineError, Options, break_even
from tests.rewards.builders import card
from tests.rewards.real_cards import DOUBLE_CASH, real_catalog

DINING_CARD = card(
    "dining-card", name="Dining Card", annual_fee=95, rules=[{"categories": ["dining"], "rate": 4}]
)
ONE = Options(wallet_sizes=(1,))


def test_the_lower_threshold_is_where_the_flat_card_takes_over() -> None:
    catalog = real_catalog(DOUBLE_CASH, DINING_CARD)
    # Dining card: 4% × 12X + 1% × $12,000 − $95 = 0.48X + 25; Double Cash: 2% of everything,
    # 0.24X + 240. Equal at X = 215 / 0.24 = $895.83 a month of dining.
    result = break_even(catalog, {"dining": 1000, "other": 1000}, ONE, "dining")
    assert result.wallet == ("dining-card",)
    assert result.lower == Decimal(896)
    assert result.below == ("citi-double-cash",)
    assert result.upper is None and result.above is None
    assert result.searched_to == Decimal(4000)


def test_the_upper_threshold_is_where_the_bonus_card_takes_over() -> None:
    catalog = real_catalog(DOUBLE_CASH, DINING_CARD)
    result = break_even(catalog, {"dining": 500, "other": 1000}, ONE, "dining")
    assert result.wallet == ("citi-double-cash",)
    assert result.lower is None
    assert result.upper == Decimal(895)
    assert result.above == ("dining-card",)
    assert result.searched_to == Decimal(2000)


def test_a_category_without_spend_searches_up_to_2000() -> None:
    catalog = real_catalog(DOUBLE_CASH, DINING_CARD)
    result = break_even(catalog, {"other": 1000}, ONE, "dining")
    assert result.monthly_spend == Decimal("0.00")
    assert (result.lower, result.upper) == (None, Decimal(895))


def test_an_unknown_category_is_an_error() -> None:
    with pytest.raises(EngineError):
        break_even(real_catalog(DOUBLE_CASH), {"other": 1}, ONE, "travel")


def test_an_edge_between_today_and_the_next_whole_dollar_is_today() -> None:
    catalog = real_catalog(DOUBLE_CASH, DINING_CARD)
    # The two cards cross at $895.83: at $895.90 the dining card leads, but not at $895.
    result = break_even(catalog, {"dining": 895.9, "other": 1000}, ONE, "dining")
    assert result.wallet == ("dining-card",)
    assert result.lower == Decimal("895.90") and result.below == ("citi-double-cash",)
    assert result.upper is None
    # At $895.50 the flat card leads, but not at $896.
    result = break_even(catalog, {"dining": 895.5, "other": 1000}, ONE, "dining")
    assert result.wallet == ("citi-double-cash",)
    assert result.upper == Decimal("895.50") and result.above == ("dining-card",)
    assert result.lower is None


def test_each_step_is_reported_and_fewer_searches_than_bisection() -> None:
    catalog = real_catalog(DOUBLE_CASH, DINING_CARD)
    steps: list[int] = []
    result = break_even(
        catalog, {"dining": 1000, "other": 1000}, ONE, "dining", on_step=lambda: steps.append(1)
    )
    assert result.lower == Decimal(896)
    # Today, $0, the edge and the dollar below it, and the top of the range: far fewer than
    # the ~25 searches of a bisection on searches.
    assert 3 <= len(steps) <= 8
