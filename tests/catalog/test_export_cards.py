"""manage.py export_cards writes the file format; export after import reproduces the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from catalog.models import Card, EarnRule
from rewards.catalog import catalog_to_dict, dumps_catalog, parse_catalog
from tests.catalog.conftest import run_command

pytestmark = pytest.mark.django_db


def test_export_after_import_reproduces_the_shipped_file_exactly(
    shipped_catalog_path: Path, tmp_path: Path
) -> None:
    run_command("import_cards", str(shipped_catalog_path))
    out = tmp_path / "export.json"

    result = run_command("export_cards", str(out))

    assert result.status == 0
    if json.loads(shipped_catalog_path.read_text())["format"].endswith("@1"):
        # An @1 file comes back as @2; that file is then a fixed point.
        run_command("import_cards", str(out))
        again = tmp_path / "again.json"
        run_command("export_cards", str(again))
        assert again.read_bytes() == out.read_bytes()
    else:
        assert out.read_bytes() == shipped_catalog_path.read_bytes()


def test_export_after_import_reproduces_every_rule_variant(
    imported_small: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "export.json"

    run_command("export_cards", str(out))

    assert out.read_text(encoding="utf-8") == dumps_catalog(parse_catalog(imported_small))


def test_export_writes_to_standard_output_by_default(
    imported_small: dict[str, Any], capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    run_command("export_cards")
    run_command("export_cards", "-")

    text = capfdbinary.readouterr().out.decode("utf-8")
    expected = dumps_catalog(parse_catalog(imported_small))
    assert text == expected + expected


def test_inactive_cards_are_left_out_unless_asked_for(
    imported_small: dict[str, Any], tmp_path: Path
) -> None:
    Card.objects.filter(slug="business-miles").update(active=False)

    run_command("export_cards", str(tmp_path / "active.json"))
    run_command("export_cards", str(tmp_path / "all.json"), "--include-inactive")

    active = json.loads((tmp_path / "active.json").read_text())
    everything = json.loads((tmp_path / "all.json").read_text())
    assert "business-miles" not in [card["id"] for card in active["cards"]]
    # Its currency was only used by the inactive card, so it is history too.
    assert [currency["id"] for currency in active["currencies"]] == ["cash", "bank_pts"]
    assert everything == catalog_to_dict(parse_catalog(imported_small))


def test_an_exported_file_imports_back_without_changes(
    imported_small: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    run_command("export_cards", str(out))

    result = run_command("import_cards", str(out))

    assert "0 card(s) created, 0 updated, 0 marked inactive, 5 unchanged" in result.stdout


def test_an_editor_change_shows_in_the_export(
    imported_small: dict[str, Any], tmp_path: Path, write_catalog: Callable[..., Path]
) -> None:
    rule = EarnRule.objects.get(card__slug="grocer-cash", position=1)
    rule.rate = 7
    rule.save()
    out = tmp_path / "export.json"

    run_command("export_cards", str(out))

    exported = json.loads(out.read_text())
    assert exported["cards"][0]["rules"][1] == {"categories": ["streaming"], "rate": 7}


def test_a_database_the_format_would_refuse_is_not_exported(
    imported_small: dict[str, Any], tmp_path: Path
) -> None:
    EarnRule.objects.filter(card__slug="grocer-cash", position=0).update(categories=["grocery"])
    out = tmp_path / "export.json"

    with pytest.raises(Exception, match="unknown category 'grocery'"):
        run_command("export_cards", str(out))
    assert not out.exists()


def test_a_canonical_v2_file_survives_import_and_export_byte_for_byte(
    db: None, small_catalog: dict[str, Any], tmp_path: Path
) -> None:
    # Issuer rules, evidence with and without dates and notes, an unconfirmed fact, a family,
    # a year-keyed calendar: everything @2 adds, through the database and back.
    source = tmp_path / "catalog.json"
    source.write_text(dumps_catalog(parse_catalog(small_catalog)), encoding="utf-8")
    assert '"issuers": [\n    {\n      "name": "Example Bank"' in source.read_text()
    assert run_command("import_cards", str(source)).status == 0
    out = tmp_path / "export.json"

    run_command("export_cards", str(out))

    assert out.read_bytes() == source.read_bytes()


def test_an_v1_file_is_exported_as_v2_with_its_facts_unconfirmed(
    db: None, small_catalog_v1: dict[str, Any], write_catalog: Callable[..., Path], tmp_path: Path
) -> None:
    assert run_command("import_cards", str(write_catalog(small_catalog_v1))).status == 0
    out = tmp_path / "export.json"

    run_command("export_cards", str(out))

    exported = json.loads(out.read_text())
    assert exported["format"] == "creditcard-guru/catalog@2" and exported["issuers"] == []
    flex = next(card for card in exported["cards"] if card["id"] == "quarterly-points")
    # Checked 2025-01-10: its every-year calendar is written for 2025 only.
    assert list(flex["rules"][0]["rotating"]) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert flex["unconfirmed"] == [
        {
            "field": ["annual_fee", "rules", "bonus"],
            "reason": "no source recorded: read from a catalog@1 file",
        }
    ]
