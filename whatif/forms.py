"""The what-if form: step 1's amounts (same fields, same rules) plus the wallet size."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from wizard.forms import SpendingForm
from wizard.models import SpendingProfile

WALLET_SIZES = [(1, "1 card"), (2, "Up to 2 cards"), (3, "Up to 3 cards")]


def _amount(value: Decimal) -> str:
    return f"{value:.2f}" if value % 1 else str(int(value))


class WhatIfForm(SpendingForm):
    """Monthly amounts per category and a wallet size; blank amounts mean nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wallet_size"] = forms.TypedChoiceField(
            label="Wallet",
            choices=WALLET_SIZES,
            coerce=int,
            error_messages={
                "required": "Choose 1, 2 or 3 cards.",
                "invalid_choice": "Choose 1, 2 or 3 cards.",
            },
        )

    @classmethod
    def for_profile(cls, profile: SpendingProfile, data: Any = None) -> WhatIfForm:
        """The form prefilled from the saved answer (bound to `data` when given)."""
        initial: dict[str, Any] = {
            category: _amount(amount) for category, amount in profile.spend().items() if amount
        }
        initial["wallet_size"] = profile.wallet_size
        return cls(data, initial=initial)

    @property
    def wallet_size(self) -> int:
        return self.cleaned_data["wallet_size"]

    def monthly_total(self) -> Decimal:
        return sum(self.spend().values(), Decimal("0"))

    def amounts(self) -> list[tuple[str, str]]:
        """The cleaned answer as form fields, for the "Save these amounts" form."""
        fields = [(c, _amount(v)) for c, v in self.spend().items() if v]
        return [*fields, ("wallet_size", str(self.wallet_size))]

    def error_words(self) -> list[str]:
        """Every error as 'Label: message', for the status line of the live panel."""
        words = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            words.extend(f"{label}: {error}" if label else str(error) for error in errors)
        return words
