"""manage.py catalog_audit and the notes results show about recommended cards."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from catalog.audit import audit, card_notes
from catalog.engine_catalog import load_full_catalog
from rewards.catalog import parse_catalog
from tests.catalog.conftest import run_command

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 3)


def test_the_audit_lists_what_needs_checking(imported_small: dict[str, Any]) -> None:
    report = audit(load_full_catalog(DAY), DAY)

    assert [(f.card_id, f.detail) for f in report.stale_cards] == [
        ("quarterly-points", "checked 692 days ago")
    ]
    # A bonus is as fresh as the newest dated page stating it: the two cash cards' sources are
    # from 2024, the quarterly card was checked 692 days ago; business-miles has no bonus.
    assert [(f.card_id, f.detail) for f in report.stale_bonuses] == [
        ("grocer-cash", "newest dated source for the bonus is 915 days old"),
        ("quarterly-points", "bonus checked 692 days ago"),
        ("shared-cap-cash", "newest dated source for the bonus is 915 days old"),
    ]
    assert [(f.card_id, f.detail) for f in report.unconfirmed] == [
        ("quarterly-points", "bonus: no source dated 2025 or later")
    ]
    assert [(f.card_id, f.detail) for f in report.missing_calendars] == [
        ("quarterly-points", "rules[0]: no calendar for 2027Q2, 2027Q3")
    ]


def test_the_command_prints_every_section_and_fails_only_when_strict(
    imported_small: dict[str, Any],
) -> None:
    lenient = run_command("catalog_audit", "--today", "2026-12-03")
    strict = run_command("catalog_audit", "--today", "2026-12-03", "--strict")

    assert lenient.status == 0
    assert strict.status == 1
    out = lenient.stdout
    assert "Catalog audit as of 2026-12-03: 5 cards." in out
    assert "Cards last checked more than 180 days ago: 1" in out
    assert "  quarterly-points (Quarterly Points Card): checked 692 days ago" in out
    assert "Bonuses no source from the last 60 days confirms: 3" in out
    assert "Cards with unconfirmed facts: 1" in out
    assert "no calendar for 2027Q2, 2027Q3" in out


def test_a_catalog_with_nothing_to_check_passes_strict(
    db: None, small_catalog: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    fresh = small_catalog["cards"][0]
    fresh["verified_on"] = fresh["status_confirmed_on"] = "2026-12-01"
    for item in fresh["evidence"]:
        item["source_date"] = "2026-11-20"
    small_catalog["cards"] = [fresh]
    small_catalog["issuers"] = []
    path = write_catalog(small_catalog)

    result = run_command(
        "catalog_audit", "--catalog", str(path), "--today", "2026-12-03", "--strict"
    )

    assert result.status == 0, result.stdout
    assert "Nothing to check." in result.stdout


def test_an_audit_of_a_v1_file_lists_every_card_as_unconfirmed(
    db: None, small_catalog_v1: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    result = run_command("catalog_audit", "--catalog", str(write_catalog(small_catalog_v1)))

    assert result.status == 0
    assert "Cards with unconfirmed facts: 5" in result.stdout
    # @1 calendars apply to every year: no quarter is missing.
    assert "Rotating calendars not published for the next four quarters: 0" in result.stdout


def test_bad_arguments_are_errors(db: None, write_catalog: Callable[..., Path]) -> None:
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        run_command("catalog_audit", "--today", "yesterday")
    with pytest.raises(Exception, match="invalid catalog"):
        run_command("catalog_audit", "--catalog", str(write_catalog("{}")))


def test_notes_for_recommended_cards(small_catalog: dict[str, Any]) -> None:
    catalog = parse_catalog(small_catalog, today=DAY)

    notes = card_notes(catalog, ["quarterly-points", "shared-cap-cash", "no-such-card"], DAY)

    assert notes == {
        "quarterly-points": [
            "Quarterly Points Card: checked 692 days ago",
            "Quarterly Points Card: sign-up bonus not confirmed",
            "Quarterly Points Card: rotating categories for Apr–Jun 2027, Jul–Sep 2027 not "
            "announced yet (valued at the base rate)",
        ],
        "shared-cap-cash": [
            "Shared Cap Cash Rewards: sign-up bonus may have changed (newest dated source for "
            "the bonus is 915 days old)"
        ],
    }


def test_notes_mention_a_stale_bonus_and_unconfirmed_rates(small_catalog: dict[str, Any]) -> None:
    card = small_catalog["cards"][4]  # business-miles, checked 2026-10-01
    card["bonus"] = {"points": 10000, "min_spend": 1000, "months": 3}
    card["evidence"] = [
        {
            "field": ["annual_fee", "bonus"],
            "source_url": "https://e.com",
            "source_date": None,
            "quote": "q",
        }
    ]
    card["unconfirmed"] = [{"field": "rules[0]", "reason": "only a 2022 page"}]
    catalog = parse_catalog(small_catalog, today=DAY)

    assert card_notes(catalog, ["business-miles"], DAY) == {
        "business-miles": [
            "Business Miles Plus: sign-up bonus may have changed (bonus checked 63 days ago)",
            "Business Miles Plus: some earn rates not confirmed",
        ]
    }
    assert json.dumps(card_notes(catalog, [], DAY)) == "{}"


def test_a_bonus_checked_today_is_stale_when_its_newest_source_is_old(
    small_catalog: dict[str, Any],
) -> None:
    card = small_catalog["cards"][0]
    card["verified_on"] = card["status_confirmed_on"] = "2026-12-03"
    for item in card["evidence"]:
        item["source_date"] = "2026-05"
    catalog = parse_catalog(small_catalog, today=DAY)

    stale = [(f.card_id, f.detail) for f in audit(catalog, DAY).stale_bonuses]
    assert (card["id"], "newest dated source for the bonus is 216 days old") in stale
