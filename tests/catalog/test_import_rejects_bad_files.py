"""A bad catalog file: every problem listed with card id, field and reason; nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from catalog.models import Card, CatalogVersion, Currency, EarnRule
from tests.catalog.conftest import run_command
from tests.catalog.test_import_cards import table_counts

pytestmark = pytest.mark.django_db


def break_unknown_field(data: dict[str, Any]) -> None:
    data["cards"][0]["annual_fees"] = 95


def break_unknown_category(data: dict[str, Any]) -> None:
    data["cards"][0]["rules"][0]["categories"] = ["grocery"]


def break_unknown_currency(data: dict[str, Any]) -> None:
    data["cards"][0]["currency"] = "doubloons"


def break_negative_number(data: dict[str, Any]) -> None:
    data["cards"][0]["annual_fee"] = -95


def break_duplicate_id(data: dict[str, Any]) -> None:
    data["cards"][1]["id"] = "grocer-cash"


def break_unknown_shared_cap(data: dict[str, Any]) -> None:
    data["cards"][3]["rules"][0]["cap"] = "combo"


def break_bad_period(data: dict[str, Any]) -> None:
    data["cards"][0]["rules"][0]["cap"]["per"] = "week"


def break_missing_field(data: dict[str, Any]) -> None:
    del data["cards"][0]["source_url"]


def break_too_many_decimals_for_the_database(data: dict[str, Any]) -> None:
    data["cards"][0]["annual_fee"] = 95.125


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (break_unknown_field, "grocer-cash: annual_fees: unknown field"),
        (break_unknown_category, "grocer-cash: rules[0].categories[0]: unknown category 'grocery'"),
        (break_unknown_currency, "grocer-cash: currency: unknown currency 'doubloons'"),
        (break_negative_number, "grocer-cash: annual_fee: must not be negative"),
        (break_duplicate_id, "grocer-cash: id: duplicate card id"),
        (break_unknown_shared_cap, "shared-cap-cash: rules[0].cap: unknown shared cap 'combo'"),
        (break_bad_period, "grocer-cash: rules[0].cap.per: must be one of month, quarter, year"),
        (break_missing_field, "grocer-cash: source_url: is required"),
        (
            break_too_many_decimals_for_the_database,
            "grocer-cash: annual_fee: Ensure that there are no more than 2 decimal places.",
        ),
    ],
)
def test_each_kind_of_bad_row_is_rejected_with_its_message_and_nothing_written(
    imported_small: dict[str, Any],
    write_catalog: Callable[..., Path],
    breaker: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    before = table_counts()
    version = CatalogVersion.current()
    # Also a change that would be imported if the file were valid.
    imported_small["cards"][2]["annual_fee"] = 49
    breaker(imported_small)

    result = run_command("import_cards", str(write_catalog(imported_small)))

    assert result.status == 1
    assert "rejected, nothing was imported" in result.stderr
    assert expected in result.stderr
    assert table_counts() == before
    assert Card.objects.get(slug="top-category-cash").annual_fee == 0
    assert CatalogVersion.current() == version


def test_every_problem_in_the_file_is_listed_at_once(
    small_catalog: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    break_unknown_field(small_catalog)
    break_unknown_category(small_catalog)
    small_catalog["cards"][4]["base_rate"] = -1
    small_catalog["currencies"][1]["cents_per_point"] = "1.5"

    result = run_command("import_cards", str(write_catalog(small_catalog)))

    assert result.status == 1
    assert "4 problem(s)" in result.stderr
    for line in (
        "grocer-cash: annual_fees: unknown field",
        "grocer-cash: rules[0].categories[0]: unknown category 'grocery'",
        "business-miles: base_rate: must not be negative",
        "bank_pts: cents_per_point: must be a number",
    ):
        assert line in result.stderr
    assert Card.objects.count() == 0
    assert Currency.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"format": "creditcard-guru/catalog@1", "cards": [', "not valid JSON"),
        ("[]", "the file must hold one JSON object"),
        ('{"format": "creditcard-guru/catalog@3", "currencies": [], "cards": []}', "format"),
    ],
)
def test_a_file_that_is_not_a_catalog_is_rejected(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path], content: str, expected: str
) -> None:
    before = table_counts()

    result = run_command("import_cards", str(write_catalog(content)))

    assert result.status == 1
    assert expected in result.stderr
    assert table_counts() == before
    assert Card.objects.active().count() == 5


def test_a_file_that_is_not_utf8_is_rejected(db: None, tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "Caf\xe9"}'.encode("latin-1"))

    result = run_command("import_cards", str(path))

    assert result.status == 1
    assert "not UTF-8 text" in result.stderr
    assert EarnRule.objects.count() == 0


def test_a_missing_file_is_rejected(db: None, tmp_path: Path) -> None:
    result = run_command("import_cards", str(tmp_path / "nope.json"))

    assert result.status == 1
    assert "cannot read the file" in result.stderr


def test_a_card_id_that_is_the_address_of_another_page_is_rejected(
    db: None, small_catalog: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    small_catalog["cards"][0]["id"] = "compare"

    result = run_command("import_cards", str(write_catalog(small_catalog)))

    assert result.status == 1
    assert "compare: id: “compare” is the address of another page on the site" in result.stderr
    assert Card.objects.count() == 0
