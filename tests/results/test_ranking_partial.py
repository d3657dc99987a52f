"""The ranking partial compares money as numbers, whatever digits the payload's strings carry."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def wallet(**money: str) -> dict[str, Any]:
    values = {
        "reward_value": "402.00",
        "annual_fees": "95.00",
        "first_year_fees": "95.00",
        "credits": "0.00",
        "bonuses": "0.00",
        "ongoing_value": "307.00",
        "year_one_value": "307.00",
        "ongoing_gain": "307.00",
        "year_one_gain": "307.00",
    } | money
    card = {"id": "c", "name": "Card C", "issuer": "I", "url": "/cards/c/", "annual_fee": "95"}
    return {"cards": [card], "held": [], "effective_rate_pct": "3.00", "plan": [], **values}


def ranking(one: dict[str, Any]) -> str:
    payload = {"sizes": [{"size": 1, "wallets": [one]}], "held": None, "held_names": []}
    return render_to_string("results/results.html#ranking", {"ranking": payload})


def test_zero_credits_and_bonuses_in_any_spelling_show_no_line() -> None:
    html = ranking(wallet(credits="0", bonuses="-0.00"))
    assert "Statement credits" not in html and "Sign-up bonuses" not in html


def test_credits_and_bonuses_above_zero_show_their_lines() -> None:
    html = ranking(wallet(credits="12.50", bonuses="200"))
    assert "+$12.50" in html and "+$200.00" in html


def test_a_first_year_fee_equal_to_the_annual_fee_in_other_digits_shows_no_line() -> None:
    assert "First-year fees instead" not in ranking(wallet(first_year_fees="95"))
    assert "First-year fees instead" in ranking(wallet(first_year_fees="0.00"))


def test_the_cost_of_opening_cards_one_after_another_has_its_line() -> None:
    """The year one opens new cards one after another (rewards.roadmap.year_one): what that
    costs is one line of the math, so the lines add up to the first-year value shown."""
    html = ranking(wallet(year_one_value="250.00", year_one_timing="57.00"))
    assert "Cards opened one after another" in html and "−$57.00" in html
    assert "Cards opened one after another" not in ranking(wallet(year_one_timing="0.00"))
    # Payloads cached before the line existed have no such key: no line.
    assert "Cards opened one after another" not in ranking(wallet())
