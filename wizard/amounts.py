"""Dollar amounts as typed: "1,200", "$45" and " 89.50 " are amounts; "1.2.3" and "12e3" are not.

The inputs are text fields with a decimal keypad (inputmode="decimal") rather than number fields:
a number field may send a blank for "1,200" in some browsers, which would silently lose the amount.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

# An optional minus (so "-5" gets the "can't be negative" message, not "not a number"), an
# optional dollar sign, then digits with optional thousands commas in the right places, then cents.
_AMOUNT = re.compile(r"^(?P<sign>-?)\s*\$?\s*(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?P<cents>\.\d*)?$")


def parse_amount(text: str) -> str | None:
    """The plain decimal text of a typed amount, or None when it is not one."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    whole = match["whole"].replace(",", "")
    cents = match["cents"] or ""
    if not whole and len(cents) < 2:
        return None  # "$", ".", "" are not amounts
    if cents == ".":
        cents = ""  # "5." is five dollars
    return f"{match['sign']}{whole or '0'}{cents}"


class DollarField(forms.DecimalField):
    """A DecimalField that accepts commas, a dollar sign and spaces, and nothing exotic."""

    def __init__(self, *, placeholder: str | None = None, **kwargs: Any) -> None:
        attrs = {"inputmode": "decimal", "autocomplete": "off"}
        if placeholder is not None:
            attrs["placeholder"] = placeholder
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # DecimalField would add min/max/step, which only number inputs understand.
        return forms.Field.widget_attrs(self, widget)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            if not value.strip():
                return None
            plain = parse_amount(value)
            if plain is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            value = plain
        return super().to_python(value)
