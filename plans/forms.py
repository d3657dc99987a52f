"""The plan form: held cards with the month opened, other recent cards, bonuses received, and
the shape of the plan (horizon, how many new cards, months between applications).

Every answer is checked here, with a message a person can act on; the roadmap engine checks
again (rewards.roadmap raises EngineError), but a person never sees its wording for bad input.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.forms import formset_factory

from rewards.options import EngineError
from rewards.roadmap.timeline import month_text, parse_month
from wizard.forms import RejectUnknownFieldsMixin

# Rows the form offers at most, and blank rows added to what is filled in.
MAX_HELD = 12
MAX_BONUSES = 12
EXTRA_ROWS = 2
MAX_OTHER_RECENT = 20
# The live pages offer at most 4 new cards: 5 and more can take the exact search many seconds
# (docs/roadmap.md, Benchmarks).
MAX_NEW_CARDS = 4
MONTH_WORDS = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def month_label(text: str) -> str:
    """ "2027-01" → "January 2027"."""
    year, month = text.split("-")
    return date(int(year), int(month), 1).strftime("%B %Y")


class MonthField(forms.CharField):
    """A calendar month, "YYYY-MM" (what <input type="month"> sends), not after `latest`."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def __init__(self, *args: Any, latest: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        super().__init__(*args, **kwargs)
        self.latest = latest
        self.error_messages["max_length"] = "Enter a month as YYYY-MM, like 2025-03."

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return text
        match = MONTH_WORDS.match(text)
        if match is None:
            raise forms.ValidationError("Enter a month as YYYY-MM, like 2025-03.", code="format")
        normal = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
        try:
            month = parse_month(normal, "this month")
        except EngineError:
            raise forms.ValidationError(
                "%(value)s is not a real month: months run from 01 to 12 and years from 1900.",
                code="impossible",
                params={"value": text.strip()},
            ) from None
        if self.latest is not None and month > parse_month(self.latest, "today"):
            raise forms.ValidationError(
                "%(value)s is in the future: enter a month up to %(latest)s.",
                code="future",
                params={"value": month_label(normal), "latest": month_label(self.latest)},
            )
        return month_text(month)


class CardMonthForm(forms.Form):
    """One row: a card from the catalog and a month; a blank row is simply not counted."""

    card = forms.ChoiceField(required=False)
    month = MonthField(required=False)

    def __init__(self, *args: Any, cards: list[tuple[str, str]], today: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [("", "— choose a card —"), *cards]
        self.fields["card"].error_messages["invalid_choice"] = (
            "That card is not in our catalog: choose one from the list."
        )
        self.fields["month"].latest = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        card, month = cleaned.get("card"), cleaned.get("month")
        if card and not month and "month" not in self.errors:
            self.add_error("month", "Enter the month (YYYY-MM).")
        if month and not card and "card" not in self.errors:
            self.add_error("card", "Choose the card for this month.")
        return cleaned


class BaseCardMonthFormSet(forms.BaseFormSet):
    """Rows of (card, month); `what` names the rows in messages."""

    what = "card"
    repeat_message = "%(card)s is listed twice: list each card once."

    def __init__(self, *args: Any, cards: list[tuple[str, str]], today: str, **kwargs: Any):
        self.cards = cards
        self.today = today
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"cards": self.cards, "today": self.today}

    def rows(self) -> list[tuple[str, str]]:
        """The filled rows, in order."""
        return [
            (form.cleaned_data["card"], form.cleaned_data["month"])
            for form in self.forms
            if form.cleaned_data.get("card") and form.cleaned_data.get("month")
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        names = dict(self.cards)
        seen: set[Any] = set()
        for key in self.keys():
            if key in seen:
                raise forms.ValidationError(
                    self.repeat_message,
                    code="duplicate",
                    params={"card": names[key if isinstance(key, str) else key[0]]},
                )
            seen.add(key)

    def keys(self) -> list[Any]:
        return [card for card, _ in self.rows()]


class HeldFormSet(BaseCardMonthFormSet):
    repeat_message = "%(card)s is listed twice among your cards: list each card once."


class BonusFormSet(BaseCardMonthFormSet):
    repeat_message = "The %(card)s bonus is listed twice for the same month."

    def keys(self) -> list[Any]:
        return self.rows()


def held_formset(data: Any = None, **kwargs: Any) -> HeldFormSet:
    factory = formset_factory(
        CardMonthForm,
        formset=HeldFormSet,
        extra=EXTRA_ROWS,
        max_num=MAX_HELD,
        absolute_max=MAX_HELD,
        validate_max=True,
    )
    formset = factory(
        data, prefix="held", error_messages=_too_many("cards you have", MAX_HELD), **kwargs
    )
    return formset


def bonus_formset(data: Any = None, **kwargs: Any) -> BonusFormSet:
    factory = formset_factory(
        CardMonthForm,
        formset=BonusFormSet,
        extra=EXTRA_ROWS,
        max_num=MAX_BONUSES,
        absolute_max=MAX_BONUSES,
        validate_max=True,
    )
    return factory(data, prefix="bonus", error_messages=_too_many("bonuses", MAX_BONUSES), **kwargs)


def _too_many(what: str, most: int) -> dict[str, str]:
    message = f"This form takes at most {most} {what}; list the {most} most recent."
    return {"too_many_forms": message, "missing_management_form": _TAMPERED}


_TAMPERED = "Part of this form was missing or changed; the form has been reset, please try again."


class PlanForm(RejectUnknownFieldsMixin, forms.Form):
    """The plan's own answers; the rows of cards are the formsets above."""

    months = forms.TypedChoiceField(
        label="Plan over",
        choices=[(12, "12 months"), (24, "24 months")],
        coerce=int,
        initial=24,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a plan of 12 or 24 months."},
    )
    max_new = forms.IntegerField(
        label="New cards at most",
        min_value=1,
        max_value=MAX_NEW_CARDS,
        initial=3,
        help_text=f"1 to {MAX_NEW_CARDS}.",
        error_messages={
            "min_value": f"Choose 1 to {MAX_NEW_CARDS} new cards.",
            "max_value": f"Choose 1 to {MAX_NEW_CARDS} new cards: more takes too long to plan.",
            "invalid": f"Enter a whole number of cards, 1 to {MAX_NEW_CARDS}.",
        },
    )
    spacing = forms.IntegerField(
        label="Months between applications, at least",
        min_value=1,
        max_value=12,
        initial=3,
        help_text="1 to 12. Spacing applications out is kinder to your credit score.",
        error_messages={
            "min_value": "Enter 1 to 12 months.",
            "max_value": "Enter 1 to 12 months.",
            "invalid": "Enter a whole number of months, 1 to 12.",
        },
    )
    other_recent = forms.IntegerField(
        label="Other personal cards opened in the last 24 months",
        min_value=0,
        max_value=MAX_OTHER_RECENT,
        initial=0,
        help_text="Cards not listed above (store cards, cards we don't carry). Issuers count them.",
        error_messages={
            "min_value": "Enter 0 or more.",
            "max_value": f"Enter at most {MAX_OTHER_RECENT}.",
            "invalid": "Enter a whole number of cards.",
        },
    )
    other_months = forms.CharField(
        label="The months they were opened (optional)",
        required=False,
        max_length=200,
        help_text=(
            "Like 2025-06, 2026-02. Without months we count them as opened this month, "
            "the cautious reading of issuers' rules."
        ),
    )
    # Which saved answers to plan with (a results token); the view resolves it, falling back
    # to the session's answers, so nothing here can be wrong about it.
    answers = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, today: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        if self.is_bound:
            # The formsets' own fields travel in the same POST.
            self.extra_allowed_keys = frozenset(
                key for key in self.data if key.startswith(("held-", "bonus-"))
            )

    def clean_other_months(self) -> list[str]:
        text = self.cleaned_data.get("other_months") or ""
        months: list[str] = []
        field = MonthField(latest=self.today)
        oldest = parse_month(self.today, "today") - 23
        for part in re.split(r"[,\s;]+", text.strip()):
            if not part:
                continue
            month = field.clean(part)
            if parse_month(month, "month") < oldest:
                raise forms.ValidationError(
                    "%(value)s is more than 24 months ago: leave that card out.",
                    code="too_old",
                    params={"value": month_label(month)},
                )
            months.append(month)
        return months

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        months = cleaned.get("other_months")
        count = cleaned.get("other_recent")
        if months and count is not None and len(months) != count:
            self.add_error(
                "other_months",
                f"You gave {len(months)} month{'s' if len(months) != 1 else ''} for "
                f"{count} card{'s' if count != 1 else ''}: give one month per card, or none.",
            )
        return cleaned
