"""Forms for the catalog pages: the list's GET filters and the comparison's selection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms

from catalog.models import CREDIT_ORDER, CreditBand, Currency, Network
from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES

MAX_COMPARE = 3
MAX_PAGE = 10_000
CARD_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}\Z")

# "Strong in" offers what people shop for; `foreign` and `other` are not bonus categories.
STRONG_CHOICES: list[tuple[str, str]] = [("", "Any category")] + [
    (name, CATEGORY_LABELS[name]) for name in LEAF_CATEGORIES if name not in {"foreign", "other"}
]
STRONG_CHOICES.insert(9, ("travel", "Travel (any)"))

FEE_CHOICES = [("", "Any annual fee"), ("none", "No annual fee"), ("100", "Up to $100")]
CREDIT_CHOICES = [("", "Any credit"), *CreditBand.choices]
CARD_TYPE_CHOICES = [
    ("", "Personal and business"),
    ("personal", "Personal only"),
    ("business", "Business only"),
]
SORT_CHOICES = [
    ("name", "Name"),
    ("fee", "Annual fee, lowest first"),
    ("rate", "Best rate in the “Strong in” category"),
]

_UNKNOWN = "“%(value)s” is not one of the choices; this filter was ignored."


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        error_messages={"invalid_choice": _UNKNOWN},
    )


@dataclass(frozen=True)
class CardFilters:
    """The filters that passed validation; anything invalid is left out (and reported)."""

    q: str = ""
    issuer: str = ""
    network: str = ""
    kind: str = ""
    fee: str = ""
    strong: str = ""
    credit: str = ""
    card_type: str = ""
    sort: str = "name"
    page: int = 1

    def credit_bands(self) -> tuple[str, ...]:
        """Bands a person with `credit` qualifies for (their own and every easier one)."""
        if not self.credit:
            return CREDIT_ORDER
        return CREDIT_ORDER[: CREDIT_ORDER.index(self.credit) + 1]


class CardFilterForm(forms.Form):
    """The catalog's search and filters, read from the query string."""

    q = forms.CharField(
        label="Search cards",
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "Searches are limited to %(limit_value)d characters."},
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Card or bank name", "autocomplete": "off"}
        ),
    )
    issuer = _choice("Issuer", [("", "Any issuer")])
    network = _choice("Network", [("", "Any network"), *Network.choices])
    kind = _choice("Reward kind", [("", "Any kind"), *Currency.Kind.choices])
    fee = _choice("Annual fee", FEE_CHOICES)
    strong = _choice("Strong in", STRONG_CHOICES)
    credit = _choice("Your credit", CREDIT_CHOICES)
    card_type = _choice("Card type", CARD_TYPE_CHOICES)
    sort = _choice("Sort by", SORT_CHOICES)
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "The page number must be a whole number; showing the first page.",
            "min_value": "Page numbers start at 1; showing the first page.",
            "max_value": "There are not that many pages; showing the first page.",
        },
    )

    def __init__(
        self, *args: Any, issuers: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [("", "Any issuer"), *(issuers or [])]

    def enable_active_search(self, url: str) -> None:
        """htmx attributes: the search box fetches as you type, every filter on change.

        The form still submits as a plain GET without JavaScript; these only add the swaps.
        """
        shared = {
            "hx-get": url,
            "hx-include": "closest form",
            "hx-target": "#results",
            "hx-push-url": "true",
            "hx-sync": "closest form:replace",
        }
        for name, field in self.fields.items():
            if name == "page":
                continue
            trigger = "search, keyup delay:300ms changed" if name == "q" else "change"
            field.widget.attrs.update({**shared, "hx-trigger": trigger})

    def filters(self) -> CardFilters:
        """The valid part of the input; call after is_valid()."""
        data = getattr(self, "cleaned_data", {})
        values = {name: data[name] for name in CardFilters.__dataclass_fields__ if data.get(name)}
        if values.get("sort") == "rate" and not values.get("strong"):
            values.pop("sort")
        return CardFilters(**values)

    def problems(self) -> list[str]:
        """Every input problem as one sentence naming the field."""
        lines = [
            f"{self.fields[name].label or 'Page'}: {message}"
            for name, messages in self.errors.items()
            if name != "__all__"
            for message in messages
        ]
        data = getattr(self, "cleaned_data", {})
        if data.get("sort") == "rate" and not data.get("strong"):
            lines.append(
                "Sort by: choose a category under “Strong in” to sort by its best rate; "
                "sorted by name instead."
            )
        return lines


class CompareForm(forms.Form):
    """`?cards=a,b,c`: at most three known card ids."""

    cards = forms.CharField(required=False, max_length=400)

    def __init__(self, *args: Any, known: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known = known

    def clean_cards(self) -> list[str]:
        raw = self.cleaned_data["cards"]
        ids: list[str] = []
        for part in raw.split(","):
            card_id = part.strip()
            if card_id and card_id not in ids:
                ids.append(card_id)
        bad = [card_id for card_id in ids if not CARD_ID_RE.match(card_id)]
        if bad:
            raise forms.ValidationError(
                "“%(ids)s” %(verb)s not a card id.",
                code="malformed",
                params={"ids": "”, “".join(bad[:3]), "verb": "is" if len(bad) == 1 else "are"},
            )
        if len(ids) > MAX_COMPARE:
            raise forms.ValidationError(
                "You can compare up to three cards at a time; you asked for %(count)d. "
                "Remove some and try again.",
                code="too_many",
                params={"count": len(ids)},
            )
        if self.known is not None:
            unknown = [card_id for card_id in ids if card_id not in self.known]
            if unknown:
                raise forms.ValidationError(
                    "We have no card with the id “%(ids)s”.",
                    code="unknown",
                    params={"ids": "”, “".join(unknown)},
                )
        return ids


class CompareToggleForm(forms.Form):
    """Add a card to, or remove it from, the comparison kept in the session."""

    card = forms.CharField(max_length=100)
    # Not named "action": an input of that name would shadow the form's action property in JS.
    op = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
    next = forms.CharField(required=False, max_length=2000)
    # Sent (through hx-include) only when the page shows this card's own toggle, so the answer
    # updates that button too; a swap aimed at a missing element would be an error.
    toggle_shown = forms.BooleanField(required=False)

    def clean_card(self) -> str:
        card_id = self.cleaned_data["card"]
        if not CARD_ID_RE.match(card_id):
            raise forms.ValidationError("That is not a card id.", code="malformed")
        return card_id


class AdminCommaListField(forms.CharField):
    """A list typed as "groceries, dining" or "annual_fee, first_year_fee" (order kept, as the
    file keeps it; a list in the database)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        text = super().to_python(value)
        return [part.strip() for part in text.split(",") if part.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data or "")


class AdminCalendarField(forms.CharField):
    """A rotating calendar as lines "2027Q1: gas, transit" ({quarter: categories} stored)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{key}: {', '.join(names)}" for key, names in value.items())
        return value

    def to_python(self, value: Any) -> dict[str, list[str]]:  # type: ignore[override]
        if isinstance(value, dict):
            return value
        text = super().to_python(value)
        calendar: dict[str, list[str]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            key, sep, names = line.partition(":")
            if not sep or not key.strip():
                raise forms.ValidationError(
                    "Line %(n)d: write a quarter, a colon and its categories, e.g. "
                    "“2027Q1: gas, transit”.",
                    params={"n": number},
                )
            if key.strip() in calendar:
                raise forms.ValidationError(
                    "Line %(n)d: %(key)s is listed twice.", params={"n": number, "key": key.strip()}
                )
            calendar[key.strip()] = [part.strip() for part in names.split(",") if part.strip()]
        return calendar

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(initial or {}) != self.to_python(data or "")
        except forms.ValidationError:
            return True


REPORT_FACTS = [
    ("annual_fee", "Annual fee"),
    ("first_year_fee", "First-year fee"),
    ("foreign_fee", "Foreign transaction fee"),
    ("rates", "Earn rates or categories"),
    ("bonus", "Sign-up bonus"),
    ("credits", "Credits"),
    ("status", "Open or closed to new applicants"),
    ("other", "Something else"),
]


class ProblemReportForm(forms.Form):
    """A visitor's report on a card page: which fact, what they saw, an optional link."""

    fact = forms.ChoiceField(
        label="Which fact is wrong?",
        choices=[("", "Choose one"), *REPORT_FACTS],
        error_messages={"required": "Choose which fact is wrong."},
    )
    seen = forms.CharField(
        label="What did you see?",
        max_length=1000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. “The annual fee is $150 on the issuer’s page since May.”",
        error_messages={
            "required": "Tell us what you saw.",
            "min_length": "Tell us a little more (at least %(limit_value)d characters).",
            "max_length": "Keep it under %(limit_value)d characters.",
        },
    )
    link = forms.URLField(
        label="Link (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The page where you saw it.",
        error_messages={"invalid": "That link is not a web address (https://…)."},
    )
