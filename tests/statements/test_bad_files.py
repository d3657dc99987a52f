"""Every kind of unusable upload gets one clear message naming the file, and the line if any."""

from __future__ import annotations

import pytest

from statements import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MappingRequired,
    StatementError,
    check_files,
    read_statements,
)
from tests.statements.helpers import sample

CHASE_HEADER = b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
AMEX_HEADER = b"Date,Description,Amount\n"


def error_for(name: str, data: bytes) -> str:
    """The message reading one file gives."""
    with pytest.raises(StatementError) as caught:
        read_statements([(name, data)])
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a spreadsheet or zip archive (such as .xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel workbook (.xls)"),
        (b"\x89PNG\r\n\x1a\n", "an image"),
        (b"date,amount\n\x00\x01\x02\x03", "a binary file"),
        (b"OFXHEADER:100\nDATA:OFXSGML\n", "a Quicken/OFX file (.qfx/.ofx)"),
        (b"<!DOCTYPE html><html><body>", "a web page or XML file"),
        (b'{"transactions": []}', "a JSON file"),
    ],
)
def test_a_file_that_is_not_a_csv_says_what_it_looks_like(data: bytes, what: str) -> None:
    assert error_for("statement.csv", data) == (
        f"statement.csv: this is not a CSV file: it looks like {what}. Export your statement "
        "as CSV (comma-separated values) and upload that"
    )


def test_text_without_columns_is_not_a_csv() -> None:
    assert error_for("notes.txt", b"Dear customer\nthanks\n") == (
        "notes.txt, line 1: this is not a CSV file: the first row has no comma-separated columns"
    )


def test_control_characters_name_their_line() -> None:
    assert error_for("odd.csv", AMEX_HEADER + b"01/02/2026,SHOP\x07,1.00\n") == (
        "odd.csv, line 2: this is not a CSV file: it holds control characters that text files "
        "never have"
    )


@pytest.mark.parametrize("data", [b"", b"  \r\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    assert error_for("empty.csv", data) == "empty.csv: the file is empty"


def test_a_file_of_empty_cells_holds_no_rows() -> None:
    assert error_for("commas.csv", b",,,\n,,,\n") == "commas.csv: the file holds no rows"


def test_a_header_without_transactions_is_refused() -> None:
    assert error_for("chase.csv", CHASE_HEADER + b"\n") == (
        "chase.csv: the file has a header row but no transactions"
    )


def test_an_unknown_format_without_a_mapping_asks_for_one() -> None:
    with pytest.raises(MappingRequired) as caught:
        read_statements([sample("generic_signed.csv")])

    assert str(caught.value) == (
        "generic_signed.csv: we don't recognise this file's columns; tell us which column "
        "holds the date, the description and the amount (or debit and credit)"
    )


def test_an_unreadable_date_names_the_file_the_line_and_the_value() -> None:
    data = CHASE_HEADER + b"".join(
        b"01/%02d/2026,01/%02d/2026,SAFEWAY #12,Groceries,Sale,-1.00,\n" % (day, day)
        for day in range(1, 13)
    )
    data += b"13/45/2026,01/14/2026,SAFEWAY #12,Groceries,Sale,-1.00,\n"

    # Header on line 1, twelve good rows on lines 2 to 13.
    assert error_for("chase.csv", data) == 'chase.csv, line 14: unreadable date "13/45/2026"'


def test_line_numbers_count_the_lines_inside_quoted_fields() -> None:
    data = AMEX_HEADER + b'01/02/2026,"SHOP\nON TWO LINES",1.00\n01/32/2026,SHOP,1.00\n'

    assert error_for("amex.csv", data) == 'amex.csv, line 4: unreadable date "01/32/2026"'


def test_a_missing_date_is_named() -> None:
    assert error_for("a.csv", AMEX_HEADER + b",SHOP,1.00\n") == "a.csv, line 2: missing date"


def test_an_unreadable_amount_names_the_value() -> None:
    assert error_for("a.csv", AMEX_HEADER + b"01/02/2026,SHOP,12.OO\n") == (
        'a.csv, line 2: unreadable amount "12.OO"'
    )


def test_a_european_amount_is_unreadable_rather_than_misread() -> None:
    assert error_for("a.csv", AMEX_HEADER + b'01/02/2026,SHOP,"1.234,56"\n') == (
        'a.csv, line 2: unreadable amount "1.234,56"'
    )


def test_a_missing_amount_names_its_column() -> None:
    assert error_for("a.csv", AMEX_HEADER + b"01/02/2026,SHOP,\n") == (
        "a.csv, line 2: missing amount in the Amount column"
    )


def test_a_debit_credit_row_with_neither_is_refused() -> None:
    data = b"Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit\n"
    data += b"2026-01-01,2026-01-02,1234,SHOP,Dining,,\n"

    assert error_for("capital_one.csv", data) == (
        "capital_one.csv, line 2: no amount in the Debit column or the Credit column"
    )


def test_an_implausible_amount_is_refused() -> None:
    assert error_for("a.csv", AMEX_HEADER + b"01/02/2026,SHOP,4111111111111111\n") == (
        'a.csv, line 2: amount "4111111111111111" is too large to be a card transaction'
    )


def test_a_badly_quoted_field_is_named() -> None:
    assert error_for("a.csv", AMEX_HEADER + b'01/02/2026,"SHOP"X,1.00\n') == (
        "a.csv, line 2: badly quoted field: a closing quote must be followed by a comma"
    )


def test_a_quote_never_closed_names_the_line_it_opens_on() -> None:
    data = AMEX_HEADER + b'01/02/2026,"SHOP,1.00\n01/03/2026,SHOP,1.00\n'

    assert error_for("a.csv", data) == "a.csv, line 2: a quoted field is never closed"


def test_a_row_wider_than_the_header_is_refused() -> None:
    assert error_for("a.csv", AMEX_HEADER + b"01/02/2026,SHOP, INC,1.00\n") == (
        "a.csv, line 2: 4 columns where the first row has 3; is a comma missing its quotes?"
    )


def test_a_header_too_wide_for_a_statement_is_refused() -> None:
    data = ",".join(f"c{number}" for number in range(50)).encode() + b"\n"

    assert error_for("wide.csv", data) == (
        "wide.csv, line 1: the first row has 50 columns; a statement has at most 40"
    )


def test_text_in_no_known_encoding_names_the_line() -> None:
    # 0x81 and 0x8D are neither UTF-8 nor defined in Windows-1252.
    assert error_for("a.csv", AMEX_HEADER + b"01/02/2026,\x81\x8d,1.00\n") == (
        "a.csv, line 2: the text is neither UTF-8 nor Windows-1252; save it again as UTF-8 CSV"
    )


def test_a_file_of_only_payments_and_credits_has_no_purchases() -> None:
    data = AMEX_HEADER + b"01/02/2026,ONLINE PAYMENT - THANK YOU,-12.00\n01/03/2026,SHOP,-3.00\n"

    assert error_for("a.csv", data) == (
        "a.csv: no purchases found: the files hold only payments, refunds, credits, transfers "
        "or fees"
    )


def test_a_file_over_the_size_limit_is_refused() -> None:
    data = AMEX_HEADER + b"01/02/2026,SHOP,1.00\n" * (MAX_FILE_BYTES // 20)

    assert len(data) > MAX_FILE_BYTES
    # 24 + 21 x 262,144 bytes = 5.25 MiB, shown rounded up.
    assert error_for("big.csv", data) == "big.csv: the file is 5.3 MB; the limit is 5 MB per file"


def test_one_byte_over_the_limit_does_not_read_as_within_it() -> None:
    with pytest.raises(StatementError) as caught:
        check_files([("a.csv", MAX_FILE_BYTES + 1)])

    assert str(caught.value) == "a.csv: the file is 5.1 MB; the limit is 5 MB per file"


def test_sizes_can_be_checked_before_the_bytes_are_read() -> None:
    with pytest.raises(StatementError) as caught:
        check_files([("a.csv", 1000), ("huge.csv", 12 * 1024 * 1024)])

    assert str(caught.value) == "huge.csv: the file is 12.0 MB; the limit is 5 MB per file"


def test_too_many_files_are_refused() -> None:
    files = [sample("chase.csv")] * (MAX_FILES + 1)

    with pytest.raises(StatementError) as caught:
        read_statements(files)

    assert str(caught.value) == "11 files were uploaded; the limit is 10 at a time"


def test_no_file_at_all_is_refused() -> None:
    with pytest.raises(StatementError) as caught:
        read_statements([])

    assert str(caught.value) == "no file was uploaded"


def test_too_many_rows_across_the_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real limit is 100,000 rows; a small one keeps the test fast.
    monkeypatch.setattr("statements.reader.MAX_ROWS", 20)
    files = [sample("chase.csv"), sample("discover.csv")]

    with pytest.raises(StatementError) as caught:
        read_statements(files)

    # chase.csv holds 18 rows; the 2 left allow discover.csv's lines 2 and 3, not line 4.
    assert str(caught.value) == (
        "discover.csv, line 4: too many rows: together the files hold more than 20 "
        "transactions; upload fewer months at a time"
    )


def test_the_real_row_limit_counts_all_files_together() -> None:
    row = b"01/02/2026,SHOP,1.00\n"
    half = AMEX_HEADER + row * 50_000
    other_half = AMEX_HEADER + row.replace(b"SHOP", b"STORE") * 50_001

    with pytest.raises(StatementError) as caught:
        read_statements([("a.csv", half), ("b.csv", other_half)])

    assert str(caught.value).startswith("b.csv, line 50,002: too many rows")


def test_one_bad_file_among_good_ones_fails_the_whole_import() -> None:
    files = [sample("chase.csv"), ("broken.csv", AMEX_HEADER + b"01/02/2026,SHOP,oops\n")]

    with pytest.raises(StatementError) as caught:
        read_statements(files)

    assert str(caught.value) == 'broken.csv, line 2: unreadable amount "oops"'
