"""Reading catalog files and writing the canonical form back."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rewards.catalog import (
    Cap,
    CatalogError,
    EarnRule,
    catalog_to_dict,
    dumps_catalog,
    load_catalog,
    parse_catalog,
)
from tests.rewards.builders import card, catalog
from tests.rewards.real_cards import BLUE_CASH_PREFERRED as BCP

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def test_fields_are_typed_and_defaults_filled_in() -> None:
    parsed = parse_catalog(catalog(BCP, card("plain")))
    bcp, plain = parsed.cards
    assert bcp.annual_fee == Decimal(95) and bcp.first_year_fee == Decimal(0)
    assert bcp.foreign_fee_pct == Decimal("2.7")
    assert bcp.rules[0] == EarnRule(
        rate=Decimal(6), categories=("groceries",), cap=Cap(Decimal(6000), "year")
    )
    assert bcp.verified_on == date(2026, 10, 15)
    assert bcp.credits_per_year == Decimal(84)
    assert plain.first_year_fee == plain.annual_fee == Decimal(0)
    assert plain.foreign_fee_pct == 0 and plain.business is False and plain.bonus is None
    assert parsed.card("plain") is plain
    assert parsed.currency("chase_ur").cents_per_point == Decimal("1.5")


def test_canonical_dict_omits_defaults_and_writes_whole_numbers_as_ints() -> None:
    raw = card(
        "c", annual_fee=95, first_year_fee=0, foreign_fee_pct=0, business=False, base_rate=1.0
    )
    out = catalog_to_dict(parse_catalog(catalog(raw)))["cards"][0]
    assert "foreign_fee_pct" not in out and "business" not in out
    assert out["first_year_fee"] == 0
    assert out["base_rate"] == 1 and isinstance(out["base_rate"], int)
    same_fee = catalog_to_dict(parse_catalog(catalog(card("d", annual_fee=95, first_year_fee=95))))
    assert "first_year_fee" not in same_fee["cards"][0]


CARD_ORDER = [
    "id",
    "name",
    "issuer",
    "network",
    "currency",
    "annual_fee",
    "first_year_fee",
    "foreign_fee_pct",
    "credit",
    "business",
    "base_rate",
    "shared_caps",
    "rules",
    "bonus",
    "credits",
    "source_url",
    "verified_on",
]


def test_canonical_dict_keeps_the_section_6_key_order() -> None:
    shared = [{"id": "combined", "amount": 2500, "per": "quarter"}]
    rules = [
        {"cap": "combined", "rate": 3, "choose": 1, "categories": ["gas", "dining"]},
        {"rate": 5, "rotating": {"Q1": ["gas"], "Q2": [], "Q3": [], "Q4": ["travel"]}},
    ]
    raw = dict(reversed(list({**BCP, "shared_caps": shared, "rules": rules}.items())))
    out = catalog_to_dict(parse_catalog(catalog(raw)))["cards"][0]
    assert list(out) == [key for key in CARD_ORDER if key != "business"]
    assert [list(rule) for rule in out["rules"]] == [
        ["categories", "choose", "rate", "cap"],
        ["rotating", "rate"],
    ]
    assert out["rules"][1]["rotating"] == {"Q1": ["gas"], "Q2": [], "Q3": [], "Q4": ["travel"]}


def test_a_canonical_file_round_trips_byte_for_byte(tmp_path: Path) -> None:
    ordered = {key: BCP[key] for key in CARD_ORDER if key in BCP}
    text = json.dumps(catalog(ordered), indent=2, ensure_ascii=False) + "\n"
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    assert dumps_catalog(load_catalog(path)) == text


def test_the_shipped_catalog_parses_and_round_trips_byte_for_byte() -> None:
    if not SHIPPED.exists():
        pytest.skip("data/catalog.json is not there yet")
    text = SHIPPED.read_text(encoding="utf-8")
    parsed = load_catalog(SHIPPED)
    assert len(parsed.cards) >= 100
    assert dumps_catalog(parsed) == text


def test_a_file_that_is_not_json_is_rejected_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value).startswith(f"file: {path} is not valid JSON: ")
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.json")


def test_decimal_numbers_from_a_database_are_accepted() -> None:
    raw = card("c", annual_fee=Decimal("95.00"), base_rate=Decimal("1.50"))
    out = catalog_to_dict(parse_catalog(catalog(raw)))["cards"][0]
    assert out["annual_fee"] == 95 and isinstance(out["annual_fee"], int)
    assert out["base_rate"] == 1.5
