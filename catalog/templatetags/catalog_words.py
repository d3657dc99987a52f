"""Template filters that put a card's terms into words (see catalog.describe)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django import template

from catalog import describe
from catalog.models import Card, EarnRule

register = template.Library()


@register.filter
def fee_words(card: Card) -> str:
    return describe.fee_words(card)


@register.filter
def foreign_fee_words(card: Card) -> str:
    return describe.foreign_fee_words(card)


@register.filter
def headline_rates(card: Card) -> list[str]:
    return describe.headline_rates(card)


@register.filter
def rule_sentence(rule: EarnRule, card: Card) -> str:
    return describe.rule_sentence(rule, card)


@register.filter
def base_sentence(card: Card) -> str:
    return describe.base_sentence(card)


@register.filter
def bonus_sentence(card: Card) -> str | None:
    return describe.bonus_sentence(card)


@register.filter
def dollars(value: Decimal) -> str:
    return describe.dollars(value)


@register.filter
def plain_number(value: Decimal) -> str:
    return describe.plain_number(value)


@register.filter
def source_host(url: str) -> str:
    """A source's site, for the link text: "www.chase.com"."""
    return urlsplit(url).netloc or url
