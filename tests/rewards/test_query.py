"""Query: spend and option checks, the card filter, folding, pricing shapes, memo and rank key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rewards.catalog import parse_catalog
from rewards.engine import EngineError, Options
from rewards.model import LEAF_INDEX, model_for
from rewards.query import Query
from tests.rewards.builders import card, catalog

GROCERIES = LEAF_INDEX["groceries"]


def query(*cards: dict, spend: dict | None = None, **options) -> Query:
    parsed = parse_catalog(catalog(*cards))
    return Query(model_for(parsed), spend or {"groceries": 100}, Options(**options))


@pytest.mark.parametrize(
    ("spend", "message"),
    [
        ({"travel": 10}, "unknown spending category 'travel'"),
        ({"groceries": -1}, "must not be negative"),
        ({"groceries": True}, "must be a number"),
        ({"groceries": "12"}, "must be a number"),
        ({"groceries": float("nan")}, "finite"),
    ],
)
def test_bad_spend_is_an_engine_error(spend: dict, message: str) -> None:
    with pytest.raises(EngineError, match=message):
        query(card("a"), spend=spend)


def test_unknown_currency_and_held_card_are_engine_errors() -> None:
    with pytest.raises(EngineError, match="unknown currency 'gold'"):
        query(card("a"), cents_per_point={"gold": 1})
    with pytest.raises(EngineError, match="unknown card 'nope'"):
        query(card("a"), held=("nope",))


def test_the_filter_keeps_only_cards_the_options_allow_as_new_cards() -> None:
    q = query(
        card("held"),
        card("pricey", annual_fee=550),
        card("excellent-only", credit="excellent"),
        card("other-bank", issuer="Other Bank"),
        card("business", business=True),
        card("miles", currency="air_miles"),
        card("plain"),
        held=("held",),
        max_annual_fee=Decimal("95"),
        credit_band="good",
        excluded_issuers=frozenset({"OTHER bank"}),
        reward_kinds=frozenset({"cash"}),
    )
    ids = [q.model.cards[i].card.id for i in q.candidates]
    assert ids == ["plain"]
    assert [q.model.cards[i].card.id for i in q.held] == ["held"]


def test_a_cap_this_spend_cannot_reach_folds_into_the_floor() -> None:
    capped = card(
        "bcp",
        rules=[{"categories": ["groceries"], "rate": 6, "cap": {"amount": 6000, "per": "year"}}],
    )
    # $400 a month is $4,800 a year: under the $6,000 cap, 6% on all of it.
    below = query(capped, spend={"groceries": 400})
    assert below.floor_points[0, GROCERIES] == 6
    # $600 a month passes the cap: the floor stays at the base rate.
    above = query(capped, spend={"groceries": 600})
    assert above.floor_points[0, GROCERIES] == 1


def test_cards_that_price_the_same_share_a_shape_and_one_solve() -> None:
    rules = [{"categories": ["groceries"], "rate": 3, "cap": {"amount": 1500, "per": "quarter"}}]
    q = query(
        card("a", rules=rules),
        card("b", rules=rules, annual_fee=95),  # fees are not part of the allocation problem
        card("c", rules=[{"categories": ["groceries"], "rate": 4}]),
        spend={"groceries": 800},
    )
    assert q.shape(0) == q.shape(1) != q.shape(2)
    assert q.reward_value((0,)) == q.reward_value((1,))
    assert q.evaluations == 2  # each wallet is memoised ...
    q.reward_value((0,))
    assert q.evaluations == 2
    assert len([key for key in q._shapes if key[0] is True]) == 1  # ... and solved once


def test_twins_in_other_positions_share_a_wallets_value_and_its_bound() -> None:
    """A wallet's value and bounds do not depend on the order of its cards: with cards a and
    c alike, {a, b} and {b, c} (c after b, a before it) are one problem, valued and bounded
    once."""
    flat = {"base_rate": 2}
    chooser = {
        "rules": [
            {"categories": ["groceries", "dining", "gas"], "choose": 1, "rate": 5},
            {"categories": ["groceries", "dining", "gas"], "choose": 1, "rate": 3},
        ]
    }
    spend = {"groceries": 400, "dining": 300, "gas": 200}
    q = query(card("a", **flat), card("b", **chooser), card("c", **flat), spend=spend)
    assert q.shape(0) == q.shape(2) != q.shape(1)
    assert q.reward_value((0, 1)) == q.reward_value((1, 2))
    assert q.evaluations == 2
    assert len([key for key in q._shapes if key[0] is True]) == 1  # one solve

    q = query(card("a", **flat), card("b", **chooser), card("c", **flat), spend=spend)
    bound = q.score_below((0, 1), 1e6)
    assert bound is not None and bound < 1e6  # bounded below the target, not valued
    solved = len(q._shapes)
    assert q.score_below((1, 2), 1e6) == bound
    assert len(q._shapes) == solved  # (the twin's bound was reused: nothing new kept)


def test_the_rank_key_orders_by_value_then_lower_fee_then_name() -> None:
    q = query(
        card("b-two", base_rate=2),
        card(
            "a-two-fee",
            base_rate=2,
            annual_fee=95,
            credits=[{"name": "c", "amount": 95, "per": "year"}],
        ),
        card("z-three", base_rate=3),
        card("a-two", base_rate=2),
        spend={"other": 1000},
        count_credits=True,
    )
    ranked = sorted((q.found((i,)) for i in q.candidates), key=q.rank_key)
    assert [q.model.cards[f.cards[0]].card.id for f in ranked] == [
        "z-three",
        "a-two",
        "b-two",
        "a-two-fee",
    ]
