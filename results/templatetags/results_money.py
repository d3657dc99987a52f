"""Money in result payloads is a decimal string (JSON has no Decimal); compare it as a number."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from results.payloads import dollars

register = template.Library()


@register.filter
def amount(value: str | Decimal | int | None) -> Decimal:
    """The payload's money string as a Decimal ("0.00", "0" and "-0" all compare equal to 0)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


@register.filter
def usd(value: str | Decimal | int | None) -> str:
    """A payload's money string as "$1,234.50", negatives with a true minus: "−$20.00"."""
    return dollars(amount(value))
