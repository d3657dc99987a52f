"""Signed dollars for the plan's month table: "−$40.33", not "$-40.33"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def dollars(value: str | Decimal | None) -> str:
    """A payload's money string as dollars with cents, the minus sign before the dollar sign."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    text = f"${floatformat(abs(amount), '2g')}"
    return f"−{text}" if amount < 0 else text
