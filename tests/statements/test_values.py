"""Dates (month first) and dollar amounts as US statement exports write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from statements import StatementError
from statements.values import parse_amount, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/15/2026", date(2026, 1, 15)),
        ("1/5/2026", date(2026, 1, 5)),
        ("1/5/26", date(2026, 1, 5)),
        # Ambiguous slashes are month first: these are US exports.
        ("03/04/2026", date(2026, 3, 4)),
        ("03-04-2026", date(2026, 3, 4)),
        ("2026-01-15", date(2026, 1, 15)),
        ("2026/01/15", date(2026, 1, 15)),
        ("20260115", date(2026, 1, 15)),
        ("15 Jan 2026", date(2026, 1, 15)),
        ("15-JAN-26", date(2026, 1, 15)),
        ("15 January, 2026", date(2026, 1, 15)),
        ("Jan 15, 2026", date(2026, 1, 15)),
        ("Sept. 5 2026", date(2026, 9, 5)),
        ("2026-01-15 00:00:00", date(2026, 1, 15)),
        ("2026-01-15T13:45:00Z", date(2026, 1, 15)),
        ("1/15/2026 3:04 PM", date(2026, 1, 15)),
        ("  02/29/2028 ", date(2028, 2, 29)),
    ],
)
def test_the_usual_date_formats_are_read(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "13/45/2026",
        "02/30/2026",
        "15/01/2026",
        "2026-13-01",
        "Smarch 3, 2026",
        "01/02/1850",
        "yesterday",
        "",
        "01/02",
        "2026-01-15 garbage",
    ],
)
def test_impossible_or_unknown_dates_are_unreadable(text: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_date(text)

    assert str(caught.value) == f'unreadable date "{text.strip()}"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.00", "12.00"),
        ("-12.00", "-12.00"),
        ("+12.00", "12.00"),
        ("$1,234.56", "1234.56"),
        ("-$1,234.56", "-1234.56"),
        ("$-1,234.56", "-1234.56"),
        ("(12.00)", "-12.00"),
        ("($12.00)", "-12.00"),
        ("12.00-", "-12.00"),
        ("\u221212.00", "-12.00"),
        ("234,567.8", "234567.80"),
        ("12", "12.00"),
        (".5", "0.50"),
        ("0.125", "0.13"),
        ("USD 12.00", "12.00"),
        ("12.00 USD", "12.00"),
        (" $ 45.10 ", "45.10"),
    ],
)
def test_amounts_keep_their_sign_and_lose_symbols_and_separators(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1000000.01", "100000000000000000000000000", "9" * 300])
def test_an_implausibly_large_amount_is_refused(text: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_amount(text)

    assert str(caught.value).endswith("is too large to be a card transaction")


def test_an_empty_amount_cell_is_none() -> None:
    assert parse_amount("  ") is None


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "1.234,56",
        "12,34",
        "1,23.00",
        "--5",
        "(-5)",
        "-5-",
        "1e5",
        "NaN",
        "Infinity",
        "$",
        "12.00.00",
        "€12.00",
        "12 00",
    ],
)
def test_anything_else_is_an_unreadable_amount(text: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_amount(text)

    assert str(caught.value) == f'unreadable amount "{text}"'
