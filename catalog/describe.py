"""A card's rules in plain words: "6% back on groceries on up to $6,000 a year, then 1%"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from catalog.models import Card, Currency, EarnRule
from rewards.categories import CATEGORY_LABELS
from rewards.quarters import quarter_label, year_quarters

PER_WORDS = {"month": "a month", "quarter": "a quarter", "year": "a year"}
EACH_WORDS = {"month": "each month", "quarter": "each quarter", "year": "each year"}


def category_words(name: str) -> str:
    """A category or group id as words in a sentence."""
    if name == "travel":
        return "travel"
    label = CATEGORY_LABELS.get(name, name.replace("_", " "))
    return label[0].lower() + label[1:]


def join_words(items: list[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def plain_number(value: Decimal) -> str:
    """1.5 → "1.5", 2.000 → "2"."""
    text = format(value.normalize(), "f")
    return text


def dollars(value: Decimal) -> str:
    """$6,000 or $7.50."""
    if value == value.to_integral_value():
        return f"${int(value):,}"
    return f"${value:,.2f}"


def rate_words(rate: Decimal, currency: Currency, *, short: bool = False) -> str:
    """6% back, 3 points per dollar, 2 miles per dollar (short: 6%, 3x, 2x)."""
    number = plain_number(rate)
    if currency.kind == Currency.Kind.CASH:
        return f"{number}%" if short else f"{number}% back"
    if short:
        return f"{number}x"
    unit = "mile" if currency.kind == Currency.Kind.MILES else "point"
    return f"{number} {unit}{'' if rate == 1 else 's'} per dollar"


def return_percent(rate: Decimal, currency: Currency) -> Decimal:
    """What a rate is worth in percent of spend at the currency's default value."""
    return (rate * currency.cents_per_point).quantize(Decimal("0.01")).normalize()


def cap_words(rule: EarnRule, card: Card) -> str:
    """ ", on up to $6,000 a year, then 1%" or "" for an uncapped rule."""
    # "then 1%" reads well for cash; "then 1x" does not, so points and miles get the long form.
    then = rate_words(card.base_rate, card.currency, short=card.currency.kind == "cash")
    if rule.cap_key:
        cap = next((c for c in card.shared_caps.all() if c.key == rule.cap_key), None)
        if cap is None:
            return ""
        others = [
            other
            for other in card.rules.all()
            if other.cap_key == rule.cap_key and other.pk != rule.pk
        ]
        shared = " shared with the card's other capped categories" if others else ""
        return f" on up to {dollars(cap.amount)} {PER_WORDS[cap.per]}{shared}, then {then}"
    if rule.cap_amount is not None and rule.cap_per:
        return f" on up to {dollars(rule.cap_amount)} {PER_WORDS[rule.cap_per]}, then {then}"
    return ""


def calendar_words(rotating: dict[str, list[str]], today: date | None = None) -> str:
    """The quarters of the person's year and their categories, or "not announced yet".

    An empty quarter is one whose announced categories are none of ours (a charity, a store we
    do not track): it earns the base rate like everything else. A calendar from an @1 file
    (Q1..Q4) applies to every year and is shown as it is.
    """

    def names(items: list[str]) -> str:
        return join_words([category_words(n) for n in items]) or "none we track"

    if set(rotating) <= {"Q1", "Q2", "Q3", "Q4"}:
        return "; ".join(f"{quarter}: {names(items)}" for quarter, items in rotating.items())
    parts = []
    for key in year_quarters(today or timezone.localdate()):
        items = rotating.get(key)
        parts.append(
            f"{quarter_label(key)}: {'not announced yet' if items is None else names(items)}"
        )
    return "; ".join(parts)


def rule_sentence(rule: EarnRule, card: Card, today: date | None = None) -> str:
    """One earn rule as a sentence."""
    rate = rate_words(rule.rate, card.currency)
    cap = cap_words(rule, card)
    if rule.rotating:
        quarters = calendar_words(rule.rotating, today)
        return f"{rate} in categories that change each quarter{cap} ({quarters})"
    names = [category_words(name) for name in rule.categories or []]
    if rule.pick == EarnRule.Pick.TOP:
        period = EACH_WORDS.get(_cap_period(rule, card) or "month", "each month")
        listed = join_words(names, "or")
        return f"{rate} on whichever of {listed} you spend the most on {period}{cap}"
    if rule.choose:
        how_many = "one category" if rule.choose == 1 else f"{rule.choose} categories"
        return f"{rate} on {how_many} you choose from {join_words(names, 'or')}{cap}"
    return f"{rate} on {join_words(names)}{cap}"


def _cap_period(rule: EarnRule, card: Card) -> str | None:
    if rule.cap_key:
        cap = next((c for c in card.shared_caps.all() if c.key == rule.cap_key), None)
        return cap.per if cap else None
    return rule.cap_per or None


def base_sentence(card: Card) -> str:
    everything = "everything else" if card.rules.all() else "every purchase"
    return f"{rate_words(card.base_rate, card.currency)} on {everything}"


def bonus_sentence(card: Card) -> str | None:
    """The sign-up bonus in words, with its dollar value for points and miles."""
    bonus = card.get_bonus()
    if bonus is None:
        return None
    value = Decimal(bonus.points) * card.currency.cents_per_point / 100
    window = f"in the first {bonus.months} month{'s' if bonus.months != 1 else ''}"
    spend = f"after you spend {dollars(bonus.min_spend)} {window}"
    if card.currency.kind == Currency.Kind.CASH:
        return f"{dollars(value)} back {spend}"
    unit = "miles" if card.currency.kind == Currency.Kind.MILES else "points"
    return f"{bonus.points:,} {unit} {spend} (worth about {dollars(value.quantize(Decimal(1)))})"


def fee_words(card: Card) -> str:
    """ "$95 a year ($0 the first year)" or "No annual fee"."""
    if card.annual_fee == 0:
        return "No annual fee"
    text = f"{dollars(card.annual_fee)} a year"
    if card.first_year_fee is not None and card.first_year_fee != card.annual_fee:
        text += f" ({dollars(card.first_year_fee)} the first year)"
    return text


def foreign_fee_words(card: Card) -> str:
    if card.foreign_fee_pct == 0:
        return "None"
    return f"{plain_number(card.foreign_fee_pct)}% of each purchase abroad"


def headline_rates(card: Card, limit: int = 3) -> list[str]:
    """The card's best few rates, short: "6% groceries"."""
    items = []
    for rule in sorted(card.rules.all(), key=lambda r: r.rate, reverse=True):
        names = rule.category_names()
        label = "rotating categories" if rule.rotating else ", ".join(map(category_words, names))
        if rule.choose and not rule.rotating:
            label = "a category you choose" if rule.pick != "top" else "your top category"
        items.append(f"{rate_words(rule.rate, card.currency, short=True)} {label}")
        if len(items) == limit:
            break
    items.append(f"{rate_words(card.base_rate, card.currency, short=True)} everything else")
    return items
