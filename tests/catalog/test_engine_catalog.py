"""The engine's catalog comes from the active cards in the database, rebuilt after changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.engine_catalog import (
    engine_version,
    load_engine_catalog,
    load_full_catalog,
)
from catalog.io import catalog_dict_from_db
from catalog.models import Card, CatalogVersion
from rewards.catalog import Catalog, catalog_to_dict, parse_catalog
from tests.catalog.conftest import run_command

pytestmark = pytest.mark.django_db


def test_it_is_the_imported_catalog(imported_small: dict[str, Any]) -> None:
    catalog = load_engine_catalog()

    assert isinstance(catalog, Catalog)
    assert catalog_to_dict(catalog) == catalog_to_dict(parse_catalog(imported_small))
    assert catalog.card("grocer-cash").rules[0].cap.amount == Decimal("6000")


def test_it_holds_only_active_cards(imported_small: dict[str, Any]) -> None:
    Card.objects.filter(slug="grocer-cash").update(active=False)
    card = Card.objects.get(slug="grocer-cash")
    card.save()  # a save bumps the catalog version; update() alone does not

    assert "grocer-cash" not in load_engine_catalog().cards_by_id


def test_it_is_memoised_until_the_catalog_changes(imported_small: dict[str, Any]) -> None:
    first = load_engine_catalog()
    assert load_engine_catalog() is first

    card = Card.objects.get(slug="grocer-cash")
    card.annual_fee = Decimal("120")
    card.save()

    second = load_engine_catalog()
    assert second is not first
    assert second.card("grocer-cash").annual_fee == Decimal("120")


def test_an_identical_import_keeps_the_memoised_catalog(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    first = load_engine_catalog()

    run_command("import_cards", str(write_catalog(imported_small)))

    assert load_engine_catalog() is first


def test_catalog_dict_from_db_is_the_export(imported_small: dict[str, Any]) -> None:
    Card.objects.filter(slug="business-miles").update(active=False)

    active = catalog_dict_from_db(active_only=True)
    everything = catalog_dict_from_db(active_only=False)

    assert [card["id"] for card in active["cards"]] == [
        "grocer-cash",
        "quarterly-points",
        "top-category-cash",
        "shared-cap-cash",
    ]
    assert everything == catalog_to_dict(parse_catalog(imported_small))


def test_an_empty_database_gives_an_empty_catalog(db: None) -> None:
    catalog = load_engine_catalog()

    assert catalog.cards == ()
    assert catalog.currencies == ()


def test_closed_cards_are_left_out_unless_held(imported_small: dict[str, Any]) -> None:
    Card.objects.filter(slug="grocer-cash").update(status="closed")
    CatalogVersion.bump()

    assert "grocer-cash" not in load_engine_catalog().cards_by_id
    held = load_engine_catalog(held=["grocer-cash", "business-miles"])
    assert "grocer-cash" in held.cards_by_id
    # The same objects while nothing changes, so the engine's compiled model is reused.
    assert load_engine_catalog(held=["grocer-cash"]) is held
    assert "grocer-cash" in load_full_catalog().cards_by_id


def test_calendars_follow_the_persons_year(imported_small: dict[str, Any]) -> None:
    december = load_engine_catalog(today=date(2026, 12, 3)).card("quarterly-points").rules[0]
    march = load_engine_catalog(today=date(2026, 3, 3)).card("quarterly-points").rules[0]

    assert december.rotating == (
        ("groceries", "streaming"),
        (),
        (),
        ("online_retail", "wholesale_clubs"),
    )
    assert march.rotating[1] == ("gas", "home_improvement")
    assert engine_version(date(2026, 12, 3)) != engine_version(date(2027, 1, 2))


def test_an_v1_calendar_in_the_database_applies_to_every_year(
    db: None, small_catalog_v1: dict[str, Any], write_catalog: Any
) -> None:
    assert run_command("import_cards", str(write_catalog(small_catalog_v1))).status == 0

    for day in (date(2026, 12, 3), date(2029, 5, 1)):
        rule = load_engine_catalog(today=day).card("quarterly-points").rules[0]
        assert rule.rotating == (
            ("groceries", "streaming"),
            ("gas", "home_improvement"),
            ("dining", "drugstores"),
            ("online_retail", "wholesale_clubs"),
        )
