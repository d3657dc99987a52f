"""Card terms in plain words (catalog.describe), for the rule shapes real cards use."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import describe
from catalog.models import Card, Currency, EarnRule, Issuer, SharedCap

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(db: None) -> Card:
    points = Currency.objects.create(
        code="pts", name="Points", kind="points", cents_per_point=Decimal("1.25")
    )
    return Card.objects.create(
        slug="words-card",
        name="Words Card",
        issuer=Issuer.objects.create(name="Words Bank"),
        network="visa",
        currency=points,
        annual_fee=Decimal("550"),
        first_year_fee=Decimal("0"),
        foreign_fee_pct=Decimal("0"),
        base_rate=Decimal("1"),
        source_url="https://www.example.com/",
        verified_on="2026-10-01",
    )


def test_choose_two_categories(card: Card) -> None:
    rule = EarnRule.objects.create(
        card=card, categories=["dining", "gas", "groceries"], choose=2, rate=Decimal("2")
    )

    assert describe.rule_sentence(rule, card) == (
        "2 points per dollar on 2 categories you choose from dining and delivery, "
        "gas and EV charging or groceries"
    )


def test_a_shared_cap_on_one_rule_alone(card: Card) -> None:
    SharedCap.objects.create(card=card, key="pool", amount=Decimal("1000"), per="month")
    rule = EarnRule.objects.create(
        card=card, categories=["travel"], rate=Decimal("1.5"), cap_key="pool"
    )

    assert describe.rule_sentence(rule, card) == (
        "1.5 points per dollar on travel on up to $1,000 a month, then 1 point per dollar"
    )


def test_money_and_numbers() -> None:
    assert describe.dollars(Decimal("6000")) == "$6,000"
    assert describe.dollars(Decimal("7.5")) == "$7.50"
    assert describe.plain_number(Decimal("2.000")) == "2"
    assert describe.plain_number(Decimal("1.50")) == "1.5"
    assert describe.join_words(["a", "b", "c"], "or") == "a, b or c"


def test_fees_and_a_card_with_no_rules(card: Card) -> None:
    assert describe.fee_words(card) == "$550 a year ($0 the first year)"
    assert describe.foreign_fee_words(card) == "None"
    assert describe.base_sentence(card) == "1 point per dollar on every purchase"
    assert describe.bonus_sentence(card) is None
    assert describe.headline_rates(card) == ["1x everything else"]
