"""Forms for the wizard steps."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Card, Currency
from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from wizard.amounts import DollarField, parse_amount
from wizard.models import MAX_MONTHLY_SPEND, SpendingProfile

# Fields every POST may carry besides the form's own: the CSRF token and the submit buttons.
ALWAYS_ALLOWED_KEYS = frozenset({"csrfmiddlewaretoken", "action"})

SPENDING_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Everyday",
        (
            "groceries",
            "dining",
            "gas",
            "streaming",
            "drugstores",
            "online_retail",
            "wholesale_clubs",
        ),
    ),
    ("Travel", ("airfare", "hotels", "car_rental", "transit", "travel_other", "foreign")),
    (
        "Home and other",
        ("home_improvement", "utilities", "phone_internet", "entertainment", "other"),
    ),
)

SPENDING_HELP: dict[str, str] = {
    "groceries": "Supermarkets and grocery delivery.",
    "dining": "Restaurants, cafés, bars, takeout and food delivery.",
    "transit": "Trains, buses, rideshare, taxis, parking and tolls.",
    "travel_other": "Cruises, tours, travel agencies, other trip costs.",
    "online_retail": "Amazon and other online shops.",
    "wholesale_clubs": "Costco, Sam's Club, BJ's.",
    "home_improvement": "Home Depot, Lowe's, hardware stores.",
    "utilities": "Electricity, gas, water.",
    "entertainment": "Concerts, sports, movies, theme parks.",
    "foreign": "Purchases abroad or in a foreign currency (foreign-transaction fees apply).",
    "other": "Everything that fits nowhere above.",
}


@cache
def _input_frame(name: str) -> tuple[str, str, str]:
    """What a category's input is around its value and errors, escaped once per process:
    (up to `name="…"`, up to the `>` of the input, the help paragraph)."""
    help_text = SPENDING_HELP.get(name, "")
    return (
        f'"><label for="id_{escape(name)}">{escape(CATEGORY_LABELS[name])}</label>'
        f'<input type="text" name="{escape(name)}"',
        f' id="id_{escape(name)}" inputmode="decimal" autocomplete="off" placeholder="0"',
        f'<p class="help" id="id_{escape(name)}_help">{escape(help_text)}</p>' if help_text else "",
    )


@cache
def _plain_input(name: str) -> tuple[str, str]:
    """A category's input without errors: its HTML before and after its value attribute."""
    head, tail, help_html = _input_frame(name)
    described = f' aria-describedby="id_{escape(name)}_help"' if help_html else ""
    return f'<div class="field{head}', f"{tail}{described}>{help_html}</div>"


def _spend_input_html(name: str, value: str, errors: Sequence[str]) -> str:
    # Joined from escaped pieces rather than with format_html: 18 inputs per render of the
    # hottest step, and this is about three times faster (issue 14).
    if not errors:
        before, after = _plain_input(name)
        if not value:
            return before + after
        # The standard library's escape: Django's is the same one behind a lazy-text wrapper.
        return f'{before} value="{html.escape(value)}"{after}'
    head, tail, help_html = _input_frame(name)
    described = f"id_{name}_help id_{name}_errors" if help_html else f"id_{name}_errors"
    parts = ['<div class="field field-invalid', head]
    if value:
        parts.append(f' value="{escape(value)}"')
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    parts += [
        tail,
        f' aria-describedby="{escape(described)}" aria-invalid="true">',
        help_html,
        f'<ul class="errorlist" id="id_{escape(name)}_errors">{items}</ul></div>',
    ]
    return "".join(parts)


def _spend_group_html(
    index: int,
    title: str,
    names: Sequence[str],
    values: Mapping[str, str],
    errors: Mapping[str, Sequence[str]],
    amounts: Mapping[str, Decimal] | None,
) -> str:
    """One group as a disclosure: the first (everyday spending) always open, the others open
    when they hold an amount or an error, so a phone shows a short page and hides nothing
    the person typed. The summary carries the group's own total."""
    typed = [values.get(name, "") for name in names]
    if amounts is None:
        parsed = (parse_amount(value) for value in typed if value)
        subtotal = sum((Decimal(text) for text in parsed if text is not None), Decimal(0))
    else:
        subtotal = sum((amounts[name] for name in names if name in amounts), Decimal(0))
    is_open = index == 0 or any(typed) or any(errors.get(name) for name in names)
    # (Not format_html, for speed as above; the subtotal is digits, commas and a point.)
    heading = html.escape(title)
    return "".join(
        (
            '<details class="spend-details"',
            " open" if is_open else "",
            f"><summary>{heading}",
            f' <span class="help">${subtotal:,.2f} a month</span>' if subtotal else "",
            '</summary><fieldset class="spend-group">',
            f'<legend class="visually-hidden">{heading}</legend>',
            *(
                _spend_input_html(name, value, errors.get(name, ()))
                for name, value in zip(names, typed, strict=True)
            ),
            "</fieldset></details>",
        )
    )


def spend_inputs_html(
    values: Mapping[str, str],
    errors: Mapping[str, Sequence[str]] | None = None,
    *,
    amounts: Mapping[str, Decimal] | None = None,
) -> SafeString:
    """Step 1's fieldsets of inputs as HTML: `values` as typed or saved, and their errors.

    `amounts`: the values already as numbers (saved answers, `Decimal(values[name])` for each
    value), so the group totals need not parse them again.

    Written here rather than with widgets or a template loop: step 1 is the hottest page
    (htmx re-renders it on every preset and submit) and this is several times faster. A page
    with saved answers fills them into a copy of the step rendered once (wizard/views.py).
    """
    return mark_safe(
        "".join(
            _spend_group_html(index, title, names, values, errors or {}, amounts)
            for index, (title, names) in enumerate(SPENDING_GROUPS)
        )
    )


class RejectUnknownFieldsMixin:
    """Rejects POST keys the form does not know, so a tampered request gets a clear message."""

    data: Any
    fields: dict[str, forms.Field]
    extra_allowed_keys: frozenset[str] = frozenset()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        unknown = sorted(
            key
            for key in self.data
            if key not in self.fields
            and key not in ALWAYS_ALLOWED_KEYS
            and key not in self.extra_allowed_keys
        )
        if unknown:
            raise forms.ValidationError(
                "This form does not accept the field(s): %(fields)s.",
                code="unknown_fields",
                params={"fields": ", ".join(unknown[:10])},
            )
        return cleaned


class SpendingForm(RejectUnknownFieldsMixin, forms.Form):
    """Step 1: monthly dollars per leaf category; blank means nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in LEAF_CATEGORIES:
            self.fields[category] = DollarField(
                label=CATEGORY_LABELS[category],
                help_text=SPENDING_HELP.get(category, ""),
                required=False,
                min_value=Decimal("0"),
                max_value=MAX_MONTHLY_SPEND,
                max_digits=12,
                decimal_places=2,
                placeholder="0",
                error_messages={
                    "invalid": "Enter an amount in dollars, like 250, 1,200 or 89.50.",
                    "min_value": "Enter 0 or more: spending can't be negative.",
                    "max_value": "That is more than $1,000,000 a month; check the amount.",
                    "max_decimal_places": "Use at most 2 decimal places (cents).",
                    "max_digits": "That is more than $1,000,000 a month; check the amount.",
                    "max_whole_digits": "That is more than $1,000,000 a month; check the amount.",
                },
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for category in LEAF_CATEGORIES:
            if cleaned.get(category) is None and category not in self.errors:
                cleaned[category] = Decimal("0")
        return cleaned

    def render_groups(self) -> SafeString:
        """The fieldsets of inputs as HTML, with the values as typed (or saved) and the errors."""
        errors = self.errors if self.is_bound else {}
        return spend_inputs_html(
            {name: self._shown_value(name) for name in LEAF_CATEGORIES}, errors
        )

    def _shown_value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name, ""))
        value = self.initial.get(name)
        return "" if value is None else str(value)

    def spend(self) -> dict[str, Decimal]:
        """The cleaned monthly spend for every category."""
        return {category: self.cleaned_data[category] for category in LEAF_CATEGORIES}


def spending_totals(form: forms.Form) -> tuple[Decimal, Decimal] | None:
    """Monthly and yearly totals of whatever valid amounts the form holds, or None if none."""
    return amount_totals(form.data if form.is_bound else form.initial)


def amount_totals(values: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    """Monthly and yearly totals of the valid amounts among `values` (category -> as typed)."""
    typed = (values.get(category) for category in LEAF_CATEGORIES)
    plain = (parse_amount(str(raw)) for raw in typed if raw not in ("", None))
    return totals_of(Decimal(text) for text in plain if text is not None)


def totals_of(amounts: Iterable[Decimal]) -> tuple[Decimal, Decimal] | None:
    """Monthly and yearly totals of the valid ones among these monthly amounts, or None."""
    total = Decimal("0")
    seen = False
    for amount in amounts:
        if amount.is_finite() and Decimal("0") <= amount <= MAX_MONTHLY_SPEND:
            total += amount
            seen = True
    if not seen:
        return None
    total = total.quantize(Decimal("0.01"))
    return total, total * 12


@dataclass(frozen=True)
class CatalogChoices:
    """What step 2 offers from the catalog: issuers, cards to mark as held, point currencies."""

    issuers: list[str]
    cards: list[tuple[str, str]]  # (card id, "Card name (Issuer)")
    currencies: list[tuple[str, str, Decimal]]  # (currency id, name, default cents per point)


def catalog_choices() -> CatalogChoices:
    """The active catalog's issuers, cards and currencies, for the preferences form."""
    cards = Card.objects.active().select_related("issuer").order_by("name")
    currencies = Currency.objects.filter(cards__active=True).distinct().order_by("name")
    return CatalogChoices(
        issuers=sorted({card.issuer.name for card in cards}),
        cards=[(card.slug, f"{card.name} ({card.issuer.name})") for card in cards],
        currencies=[(c.code, c.name, c.cents_per_point) for c in currencies if c.kind != "cash"],
    )


def card_names() -> dict[str, str]:
    """Card id to display name, for every card (inactive ones too: old answers may name them)."""
    return dict(Card.objects.values_list("slug", "name"))


class PreferencesForm(RejectUnknownFieldsMixin, forms.ModelForm):
    """Step 2: what kind of cards to consider and how to rank them."""

    # The held-cards search box only filters the list shown; it is not an answer.
    extra_allowed_keys = frozenset({"held_search"})

    wallet_size = forms.TypedChoiceField(
        label="How many new cards are you willing to carry?",
        choices=[(1, "1 card"), (2, "Up to 2 cards"), (3, "Up to 3 cards")],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose 1, 2 or 3 cards."},
    )
    max_annual_fee = DollarField(
        label="Highest annual fee you'd pay for one card",
        help_text="In dollars. Leave blank for no limit.",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("10000"),
        max_digits=7,
        decimal_places=2,
        error_messages={
            "invalid": "Enter a fee in dollars, like 95, or leave it blank.",
            "min_value": "A fee can't be negative.",
            "max_value": "Enter at most 10,000, or leave it blank for no limit.",
            "max_digits": "Enter at most 10,000, or leave it blank for no limit.",
            "max_whole_digits": "Enter at most 10,000, or leave it blank for no limit.",
            "max_decimal_places": "Use at most 2 decimal places (cents).",
        },
    )
    no_fee_only = forms.BooleanField(
        label="No annual fee only",
        required=False,
        help_text="Only cards with no annual fee; overrides the highest fee above.",
    )
    excluded_issuers = forms.MultipleChoiceField(
        label="Issuers to leave out",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "%(value)s is not an issuer in our catalog."},
    )
    held_cards = forms.MultipleChoiceField(
        label="Cards you already have",
        help_text="They count in every wallet with their fees; we recommend what to add.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "%(value)s is not a card in our catalog."},
    )

    class Meta:
        model = SpendingProfile
        fields = [
            "wallet_size",
            "rank_by",
            "max_annual_fee",
            "credit_band",
            "reward_kind",
            "include_business",
            "count_credits",
            "excluded_issuers",
            "held_cards",
        ]
        labels = {
            "rank_by": "Rank cards by",
            "credit_band": "Your credit",
            "reward_kind": "Kind of rewards",
            "include_business": "Include business cards",
            "count_credits": "Count annual statement credits (only those you'd use anyway)",
        }
        widgets = {
            "rank_by": forms.RadioSelect,
            "reward_kind": forms.RadioSelect,
        }

    def __init__(self, *args: Any, choices: CatalogChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.fields["no_fee_only"].initial = self.instance.max_annual_fee == 0
        self.fields["excluded_issuers"].choices = [(name, name) for name in choices.issuers]
        self.fields["held_cards"].choices = choices.cards
        saved_cpp = self.instance.cents_per_point or {}
        for code, name, default in choices.currencies:
            self.fields[cpp_field(code)] = forms.DecimalField(
                label=name,
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("10"),
                max_digits=7,
                decimal_places=4,
                initial=Decimal(saved_cpp.get(code, default)).normalize(),
                help_text=f"Our default: {default.normalize()}¢",
                error_messages={
                    "invalid": "Enter a value in cents, like 1.25.",
                    "min_value": "A point can't be worth less than nothing.",
                    "max_value": "Enter at most 10 cents a point.",
                    "max_digits": "Enter at most 10 cents a point.",
                    "max_whole_digits": "Enter at most 10 cents a point.",
                    "max_decimal_places": "Use at most 4 decimal places.",
                },
                widget=forms.NumberInput(
                    attrs={"inputmode": "decimal", "min": "0", "step": "0.01"}
                ),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("no_fee_only"):
            # The checkbox is the plain way to say "no-fee cards only"; it wins over a typed fee.
            cleaned["max_annual_fee"] = Decimal("0")
            self.errors.pop("max_annual_fee", None)
        return cleaned

    def cpp_fields(self) -> list[forms.BoundField]:
        """The point-value fields, one per reward currency."""
        return [self[cpp_field(code)] for code, _, _ in self.choices.currencies]

    def held_card_options(self) -> list[tuple[str, str, bool]]:
        """(card id, label, held) for every card, held ones first, as the checkbox list shows."""
        held = set(self["held_cards"].value() or [])
        options = [(slug, label, slug in held) for slug, label in self.choices.cards]
        return sorted(options, key=lambda option: not option[2])

    def save(self, commit: bool = True) -> SpendingProfile:
        profile = super().save(commit=False)
        profile.cents_per_point = {
            code: str(value.normalize())
            for code, _, default in self.choices.currencies
            if (value := self.cleaned_data.get(cpp_field(code))) is not None and value != default
        }
        profile.preferences_saved = True
        if commit:
            profile.save()
        return profile


def cpp_field(currency_code: str) -> str:
    """The form field name holding one currency's cents-per-point value."""
    return f"cpp_{currency_code}"
