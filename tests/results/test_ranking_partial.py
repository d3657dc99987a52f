"""The wallet partial compares money as numbers, whatever digits the payload's strings carry."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def wallet(**money: str) -> dict[str, Any]:
    values = {
        "reward_value": "402.00",
        "new_fees": "95.00",
        "new_first_year_fees": "95.00",
        "held_fees": "0.00",
        "annual_fees": "95.00",
        "first_year_fees": "95.00",
        "first_year_fee_saving": "0.00",
        "credits": "0.00",
        "bonuses": "0.00",
        "ongoing_value": "307.00",
        "year_one_value": "307.00",
        "current_value": None,
        "per_year": "307.00",
        "first_year": "307.00",
    } | money
    card = {
        "id": "c",
        "name": "Card C",
        "issuer": "I",
        "url": "/cards/c/",
        "held": False,
        "annual_fee": "95",
        "first_year_fee": "95.00",
        "rewards": "402.00",
        "earns": "$402.00 cash back",
        "foreign_fees": None,
        "bonus": "0.00",
        "bonus_words": None,
        "categories": ["groceries"],
        "uses": "groceries",
    }
    return {
        "cards": [card],
        "held_cards": [],
        "held": [],
        "names": "Card C",
        "chosen": True,
        "effective_rate_pct": "3.00",
        "plan": [],
        **values,
    }


def render(one: dict[str, Any]) -> str:
    return render_to_string("results/results.html#wallet", {"wallet": one, "open": True})


def test_zero_credits_and_bonuses_in_any_spelling_show_no_line() -> None:
    html = render(wallet(credits="0", bonuses="-0.00"))
    assert "Statement credits" not in html and "Sign-up bonuses" not in html
    assert "Value per year" in html


def test_credits_and_bonuses_above_zero_show_their_lines() -> None:
    html = render(wallet(credits="12.50", bonuses="200"))
    assert "+$12.50" in html and "+$200.00" in html


def test_a_first_year_fee_saving_of_zero_in_other_digits_shows_no_line() -> None:
    assert "Lower first-year fees" not in render(wallet(first_year_fee_saving="-0"))
    assert "Lower first-year fees" in render(wallet(first_year_fee_saving="95.00"))


def test_a_first_year_fee_equal_to_the_annual_fee_in_other_digits_says_nothing_more() -> None:
    assert "the first year)" not in render(wallet())
    other = wallet()
    other["cards"][0]["first_year_fee"] = "0"
    assert "($0.00 the first year)" in render(other)


def test_negative_money_shows_a_true_minus_sign() -> None:
    assert "<dd>−$12.00</dd>" in render(wallet(per_year="-12"))


def test_the_cost_of_opening_cards_one_after_another_has_its_line() -> None:
    """The year one opens new cards one after another (rewards.roadmap.year_one): what that
    costs is one line of the math, so the lines add up to the first-year value shown."""
    html = render(wallet(first_year="250.00", year_one_timing="57.00"))
    assert "Cards opened one after another" in html and "−$57.00" in html
    assert "Cards opened one after another" not in render(wallet(year_one_timing="0.00"))
    # Payloads cached before the line existed have no such key: no line.
    assert "Cards opened one after another" not in render(wallet())


def test_cards_that_cannot_all_be_opened_within_a_year_show_no_first_year_figure() -> None:
    html = render(wallet(first_year=None, year_one_timing=None))
    assert "not within a year" in html
    assert "do not let you open these cards within one year" in html
