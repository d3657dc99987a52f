"""CatalogVersion.current() changes whenever any catalog row changes, and only then."""

from __future__ import annotations

from decimal import Decimal
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

pytestmark = pytest.mark.django_db


def test_an_empty_database_has_a_version(db: None) -> None:
    version = CatalogVersion.current()

    assert version
    assert CatalogVersion.current() == version


def test_reading_the_version_does_not_change_it(imported_small: dict[str, Any]) -> None:
    assert CatalogVersion.current() == CatalogVersion.current()


@pytest.mark.parametrize(
    "change",
    [
        lambda: Currency.objects.filter(code="cash").first().save(),
        lambda: Issuer.objects.create(name="New Bank"),
        lambda: Card.objects.get(slug="grocer-cash").save(),
        lambda: SharedCap.objects.first().save(),
        lambda: EarnRule.objects.first().delete(),
        lambda: Bonus.objects.first().delete(),
        lambda: Credit.objects.create(
            card=Card.objects.get(slug="grocer-cash"), name="X", amount=Decimal(5)
        ),
        lambda: Card.objects.get(slug="business-miles").delete(),
    ],
    ids=[
        "currency saved",
        "issuer added",
        "card saved",
        "shared cap saved",
        "rule deleted",
        "bonus deleted",
        "credit added",
        "card deleted",
    ],
)
def test_any_saved_or_deleted_catalog_row_changes_it(
    imported_small: dict[str, Any], change: Any
) -> None:
    before = CatalogVersion.current()

    change()

    assert CatalogVersion.current() != before


def test_each_change_gives_a_new_value(imported_small: dict[str, Any]) -> None:
    seen = {CatalogVersion.current()}
    card = Card.objects.get(slug="grocer-cash")
    for fee in (1, 2, 3):
        card.annual_fee = Decimal(fee)
        card.save()
        seen.add(CatalogVersion.current())

    assert len(seen) == 4
