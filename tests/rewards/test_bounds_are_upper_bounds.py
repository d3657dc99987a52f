"""Every upper bound the search prunes with is at least the exact value, on random catalogs."""

from __future__ import annotations

import itertools
from decimal import Decimal
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards import bounds as bounds_module
from rewards.catalog import parse_catalog
from rewards.engine import Options, evaluate_wallet, recommend
from rewards.model import model_for
from rewards.query import Query
from tests.rewards.builders import card, catalog
from tests.rewards.strategies import catalogs, coupled_catalogs, spends
from tests.rewards.test_top_n_matches_brute_force import brute_force

SLACK = 1e-6


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(1, 6), spends(), st.sampled_from(["ongoing", "year_one"]), st.booleans())
def test_bounds_are_never_below_the_exact_score(
    raw: dict, spend: dict, rank: str, with_held: bool
) -> None:
    check_every_bound(raw, spend, rank, with_held)


# Fewer and smaller catalogs than above: every wallet of the catalog is scored five times, and
# coupled wallets with overlapping pick-top cards solve a dense LP per combination of choices.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coupled_catalogs(2, 4), spends(), st.sampled_from(["ongoing", "year_one"]), st.booleans())
def test_bounds_hold_when_a_yearly_cap_couples_the_quarters(
    raw: dict, spend: dict, rank: str, with_held: bool
) -> None:
    """Rotating cards beside yearly caps: the year is one problem, and every bound holds."""
    check_every_bound(raw, spend, rank, with_held)


def check_every_bound(raw: dict, spend: dict, rank: str, with_held: bool) -> None:
    """Every bound the search uses, against the exact score of every wallet of 1-3 cards."""
    catalog = parse_catalog(raw)
    ids = [card.id for card in catalog.cards]
    held = tuple(ids[:1]) if with_held and len(ids) > 2 else ()
    options = Options(rank=rank, held=held, include_business=True, count_credits=True)
    model = model_for(catalog)
    query = Query(model, spend, options)
    bounds = query.bounds
    held_ids = list(query.held)
    annual = query.annual
    b = np.maximum(bounds.pi0[None, :], bounds.phi)  # floors, held cards' folded in
    u = np.maximum(bounds.u0[None, :], bounds.top_rate)  # best rates, held cards' folded in
    extra = bounds.bonus_bound + query.mod
    cands = [int(c) for c in query.candidates]
    # Fresh queries (nothing memoised) for solves that may stop below a target.
    below = {offset: Query(model, spend, options) for offset in (-1.0, 0.005, 0.5, 50.0)}
    for size in (1, 2, 3):
        for wallet in itertools.combinations(cands, size):
            w = list(wallet)
            exact = query.score(wallet)
            # Settling the choices stops below a target: a bound under it, or the exact score.
            for offset, fresh in below.items():
                bound = fresh.score_below(wallet, exact + offset)
                if bound is None:
                    assert abs(fresh.score(wallet) - exact) < SLACK
                else:
                    assert offset > 0 and exact - SLACK <= bound < exact + offset
            # Floors plus bonus bounds, best rates, and every mix of the two per card.
            for mix in itertools.product((True, False), repeat=size):
                rates = np.max([b[c] if f else u[c] for c, f in zip(w, mix, strict=True)], axis=0)
                extras = sum(extra[c] if f else query.mod[c] for c, f in zip(w, mix, strict=True))
                held_extra = bounds.held_extra if all(mix) else 0.0
                assert rates @ annual + extras + held_extra >= exact - SLACK
            # The per-category bound (with its Lagrange prices on caps and choices).
            assert bounds.leaf_bound(np.array([w]))[0] >= exact - SLACK
            # The flow relaxation with every choice allowed, and its Lagrangian.
            assert query.relaxed_score(wallet) >= exact - SLACK
            # Marginal: adding c to W gains at most S·(φ_c − m)⁺ + surplus_c(m) + mod_c, when
            # no card of W is an overlapping pick-top (the search uses it only then: more
            # spend can change what such a card receives most of).
            base_lp = any(model.cards[i].needs_lp for i in (*held_ids, *w[:-1]))
            if size >= 2 and not base_lp:
                rest, c = w[:-1], w[-1]
                m = b[rest].max(axis=0)
                gain = np.maximum(b[c] - m, 0.0) @ annual + bounds.surplus(m)[c] + query.mod[c]
                assert query.score(tuple(rest)) + gain >= exact - SLACK


def test_a_plain_card_can_unlock_an_overlapping_pick_top_card() -> None:
    """Adding a card can raise another's value: no marginal bound over such a card."""
    raw = catalog(
        card(
            "pick-top",
            rules=[
                {
                    "categories": ["groceries", "dining"],
                    "choose": 1,
                    "pick": "top",
                    "rate": 2,
                    "cap": {"amount": 100, "per": "month"},
                },
                {"categories": ["groceries"], "rate": 2},
            ],
        ),
        card("groceries-two", rules=[{"categories": ["groceries"], "rate": 2}]),
        card("dining-card", rules=[{"categories": ["dining"], "rate": 1.8}]),
    )
    parsed = parse_catalog(raw)
    spend = {"groceries": 50, "dining": 0.25}
    # Alone, the pick-top card receives groceries most and earns 1% on dining; with a 2%
    # groceries card beside it, it receives only dining, which becomes its top category.
    pair = evaluate_wallet(parsed, spend, ("groceries-two", "pick-top"))
    assert pair.reward_value == Decimal("12.06")
    options = Options(top_n=1, wallet_sizes=(2,))
    result = recommend(parsed, spend, options)
    assert [w.cards for w in result.wallets[2]] == brute_force(parsed, spend, options, 2)
    assert result.wallets[2][0].cards == ("groceries-two", "pick-top")


CHOICE_LEAVES = ["groceries", "dining", "gas", "utilities", "online_retail", "phone_internet"]


@st.composite
def competing_choice_cards(draw) -> dict:
    """Two to four choose-N cards over overlapping options, and a premium floor card."""
    cards = []
    for number in range(draw(st.integers(2, 4))):
        options = draw(
            st.lists(st.sampled_from(CHOICE_LEAVES), min_size=2, max_size=6, unique=True)
        )
        rule = {
            "categories": options,
            "choose": draw(st.integers(1, len(options) - 1)),
            "rate": draw(st.sampled_from([3, 5])),
        }
        if draw(st.booleans()):
            rule["cap"] = {"amount": draw(st.sampled_from([500, 1500, 2000])), "per": "quarter"}
        rules = [rule]
        if draw(st.booleans()):
            rules.append({"categories": ["gas", "groceries", "dining"], "choose": 1, "rate": 2})
        cards.append(card(f"choose-{number}", rules=rules))
    premium = [{"categories": ["dining"], "rate": 4}, {"categories": ["groceries"], "rate": 3}]
    cards.append(card("premium", currency="chase_ur", annual_fee=95, rules=premium))
    return catalog(*cards)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    competing_choice_cards(),
    st.fixed_dictionaries(
        {leaf: st.sampled_from([0, 80, 150, 250, 350, 500]) for leaf in CHOICE_LEAVES}
    ),
)
def test_the_per_category_bound_holds_with_competing_choice_cards(raw: dict, spend: dict) -> None:
    """The in-context choice prices (both rounds, and halved) keep the per-category bound valid
    when several choice cards want the same options."""
    catalog_ = parse_catalog(raw)
    query = Query(model_for(catalog_), spend, Options(include_business=True))
    bounds = query.bounds
    cands = [int(c) for c in query.candidates]
    for size in (2, 3):
        wallets = list(itertools.combinations(cands, size))
        if not wallets:
            continue
        # The second round of choice prices for every batch, however small.
        with patch.object(bounds_module, "_SECOND_FROM", 1):
            batch = bounds.leaf_bound(np.array(wallets))
        for wallet, bound in zip(wallets, batch, strict=True):
            assert bound >= query.score(wallet) - SLACK


def test_a_bound_below_a_target_stays_below_it_once_the_fees_are_added_back() -> None:
    """Found by hypothesis: a coupled wallet's bound below target − modular terms came back
    equal to the target once they were added again (the last bit of a rounding), and
    `score_below` said "below" for a bound that was not. It now settles the exact value."""
    fee = {"foreign_fee_pct": 3, "credit": "excellent"}
    bonus = {"bonus": {"points": 10000, "min_spend": 500, "months": 3}}
    raw = catalog(
        card("card-00", credit="excellent"),
        card(
            "card-01",
            currency="chase_ur",
            annual_fee=95,
            first_year_fee=0,
            base_rate=1.5,
            rules=[
                {"categories": ["groceries"], "rate": 2, "cap": "combined"},
                {
                    "categories": ["gas", "foreign"],
                    "choose": 1,
                    "pick": "top",
                    "rate": 5,
                    "cap": "combined",
                },
                {
                    "categories": ["groceries", "dining", "gas"],
                    "choose": 1,
                    "rate": 6,
                    "cap": {"amount": 100, "per": "year"},
                },
            ],
            shared_caps=[{"id": "combined", "amount": 100, "per": "month"}],
            **fee,
        ),
        card("card-02", base_rate=2, **fee, **bonus),
        card(
            "card-03",
            currency="air_miles",
            rules=[
                {
                    "rotating": {"Q1": [], "Q2": [], "Q3": [], "Q4": []},
                    "rate": 5,
                    "cap": {"amount": 100, "per": "quarter"},
                },
                {"categories": ["gas", "groceries"], "rate": 4, "cap": "combined"},
                {"categories": ["groceries"], "rate": 2, "cap": "combined"},
                {
                    "categories": ["groceries", "foreign"],
                    "rate": 4,
                    "cap": {"amount": 100, "per": "year"},
                },
            ],
            shared_caps=[{"id": "combined", "amount": 6000, "per": "month"}],
            **fee,
            **bonus,
        ),
    )
    check_every_bound(raw, {"gas": 500, "foreign": 234.0}, "year_one", False)
