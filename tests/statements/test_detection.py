"""Formats are recognised by their header, whatever the column order or extra columns."""

from __future__ import annotations

import pytest

from statements import MappingRequired, StatementError, read_statements
from statements.formats import detect
from tests.statements.helpers import SAMPLES, money, read, totals


@pytest.mark.parametrize(
    ("name", "format_id"),
    [
        ("chase.csv", "chase"),
        ("chase_checking.csv", "chase_checking"),
        ("amex.csv", "amex"),
        ("amex_basic.csv", "amex"),
        ("capital_one.csv", "capital_one"),
        ("citi.csv", "citi"),
        ("discover.csv", "discover"),
        ("bank_of_america.csv", "bank_of_america"),
        ("bank_of_america_checking.csv", "bank_of_america_checking"),
        ("wells_fargo.csv", "wells_fargo"),
        ("us_bank.csv", "us_bank"),
        ("apple_card.csv", "apple"),
    ],
)
def test_every_sample_is_recognised_by_its_header(name: str, format_id: str) -> None:
    assert read(name).files[0].format == format_id


@pytest.mark.parametrize(
    ("header", "format_id"),
    [
        ("Transaction Date,Post Date,Description,Category,Type,Amount,Memo", "chase"),
        # Chase's older layout: Type first, "Trans Date", no category
        ("Type,Trans Date,Post Date,Description,Amount", "chase"),
        ("Date,Description,Amount", "amex"),
        ("Date,Description,Card Member,Account #,Amount", "amex"),
        ("Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit", "capital_one"),
        ("Status,Date,Description,Debit,Credit", "citi"),
        ("Status,Date,Description,Debit,Credit,Member Name", "citi"),
        ("Trans. Date,Post Date,Description,Amount,Category", "discover"),
        ("Posted Date,Reference Number,Payee,Address,Amount", "bank_of_america"),
        ("Date,Transaction,Name,Memo,Amount", "us_bank"),
        ("Date,Description,Amount,Running Bal.", "bank_of_america_checking"),
        (
            "Transaction Date,Clearing Date,Description,Merchant,Category,Type,Amount (USD),"
            "Purchased By",
            "apple",
        ),
        (
            "Transaction Date,Clearing Date,Description,Merchant,Category,Type,Purchase Amount",
            "apple",
        ),
        ("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #", "chase_checking"),
        # Case, spaces and a stray byte-order mark make no difference.
        ("\ufeff  DATE , description,AMOUNT ", "amex"),
    ],
)
def test_headers_are_matched_by_name(header: str, format_id: str) -> None:
    found = detect(header.split(","))

    assert found is not None
    assert found.id == format_id


@pytest.mark.parametrize(
    "header",
    [
        "Date,Description,Amount,Balance",
        "Date,Description,Amount,Category,Running Total",
        "Posting Date,Payee Name,Withdrawal,Deposit",
        "When,What,How Much",
    ],
)
def test_a_plain_header_with_unknown_columns_is_not_guessed(header: str) -> None:
    # Amex's three columns are too common to claim a file that has other columns as well:
    # its sign convention might be the opposite.
    assert detect(header.split(",")) is None


def test_wells_fargo_is_recognised_by_the_shape_of_its_first_row() -> None:
    assert detect(["01/02/2026", "-5.00", "*", "", "SHOP"]) is not None
    assert detect(["01/02/2026", "-5.00", "*", "1001", "CHECK # 1001"]) is not None
    assert detect(["01/02/2026", "-5.00", "x", "", "SHOP"]) is None
    assert detect(["date", "amount", "*", "", "description"]) is None


def test_a_known_header_below_a_summary_is_found_and_lines_still_count_from_the_top() -> None:
    data = (
        b"Description,,Summary Amt.\n"
        b"Beginning balance as of 03/01/2026,,100.00\n"
        b"\n"
        b"Date,Description,Amount,Running Bal.\n"
        b"03/02/2026,SAFEWAY #1,-10.00,90.00\n"
        b"03/32/2026,SAFEWAY #1,-10.00,80.00\n"
    )

    with pytest.raises(StatementError) as caught:
        read_statements([("boa.csv", data)])

    assert str(caught.value) == 'boa.csv, line 6: unreadable date "03/32/2026"'


def test_a_header_too_far_down_is_not_looked_for() -> None:
    data = b"Note,Text\n" + b"a,b\n" * 11 + b"Date,Description,Amount,Running Bal.\n"

    with pytest.raises(MappingRequired):
        read_statements([("boa.csv", data)])


def test_chase_columns_in_another_order_read_the_same() -> None:
    lines = (SAMPLES / "chase.csv").read_text().splitlines()
    order = [5, 2, 0, 6, 4, 3, 1]
    shuffled = "\n".join(
        ",".join(cells[index] for index in order) for cells in (_split(line) for line in lines)
    )

    summary = read_statements([("shuffled.csv", shuffled.encode())])

    assert totals(summary) == totals(read("chase.csv"))


def test_extra_columns_in_a_known_format_are_ignored() -> None:
    data = (
        b"Posted Date,Reference Number,Payee,Address,Amount,Notes\n"
        b"04/02/2026,2443,HARRIS TEETER #0123,CHARLOTTE NC,-92.15,weekly shop\n"
    )

    summary = read_statements([("boa.csv", data)])

    assert totals(summary) == {"groceries": money("92.15")}


def test_apple_purchase_amount_header_reads_like_amount_usd() -> None:
    data = (
        b"Transaction Date,Clearing Date,Description,Merchant,Category,Type,Purchase Amount\n"
        b"06/01/2026,06/02/2026,CHEVRON 0098765,Chevron,Gas,Purchase,52.80\n"
        b"06/02/2026,06/02/2026,PAYMENT,Payment,Payment,Payment,-52.80\n"
    )

    summary = read_statements([("apple.csv", data)])

    assert totals(summary) == {"gas": money("52.80")}


def test_an_amex_export_with_a_column_amex_never_writes_needs_a_mapping() -> None:
    data = b"Date,Description,Amount,Balance\n01/02/2026,SHOP,-5.00,100.00\n"

    with pytest.raises(MappingRequired):
        read_statements([("bank.csv", data)])


def _split(line: str) -> list[str]:
    """One CSV line split into its (possibly quoted) cells, quotes kept."""
    cells, current, quoted = [], "", False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            cells.append(current)
            current = ""
        else:
            current += char
    cells.append(current)
    return cells
