"""Which category a purchase lands in: bank category, merchant rules, keywords, other."""

from __future__ import annotations

from statements import read_statements
from statements.classify import bank_category, category_key
from statements.formats import AMEX_CATEGORIES
from tests.statements.helpers import money, totals

CHASE = b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"


def chase(*rows: tuple[str, str, str]) -> dict:
    """Category totals of a Chase export of (description, category, amount) rows."""
    lines = [
        f'05/{day:02d}/2026,05/{day:02d}/2026,"{description}",{category},Sale,{amount},'
        for day, (description, category, amount) in enumerate(rows, start=1)
    ]
    return totals(read_statements([("chase.csv", CHASE + "\n".join(lines).encode())]))


def test_a_specific_bank_category_beats_the_merchant_rules() -> None:
    # Chase says Groceries for this Target: the bank saw the merchant code, we only the name.
    assert chase(("TARGET 00012345", "Groceries", "-40.00")) == {"groceries": money("40.00")}


def test_merchant_rules_refine_a_broad_bank_category() -> None:
    result = chase(
        ("DELTA AIR 0062345678901", "Travel", "-300.00"),
        ("HILTON GARDEN INN", "Travel", "-200.00"),
        ("HERTZ RENT-A-CAR", "Travel", "-100.00"),
        ("AMTRAK .COM", "Travel", "-50.00"),
        ("SOMEWHERE TRAVEL LLC", "Travel", "-25.00"),
    )

    assert result == {
        "airfare": money("300.00"),
        "hotels": money("200.00"),
        "car_rental": money("100.00"),
        "transit": money("50.00"),
        # nothing more specific known: the broad category's default
        "travel_other": money("25.00"),
    }


def test_generic_words_refine_a_broad_bank_category_too() -> None:
    assert chase(("DOWNTOWN PARKING GARAGE", "Travel", "-12.00")) == {"transit": money("12.00")}


def test_a_no_bonus_brand_beats_a_broad_bank_category() -> None:
    data = (
        b"Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit\n"
        b"2026-03-04,2026-03-05,1234,JIFFY LUBE #1234,Gas/Automotive,79.99,\n"
        b"2026-03-05,2026-03-06,1234,CORNER GAS AND GO,Gas/Automotive,30.00,\n"
    )

    summary = read_statements([("capital_one.csv", data)])

    assert totals(summary) == {"other": money("79.99"), "gas": money("30.00")}


def test_without_a_bank_category_merchant_rules_then_keywords_then_other() -> None:
    data = (
        b"Date,Description,Amount\n"
        b"05/01/2026,KROGER #456,10.00\n"
        b"05/02/2026,MAIN STREET PHARMACY,20.00\n"
        b"05/03/2026,NORTHSIDE BARBER,30.00\n"
    )

    summary = read_statements([("amex.csv", data)])

    assert totals(summary) == {
        "groceries": money("10.00"),
        "drugstores": money("20.00"),
        "other": money("30.00"),
    }


def test_an_unknown_bank_category_is_ignored() -> None:
    assert chase(("KROGER #456", "Something New", "-10.00")) == {"groceries": money("10.00")}


def test_amex_categories_fall_back_on_their_group() -> None:
    assert bank_category(AMEX_CATEGORIES, "Restaurant-Bar & Café") == "dining"
    assert bank_category(AMEX_CATEGORIES, "Travel-Airline") == "airfare"
    assert bank_category(AMEX_CATEGORIES, "Travel-Space Tourism") == "~travel_other"
    assert bank_category(AMEX_CATEGORIES, "") is None


def test_category_keys_ignore_case_punctuation_and_ampersands() -> None:
    assert category_key("Food & Drink") == category_key("FOOD AND DRINK") == "food and drink"
    assert category_key("Travel/ Entertainment") == "travel entertainment"
