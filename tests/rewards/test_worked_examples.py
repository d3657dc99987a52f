"""Worked examples on real cards, the arithmetic written out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rewards.catalog import parse_catalog
from rewards.engine import Options, PlanRow, evaluate_wallet, recommend
from tests.rewards import builders, reference
from tests.rewards.real_cards import (
    BLUE_CASH_PREFERRED,
    CASH_PLUS,
    CUSTOM_CASH,
    CUSTOMIZED_CASH,
    DOUBLE_CASH,
    FREEDOM_FLEX,
    VENTURE_X,
    real_catalog,
)


def plan(*rows: tuple[str, str, str, str]) -> tuple[PlanRow, ...]:
    return tuple(PlanRow(c, card, Decimal(spend), Decimal(value)) for c, card, spend, value in rows)


def test_blue_cash_preferred_at_600_a_month_of_groceries() -> None:
    catalog = real_catalog(BLUE_CASH_PREFERRED)
    wallet = evaluate_wallet(catalog, {"groceries": 600}, ["amex-blue-cash-preferred"])
    # $7,200 of groceries a year: 6% on the first $6,000 = $360, then 1% on $1,200 = $12.
    assert wallet.reward_value == Decimal("372.00")
    assert wallet.plan == plan(("groceries", "amex-blue-cash-preferred", "7200.00", "372.00"))
    # Ongoing: $372 − $95 fee = $277 (the $84 credit only counts if the person uses it).
    assert wallet.ongoing_value == Decimal("277.00")
    # Year one: $0 first-year fee, and $600 × 6 months = $3,600 ≥ $3,000, so the 25,000-point
    # bonus at 1¢ is $250: $372 + $250 = $622.
    assert wallet.year_one_value == Decimal("622.00")
    assert wallet.effective_rate == Decimal("0.0385")  # 277 / 7,200
    with_credit = evaluate_wallet(
        catalog, {"groceries": 600}, ["amex-blue-cash-preferred"], Options(count_credits=True)
    )
    assert with_credit.ongoing_value == Decimal("361.00")  # 277 + 84


def test_a_bonus_out_of_reach_is_not_counted() -> None:
    catalog = real_catalog(BLUE_CASH_PREFERRED)
    # $400 a month × 6 months = $2,400 < $3,000 minimum spend: no bonus.
    wallet = evaluate_wallet(catalog, {"groceries": 400}, ["amex-blue-cash-preferred"])
    assert wallet.bonuses == Decimal("0.00")
    assert wallet.year_one_value == wallet.reward_value  # 4,800 × 6% = $288, no fee in year one
    assert wallet.reward_value == Decimal("288.00")


def test_custom_cash_takes_its_top_category_up_to_the_cap_and_double_cash_the_rest() -> None:
    catalog = real_catalog(CUSTOM_CASH, DOUBLE_CASH)
    spend = {"groceries": 600, "dining": 300}
    wallet = evaluate_wallet(catalog, spend, ["citi-custom-cash", "citi-double-cash"])
    # Custom Cash pays 5% on its top category up to $500 a month: groceries, $500 → $25 a month.
    # The other $100 of groceries and all $300 of dining go to Double Cash at 2%: $8 a month.
    # ($500 of dining on Custom Cash is not possible: only $300 is spent on dining.)
    # A year: $6,000 × 5% = $300; $1,200 × 2% = $24; $3,600 × 2% = $72. Total $396.
    assert wallet.reward_value == Decimal("396.00")
    assert wallet.plan == plan(
        ("groceries", "citi-custom-cash", "6000.00", "300.00"),
        ("groceries", "citi-double-cash", "1200.00", "24.00"),
        ("dining", "citi-double-cash", "3600.00", "72.00"),
    )
    assert float(wallet.reward_value) == reference.reward_value(catalog, wallet.cards, spend)


def test_freedom_flex_earns_5_percent_on_its_quarters_category_only() -> None:
    catalog = real_catalog(FREEDOM_FLEX)
    wallet = evaluate_wallet(catalog, {"dining": 500}, ["chase-freedom-flex"])
    # Points worth 1.3¢. Q1 is dining's quarter: $1,500 (the whole quarterly cap) × 5 points
    # × 1.3¢ = $97.50. The other three quarters earn the 3x dining rule:
    # $4,500 × 3 × 1.3¢ = $175.50. Total $273.00.
    assert wallet.reward_value == Decimal("273.00")


def test_customized_cash_fills_its_shared_cap_with_the_best_rates_first() -> None:
    catalog = real_catalog(CUSTOMIZED_CASH)
    spend = {"dining": 600, "groceries": 700}
    wallet = evaluate_wallet(catalog, spend, ["boa-customized-cash-rewards"])
    # A quarter: $1,800 dining, $2,100 groceries; 3% choice (dining) and 2% groceries share
    # $2,500. Best: all $1,800 of dining at 3% = $54, then $700 of groceries at 2% = $14,
    # and the other $1,400 of groceries at 1% = $14. $82 a quarter, $328 a year.
    assert wallet.reward_value == Decimal("328.00")
    assert wallet.plan == plan(
        ("groceries", "boa-customized-cash-rewards", "8400.00", "112.00"),
        ("dining", "boa-customized-cash-rewards", "7200.00", "216.00"),
    )


def test_cash_plus_chooses_its_two_best_5_percent_categories() -> None:
    catalog = real_catalog(CASH_PLUS)
    spend = {
        "utilities": 300,
        "phone_internet": 150,
        "streaming": 50,
        "groceries": 500,
        "dining": 200,
    }
    wallet = evaluate_wallet(catalog, spend, ["us-bank-cash-plus"])
    # A quarter: utilities $900 and phone $450 are the two best 5% choices ($1,350 under the
    # $2,000 cap): $67.50; streaming $150 at 1%: $1.50; groceries is the best 2% choice:
    # $1,500 × 2% = $30; dining $600 at 1% = $6. $105 a quarter, $420 a year.
    assert wallet.reward_value == Decimal("420.00")


def test_foreign_spend_costs_each_card_its_foreign_transaction_fee() -> None:
    catalog = real_catalog(DOUBLE_CASH, VENTURE_X)
    alone = evaluate_wallet(catalog, {"foreign": 100}, ["citi-double-cash"])
    # $1,200 abroad on Double Cash: 2% back − 3% fee = −1%: −$12.
    assert alone.reward_value == Decimal("-12.00")
    both = evaluate_wallet(catalog, {"foreign": 100}, ["citi-double-cash", "capital-one-venture-x"])
    # Venture X has no fee: 2 miles × 1.25¢ = 2.5% on $1,200 = $30, so it takes it all.
    assert both.plan == plan(("foreign", "capital-one-venture-x", "1200.00", "30.00"))


def test_held_cards_are_in_every_wallet_and_new_cards_rank_by_their_gain() -> None:
    catalog = real_catalog(DOUBLE_CASH, BLUE_CASH_PREFERRED, CUSTOM_CASH)
    spend = {"groceries": 400, "other": 1000}
    result = recommend(catalog, spend, Options(held=("citi-double-cash",), wallet_sizes=(1,)))
    # Held: Double Cash earns 2% on $4,800 + $12,000 = $336.
    assert result.held is not None and result.held.ongoing_value == Decimal("336.00")
    best, second = result.wallets[1]
    # Custom Cash adds 5% − 2% = 3% on $400 of groceries a month: $144 a year, no fee.
    assert best.cards == ("citi-custom-cash",) and best.ongoing_gain == Decimal("144.00")
    # Blue Cash Preferred adds 4% on $4,800 ($192) but costs $95: a gain of $97.
    assert second.cards == ("amex-blue-cash-preferred",) and second.ongoing_gain == Decimal("97.00")
    assert best.held == ("citi-double-cash",)
    assert best.ongoing_value == Decimal("480.00")  # 336 + 144
    assert {row.card_id for row in best.plan} == {"citi-double-cash", "citi-custom-cash"}


def test_year_one_ranking_counts_first_year_fees_and_reachable_bonuses() -> None:
    catalog = real_catalog(DOUBLE_CASH, BLUE_CASH_PREFERRED)
    spend = {"groceries": 500}
    ongoing = recommend(catalog, spend, Options(wallet_sizes=(1,)))
    year_one = recommend(catalog, spend, Options(wallet_sizes=(1,), rank="year_one"))
    # Ongoing: BCP 6% × 6,000 = $360 − $95 = $265 beats Double Cash 2% × 6,000 = $120.
    assert [w.cards[0] for w in ongoing.wallets[1]] == [
        "amex-blue-cash-preferred",
        "citi-double-cash",
    ]
    assert ongoing.wallets[1][0].ongoing_value == Decimal("265.00")
    # Year one: BCP $360 + $250 bonus ($500 × 6 ≥ $3,000), no fee = $610; Double Cash
    # $120 + $200 bonus ($500 × 6 ≥ $1,500) = $320.
    assert [w.year_one_value for w in year_one.wallets[1]] == [Decimal("610.00"), Decimal("320.00")]


def test_point_values_can_be_overridden_per_currency() -> None:
    catalog = real_catalog(FREEDOM_FLEX)
    wallet = evaluate_wallet(
        catalog,
        {"drugstores": 100},
        ["chase-freedom-flex"],
        Options(cents_per_point={"chase_ur": 2}),
    )
    # 3 points × 2¢ on $1,200 = $72.
    assert wallet.reward_value == Decimal("72.00")


def test_a_yearly_cap_lasts_longer_beside_a_rotating_quarter() -> None:
    catalog = parse_catalog(
        builders.catalog(
            builders.card(
                "rotating",
                rules=[
                    {
                        "rotating": {"Q1": [], "Q2": [], "Q3": [], "Q4": ["groceries"]},
                        "rate": 5,
                        "cap": {"amount": 1500, "per": "quarter"},
                    }
                ],
            ),
            builders.card(
                "yearly",
                rules=[
                    {"categories": ["groceries"], "rate": 6, "cap": {"amount": 6000, "per": "year"}}
                ],
            ),
        )
    )
    spend = {"groceries": 800}  # $2,400 a quarter, $9,600 a year
    wallet = evaluate_wallet(catalog, spend, ["rotating", "yearly"])
    # In Q4 the rotating card takes $1,500 at 5% ($75) and the yearly card $900 at 6%; the
    # yearly card's other $5,100 of cap goes to Q1-Q3 ($1,700 each). So its whole $6,000 earns
    # 6% ($360), and the $2,100 left earns 1% ($21): $456. Spending the yearly cap evenly
    # ($1,500 a quarter) gives $432: $99 in each of Q1-Q3 (6% on $1,500, 1% on $900) and $135
    # in Q4 (6% on $1,500, 5% on $900).
    assert wallet.reward_value == Decimal("456.00")
    assert float(wallet.reward_value) == reference.reward_value(catalog, wallet.cards, spend)
    # (The $2,100 at 1% goes to the first card in the wallet: both pay 1% on it.)
    assert wallet.plan == plan(
        ("groceries", "rotating", "3600.00", "96.00"),
        ("groceries", "yearly", "6000.00", "360.00"),
    )


def test_choices_made_each_quarter_can_make_uneven_use_of_a_yearly_cap_pay() -> None:
    catalog = parse_catalog(
        builders.catalog(
            builders.card(
                "chooser", rules=[{"categories": ["groceries", "dining"], "choose": 1, "rate": 3}]
            ),
            builders.card(
                "yearly",
                rules=[
                    {"categories": ["groceries"], "rate": 6, "cap": {"amount": 2400, "per": "year"}}
                ],
            ),
        )
    )
    spend = {"groceries": 400, "dining": 200}  # $1,200 and $600 a quarter
    wallet = evaluate_wallet(catalog, spend, ["chooser", "yearly"])
    # The quarters are alike, yet the even use of the cap ($600 a quarter) is not optimal.
    # A quarter where the chooser takes dining is worth $30 + 5% of the yearly cap used there
    # (groceries otherwise at 1%); one where it takes groceries $42 + 3% of the cap used.
    # Evenly: either way $60 a quarter, $240. Best: dining in two quarters with $1,200 of cap
    # each ($90 each) and groceries in the other two with none ($42 each): $264.
    assert wallet.reward_value == Decimal("264.00")
    assert float(wallet.reward_value) == reference.reward_value(catalog, wallet.cards, spend)


def test_two_overlapping_pick_top_cards_use_their_yearly_caps_unevenly() -> None:
    """Each pick-top card also pays 3% on one of its categories (the "receives most" rows can
    bind) and has a yearly cap; the quarters are alike, but choosing differently in different
    quarters pays: $758 against $710 for the best quarter repeated (the reference MILP agrees).
    This wallet once took 20-40 s (every quarter's choices branched); the quarters' choices are
    now enumerated as a multiset with Lagrangian bounds."""

    def top(categories: list[str], extra: str, amount: int) -> list[dict]:
        return [
            {
                "categories": categories,
                "choose": 1,
                "pick": "top",
                "rate": 5,
                "cap": {"amount": amount, "per": "year"},
            },
            {"categories": [extra], "rate": 3},
        ]

    catalog = parse_catalog(
        builders.catalog(
            builders.card("a", rules=top(["groceries", "dining", "gas"], "dining", 1500)),
            builders.card("b", rules=top(["groceries", "gas", "hotels"], "gas", 1000)),
            builders.card(
                "d",
                rules=[
                    {"categories": ["groceries"], "rate": 6, "cap": {"amount": 6000, "per": "year"}}
                ],
            ),
        )
    )
    spend = {"groceries": 700, "dining": 400, "gas": 300, "hotels": 200}
    wallet = evaluate_wallet(catalog, spend, ["a", "b", "d"])
    assert wallet.reward_value == Decimal("758.00")
    assert float(wallet.reward_value) == pytest.approx(
        reference.reward_value(catalog, wallet.cards, spend), abs=0.005
    )
