"""Reading catalog files and writing the canonical form back."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rewards.catalog import (
    CARD_FIELDS,
    Cap,
    CatalogError,
    EarnRule,
    canonical_text,
    catalog_to_dict,
    dumps_catalog,
    load_catalog,
    parse_catalog,
)
from tests.rewards.builders import card, catalog
from tests.rewards.evidenced import card_v2, catalog_v2, five_24, issuer, source
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
    "family",
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
    "status",
    "status_confirmed_on",
    "source_url",
    "verified_on",
    "evidence",
    "unconfirmed",
]


def test_the_card_field_list_is_the_documented_order() -> None:
    assert list(CARD_FIELDS) == CARD_ORDER


def test_canonical_dict_keeps_the_documented_key_order() -> None:
    shared = [{"id": "combined", "amount": 2500, "per": "quarter"}]
    rules = [
        {"cap": "combined", "rate": 3, "choose": 1, "categories": ["gas", "dining"]},
        {"rate": 5, "rotating": {"2027Q1": ["travel"], "2026Q4": ["gas"]}},
    ]
    evidence = [
        {"quote": "q", "source_date": None, "source_url": "https://e.com", "field": "bonus"}
    ]
    unconfirmed = [{"reason": "no source", "field": ["annual_fee", "rules"]}]
    raw = card_v2(
        "c",
        **{k: v for k, v in BCP.items() if k not in ("id", "rules")},
        family="blue-cash",
        shared_caps=shared,
        rules=rules,
        evidence=evidence,
        unconfirmed=unconfirmed,
    )
    raw = dict(reversed(list(raw.items())))
    out = catalog_to_dict(parse_catalog(catalog_v2(raw)))["cards"][0]
    assert list(out) == [key for key in CARD_ORDER if key != "business"]
    assert [list(rule) for rule in out["rules"]] == [
        ["categories", "choose", "rate", "cap"],
        ["rotating", "rate"],
    ]
    # Quarters in time order, whatever order the file had.
    assert list(out["rules"][1]["rotating"]) == ["2026Q4", "2027Q1"]
    assert out["evidence"] == [
        {"field": "bonus", "source_url": "https://e.com", "source_date": None, "quote": "q"}
    ]
    assert out["unconfirmed"] == [{"field": ["annual_fee", "rules"], "reason": "no source"}]


def _canonical_v2_text() -> str:
    rules = [
        {
            "rotating": {"2026Q4": ["gas"], "2027Q1": []},
            "rate": 5,
            "cap": {"amount": 1500, "per": "quarter"},
        }
    ]
    data = catalog_v2(
        card_v2(
            "a-card",
            family="a-family",
            rules=rules,
            evidence=[source(["annual_fee", "rules"], note="n")],
        ),
        card_v2(
            "b-card",
            status="closed",
            evidence=[source("annual_fee"), source("rules", source_date=None)],
        ),
        issuers=[
            issuer(
                "Test Bank",
                five_24(),
                {
                    "kind": "issuer_gap",
                    "months": 1,
                    "personal_only": True,
                    "note": "n",
                    "evidence": [source("months")],
                },
                {
                    "kind": "issuer_limit",
                    "max": 2,
                    "months": 2,
                    "counts_business": False,
                    "evidence": [source(["max", "months"])],
                },
                {
                    "kind": "bonus_once",
                    "scope": "family",
                    "months": None,
                    "evidence": [source("scope")],
                },
            )
        ],
    )
    # Only keys the writer writes, in its order: the text is canonical as it stands.
    return json.dumps(catalog_to_dict(parse_catalog(data)), indent=2, ensure_ascii=False) + "\n"


def test_a_canonical_v2_file_round_trips_byte_for_byte(tmp_path: Path) -> None:
    text = _canonical_v2_text()
    assert '"format": "creditcard-guru/catalog@2"' in text
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    assert dumps_catalog(load_catalog(path)) == text
    # Through the whole-file helper the lead writes data/catalog.json with, too.
    assert canonical_text(json.loads(text)) == text


def test_canonical_text_puts_assembled_data_in_canonical_form() -> None:
    data = json.loads(_canonical_v2_text())
    data["cards"][0] = dict(reversed(list(data["cards"][0].items())))
    data["cards"][0]["evidence"][0]["field"] = ["annual_fee", "rules"]
    data["cards"][1]["evidence"][0]["field"] = ["annual_fee"]
    assert canonical_text(data) == _canonical_v2_text()


def test_a_v1_file_is_read_with_its_facts_unconfirmed_and_written_as_v2() -> None:
    rotating = {"Q1": ["dining"], "Q2": ["gas"], "Q3": [], "Q4": ["online_retail"]}
    raw = card("flex", rules=[{"rotating": rotating, "rate": 5}], verified_on="2026-11-25")
    v1 = parse_catalog(catalog(BCP, raw))
    bcp, flex = v1.cards
    assert v1.format == "creditcard-guru/catalog@1" and v1.issuers == ()
    assert bcp.status == "open" and bcp.status_confirmed_on == bcp.verified_on
    assert bcp.evidence == ()
    assert bcp.unconfirmed_reason("bonus") == bcp.unconfirmed_reason("rules[1]") is not None
    assert flex.unconfirmed[0].fields == ("annual_fee", "rules")
    written = catalog_to_dict(v1)
    assert written["format"] == "creditcard-guru/catalog@2" and written["issuers"] == []
    out = written["cards"][1]
    # The @1 calendar is written for the year its card was checked, never for other years.
    assert out["rules"][0]["rotating"] == {
        "2026Q1": ["dining"],
        "2026Q2": ["gas"],
        "2026Q3": [],
        "2026Q4": ["online_retail"],
    }
    assert out["unconfirmed"] == [
        {
            "field": ["annual_fee", "rules"],
            "reason": "no source recorded: read from a catalog@1 file",
        }
    ]
    # ...and the written @2 file is a fixed point.
    again = catalog_to_dict(parse_catalog(written))
    assert again == written


def test_the_shipped_catalog_parses_and_its_v2_form_is_stable() -> None:
    if not SHIPPED.exists():
        pytest.skip("data/catalog.json is not there yet")
    text = SHIPPED.read_text(encoding="utf-8")
    parsed = load_catalog(SHIPPED)
    assert len(parsed.cards) >= 100
    written = dumps_catalog(parsed)
    if parsed.format == "creditcard-guru/catalog@2":
        assert written == text
    else:
        assert dumps_catalog(parse_catalog(json.loads(written))) == written


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
