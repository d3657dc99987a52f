"""The generic fallback: a file in an unknown layout is read with the person's column choices."""

from __future__ import annotations

import pytest

from statements import (
    NEGATIVE,
    POSITIVE,
    ColumnMapping,
    MappingRequired,
    StatementError,
    read_statements,
)
from tests.statements.helpers import money, read, sample, totals


def unknown_layout(*names: str):
    """What MappingRequired says about these sample files."""
    with pytest.raises(MappingRequired) as caught:
        read(*names)
    return caught.value.unknown


def test_an_unknown_layout_comes_back_with_its_columns_and_sample_rows() -> None:
    (layout,) = unknown_layout("generic_debit_credit.csv")

    assert layout.file == "generic_debit_credit.csv"
    assert layout.columns == (
        "Posting Date",
        "Payee Name",
        "Withdrawal",
        "Deposit",
        "Running Balance",
    )
    assert layout.has_header is True
    assert layout.samples[0] == ("07/01/2026", "FRESH VALLEY GROCERY", "54.10", "", "1945.90")
    assert len(layout.samples) == 5
    assert len(layout.key) == 16


def test_a_headerless_unknown_file_is_recognised_as_such() -> None:
    (layout,) = unknown_layout("generic_headerless.csv")

    assert layout.has_header is False
    assert layout.columns == ("Column 1", "Column 2", "Column 3")
    # The first row is data, so it is a sample too.
    assert layout.samples[0] == ("07/01/2026", "CORNER BAKERY CAFE", "12.50")


def test_known_files_beside_an_unknown_one_still_need_the_mapping_first() -> None:
    unknown = unknown_layout("chase.csv", "generic_signed.csv", "discover.csv")

    assert [layout.file for layout in unknown] == ["generic_signed.csv"]


def test_a_debit_and_credit_mapping_reads_withdrawals_as_purchases() -> None:
    (layout,) = unknown_layout("generic_debit_credit.csv")
    mapping = ColumnMapping(date=0, description=1, debit=2, credit=3)

    summary = read("generic_debit_credit.csv", mappings={layout.key: mapping})

    assert totals(summary) == {
        # keyword GROCERY
        "groceries": money("54.10"),
        # keyword WATER DEPT
        "utilities": money("61.25"),
        # keyword KITCHEN
        "dining": money("22.80"),
    }
    (report,) = summary.files
    assert (report.format, report.label) == ("generic", "Your column choices")
    # The payroll deposit and the hardware refund
    assert report.skipped == {"refunds and credits": 2}


def test_a_signed_amount_mapping_follows_the_sign_convention_given() -> None:
    (layout,) = unknown_layout("generic_signed.csv")
    mapping = ColumnMapping(date=0, description=1, amount=2, purchases=NEGATIVE)

    summary = read("generic_signed.csv", mappings={layout.key: mapping})

    assert totals(summary) == {"dining": money("42.00"), "gas": money("39.90")}
    assert summary.files[0].skipped == {"payments": 1, "refunds and credits": 1}


def test_the_opposite_sign_convention_counts_the_other_rows() -> None:
    (layout,) = unknown_layout("generic_signed.csv")
    mapping = ColumnMapping(date=0, description=1, amount=2, purchases=POSITIVE)

    summary = read("generic_signed.csv", mappings={layout.key: mapping})

    # Only the 5.00 refund is left: the payment row is still recognised by its words.
    assert totals(summary) == {"dining": money("5.00")}


def test_a_headerless_file_reads_its_first_row_as_data() -> None:
    (layout,) = unknown_layout("generic_headerless.csv")
    mapping = ColumnMapping(date=0, description=1, amount=2, purchases=POSITIVE, has_header=False)

    summary = read("generic_headerless.csv", mappings={layout.key: mapping})

    # Corner Bakery 12.50 (the brand), the barber 30.00; the -12.50 is a refund
    assert totals(summary) == {"dining": money("12.50"), "other": money("30.00")}


def test_one_mapping_serves_every_file_of_the_same_layout() -> None:
    data = (sample("generic_signed.csv")[1]).replace(b"SUNSET SUSHI BAR", b"HARBOR SUSHI BAR")
    files = [sample("generic_signed.csv"), ("another_month.csv", data)]
    with pytest.raises(MappingRequired) as caught:
        read_statements(files)
    first, second = caught.value.unknown
    assert first.key == second.key

    mapping = ColumnMapping(date=0, description=1, amount=2)
    summary = read_statements(files, {first.key: mapping})

    # 42.00 in each file, under two merchants
    assert totals(summary)["dining"] == money("84.00")


def test_mixed_known_and_mapped_files_are_read_together() -> None:
    (layout,) = unknown_layout("generic_signed.csv")
    mapping = ColumnMapping(date=0, description=1, amount=2)

    summary = read("amex_basic.csv", "generic_signed.csv", mappings={layout.key: mapping})

    # Shake Shack 24.60 + Sunset Sushi Bar 42.00
    assert totals(summary)["dining"] == money("66.60")
    assert [report.format for report in summary.files] == ["amex", "generic"]


@pytest.mark.parametrize(
    ("mapping", "problem"),
    [
        (ColumnMapping(date=0, description=1), "choose either an amount column or a debit column"),
        (
            ColumnMapping(date=0, description=1, amount=2, debit=3),
            "choose either an amount column or a debit column",
        ),
        (ColumnMapping(date=0, description=0, amount=2), "each column can only be chosen once"),
        (
            ColumnMapping(date=0, description=1, amount=7),
            "the file has 4 columns; choose among those",
        ),
        (
            ColumnMapping(date=0, description=1, amount=2, purchases="sideways"),
            'say whether purchases are "positive" or "negative"',
        ),
    ],
)
def test_an_impossible_mapping_is_refused_with_the_file_name(
    mapping: ColumnMapping, problem: str
) -> None:
    (layout,) = unknown_layout("generic_signed.csv")

    with pytest.raises(StatementError) as caught:
        read("generic_signed.csv", mappings={layout.key: mapping})

    assert str(caught.value) == f"generic_signed.csv: {problem}"


def test_a_mapping_pointing_at_the_wrong_column_fails_on_the_first_bad_line() -> None:
    (layout,) = unknown_layout("generic_signed.csv")
    mapping = ColumnMapping(date=0, description=2, amount=1)

    with pytest.raises(StatementError) as caught:
        read("generic_signed.csv", mappings={layout.key: mapping})

    assert str(caught.value) == 'generic_signed.csv, line 2: unreadable amount "SUNSET SUSHI BAR"'


def test_a_missing_amount_in_a_mapped_file_names_the_column_by_position() -> None:
    (layout,) = unknown_layout("generic_signed.csv")
    data = sample("generic_signed.csv")[1].replace(b"-39.90", b"")

    with pytest.raises(StatementError) as caught:
        read_statements(
            [("generic_signed.csv", data)],
            {layout.key: ColumnMapping(date=0, description=1, amount=2)},
        )

    assert str(caught.value) == "generic_signed.csv, line 4: missing amount in column 3"


def test_a_debit_row_without_amounts_names_both_columns() -> None:
    (layout,) = unknown_layout("generic_debit_credit.csv")
    data = sample("generic_debit_credit.csv")[1].replace(b",,2000.00,", b",,,")
    mapping = ColumnMapping(date=0, description=1, debit=2, credit=3)

    with pytest.raises(StatementError) as caught:
        read_statements([("bank.csv", data)], {layout.key: mapping})

    assert str(caught.value) == "bank.csv, line 4: no amount in column 3 or column 4"


def test_without_a_credit_column_an_empty_debit_is_a_credit() -> None:
    (layout,) = unknown_layout("generic_debit_credit.csv")
    mapping = ColumnMapping(date=0, description=1, debit=2)

    summary = read("generic_debit_credit.csv", mappings={layout.key: mapping})

    # 54.10 + 61.25 + 22.80 as with the credit column; the two deposits are credits again.
    assert summary.total == money("138.15")
    assert summary.files[0].skipped == {"refunds and credits": 2}


def test_a_mapping_comes_from_form_values_and_goes_back_to_a_dict() -> None:
    form = {
        "date": "0",
        "description": "1",
        "amount": "",
        "debit": "2",
        "credit": "3",
        "purchases": "negative",
        "has_header": "on",
    }

    mapping = ColumnMapping.from_dict(form)

    assert mapping == ColumnMapping(date=0, description=1, debit=2, credit=3, has_header=True)
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping
    assert ColumnMapping.from_dict({**form, "has_header": ""}).has_header is False


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"description": "1", "amount": "2"}, "choose the date column and the description column"),
        ({"date": "x", "description": "1"}, "the date column must be a column number"),
        (
            {"date": "0", "description": "1", "amount": [2]},
            "the amount column must be a column number",
        ),
    ],
)
def test_form_values_that_are_no_mapping_are_refused(form: dict, problem: str) -> None:
    with pytest.raises(StatementError) as caught:
        ColumnMapping.from_dict(form)

    assert str(caught.value) == problem
