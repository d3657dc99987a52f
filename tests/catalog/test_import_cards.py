"""manage.py import_cards: validate the whole file, then upsert it in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from catalog.models import (
    Bonus,
    Card,
    CatalogVersion,
    Credit,
    Currency,
    EarnRule,
    Issuer,
    SharedCap,
)
from tests.catalog.conftest import run_command

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    models = (Currency, Issuer, Card, SharedCap, EarnRule, Bonus, Credit)
    return {model.__name__: model.objects.count() for model in models}


def test_it_imports_every_card_with_its_rules_caps_bonus_and_credits(
    small_catalog: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    result = run_command("import_cards", str(write_catalog(small_catalog)))

    assert result.status == 0
    assert "5 card(s) created, 0 updated, 0 marked inactive, 0 unchanged" in result.stdout
    assert table_counts() == {
        "Currency": 3,
        "Issuer": 3,
        "Card": 5,
        "SharedCap": 1,
        "EarnRule": 9,
        "Bonus": 3,
        "Credit": 2,
    }
    card = Card.objects.get(slug="grocer-cash")
    assert card.name == "Grocer Cash Preferred"
    assert card.issuer.name == "American Express"
    assert card.currency.code == "cash"
    assert card.annual_fee == Decimal("95")
    assert card.first_year_fee == Decimal("0")
    assert card.foreign_fee_pct == Decimal("2.7")
    assert card.active is True
    first_rule = card.rules.first()
    assert first_rule.categories == ["groceries"]
    assert (first_rule.rate, first_rule.cap_amount, first_rule.cap_per) == (6, 6000, "year")
    assert card.get_bonus().points == 25000
    assert [(c.name, c.amount, c.per) for c in card.credits.all()] == [
        ("Streaming credit", Decimal("84"), "year")
    ]


def test_it_stores_the_rule_variants(imported_small: dict[str, Any]) -> None:
    rotating = EarnRule.objects.get(card__slug="quarterly-points", position=0)
    assert rotating.rotating["2026Q2"] == ["gas", "home_improvement"]
    assert rotating.categories == []
    top = EarnRule.objects.get(card__slug="top-category-cash")
    assert (top.choose, top.pick, top.cap_per) == (1, "top", "month")
    shared = Card.objects.get(slug="shared-cap-cash")
    assert [(cap.key, cap.amount, cap.per) for cap in shared.shared_caps.all()] == [
        ("combined", Decimal("2500"), "quarter")
    ]
    assert [rule.cap_key for rule in shared.rules.all()] == ["combined", "combined"]
    assert Card.objects.get(slug="business-miles").business is True


def test_importing_the_same_file_twice_changes_nothing(
    small_catalog: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    path = write_catalog(small_catalog)
    run_command("import_cards", str(path))
    version = CatalogVersion.current()
    rows = {card.slug: (card.pk, card.updated_at) for card in Card.objects.all()}
    rule_ids = sorted(EarnRule.objects.values_list("pk", flat=True))

    again = run_command("import_cards", str(path))

    assert again.status == 0
    assert "0 card(s) created, 0 updated, 0 marked inactive, 5 unchanged" in again.stdout
    assert CatalogVersion.current() == version
    assert {card.slug: (card.pk, card.updated_at) for card in Card.objects.all()} == rows
    assert sorted(EarnRule.objects.values_list("pk", flat=True)) == rule_ids


def test_a_changed_card_is_updated_and_the_version_changes(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    version = CatalogVersion.current()
    imported_small["cards"][0]["rules"][0]["rate"] = 5
    imported_small["cards"][0]["annual_fee"] = 99

    result = run_command("import_cards", str(write_catalog(imported_small)))

    assert "0 card(s) created, 1 updated, 0 marked inactive, 4 unchanged" in result.stdout
    card = Card.objects.get(slug="grocer-cash")
    assert card.annual_fee == 99
    assert card.rules.first().rate == 5
    assert CatalogVersion.current() != version


def test_cards_missing_from_the_file_are_marked_inactive_not_deleted(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    del imported_small["cards"][1]
    # The issuer's rule for the removed card's family would name a family no card has left.
    del imported_small["issuers"][0]["rules"][1]["family"]

    result = run_command("import_cards", str(write_catalog(imported_small)))

    assert "1 marked inactive" in result.stdout
    card = Card.objects.get(slug="quarterly-points")
    assert card.active is False
    assert card.rules.count() == 2
    assert sorted(Card.objects.active().values_list("slug", flat=True)) == [
        "business-miles",
        "grocer-cash",
        "shared-cap-cash",
        "top-category-cash",
    ]


def test_a_card_back_in_the_file_is_active_again(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    full = write_catalog(imported_small)
    shorter = dict(imported_small, cards=imported_small["cards"][:2])
    run_command("import_cards", str(write_catalog(shorter)))

    result = run_command("import_cards", str(full))

    assert "3 updated" in result.stdout
    assert Card.objects.filter(active=False).count() == 0


def test_a_currency_no_card_uses_any_more_is_removed(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    imported_small["cards"] = [
        card for card in imported_small["cards"] if card["currency"] != "air_miles"
    ]
    run_command("import_cards", str(write_catalog(imported_small)))
    # business-miles is inactive now but still uses air_miles: the currency stays.
    assert Currency.objects.filter(code="air_miles").exists()

    Card.objects.filter(slug="business-miles").delete()
    imported_small["currencies"] = imported_small["currencies"][:2]
    result = run_command("import_cards", str(write_catalog(imported_small)))

    assert "1 removed" in result.stdout
    assert not Currency.objects.filter(code="air_miles").exists()


def test_if_empty_skips_a_database_that_already_has_cards(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    imported_small["cards"][0]["annual_fee"] = 500

    result = run_command("import_cards", str(write_catalog(imported_small)), "--if-empty")

    assert result.status == 0
    assert "nothing imported" in result.stdout
    assert Card.objects.get(slug="grocer-cash").annual_fee == 95


def test_if_empty_imports_into_an_empty_database(
    small_catalog: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    result = run_command("import_cards", str(write_catalog(small_catalog)), "--if-empty")

    assert result.status == 0
    assert Card.objects.count() == 5


def test_the_shipped_catalog_imports_cleanly_and_idempotently(shipped_catalog_path: Path) -> None:
    first = run_command("import_cards", str(shipped_catalog_path))
    version = CatalogVersion.current()
    second = run_command("import_cards", str(shipped_catalog_path))

    assert first.status == 0, first.stderr
    assert Card.objects.active().count() >= 60
    assert "0 card(s) created, 0 updated, 0 marked inactive" in second.stdout
    assert CatalogVersion.current() == version


def test_a_first_year_fee_spelled_out_as_the_annual_fee_is_not_a_change(
    imported_small: dict[str, Any], write_catalog: Callable[..., Path]
) -> None:
    card = Card.objects.get(slug="business-miles")
    card.first_year_fee = card.annual_fee
    card.save()
    version = CatalogVersion.current()

    result = run_command("import_cards", str(write_catalog(imported_small)))

    assert "5 unchanged" in result.stdout
    assert CatalogVersion.current() == version
