"""Money in result payloads is a decimal string (JSON has no Decimal); compare it as a number."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def amount(value: str | Decimal | int | None) -> Decimal:
    """The payload's money string as a Decimal ("0.00", "0" and "-0" all compare equal to 0)."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")
