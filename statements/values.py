"""Cell values of US statement exports: dates (month first) and dollar amounts."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from statements.errors import StatementError, quote
from statements.limits import MAX_AMOUNT

CENT = Decimal("0.01")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# A time of day some exports append to the date ("2026-01-15 00:00:00", "1/15/2026 3:04 PM").
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:\s?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
# (pattern, order of the year, month and day groups). Slashes and dashes with the year last are
# read month first: these are US exports, where 03/04 is the 4th of March.
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + _TIME), order)
    for pattern, order in (
        (r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})", "mdy"),
        (r"(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})", "mdy"),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", "mdy"),
        (r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", "ymd"),
        (r"(\d{4})(\d{2})(\d{2})", "ymd"),
        (r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ ,-]\s*(\d{4}|\d{2})", "dMy"),
        (r"([A-Za-z]{3,9})\.?[ -](\d{1,2}),?[ -]\s*(\d{4}|\d{2})", "Mdy"),
    )
)
_FIRST_YEAR, _LAST_YEAR = 1990, 2099

# Spaces may sit between a sign or symbol and the number, never inside the number.
_SPLIT_NUMBER = re.compile(r"[\d.,]\s+[\d.,]")
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,4})?|\.\d{1,4}")


def _unreadable_date(text: str) -> StatementError:
    """The error for a date cell we cannot read."""
    return StatementError(f"unreadable date {quote(text)}")


def parse_date(text: str) -> date:
    """A transaction date in any of the usual US export formats, or a StatementError."""
    value = text.strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        first, second, third = match.groups()
        if order == "mdy":
            month, day, year = int(first), int(second), third
        elif order == "ymd":
            year, month, day = first, int(second), int(third)
        elif order == "dMy":
            day, month, year = int(first), _MONTHS.get(second.lower(), 0), third
        else:
            month, day, year = _MONTHS.get(first.lower(), 0), int(second), third
        # Two-digit years in bank exports are always this century.
        full_year = 2000 + int(year) if len(year) == 2 else int(year)
        if not _FIRST_YEAR <= full_year <= _LAST_YEAR:
            raise _unreadable_date(text)
        try:
            return date(full_year, month, day)
        except ValueError:
            raise _unreadable_date(text) from None
    raise _unreadable_date(text)


def parse_amount(text: str) -> Decimal | None:
    """A dollar amount with its sign as written, in cents; None for an empty cell."""
    if _SPLIT_NUMBER.search(text):
        raise StatementError(f"unreadable amount {quote(text)}")
    value = "".join(text.split())  # "$ 1,234.56" and "- 12.00" occur
    if not value:
        return None
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    elif value.endswith("-") and len(value) > 1:
        negative, value = True, value[:-1]  # a trailing minus, as some mainframe exports write
    value = value.removesuffix("USD").removeprefix("USD")
    # One sign, before or after the dollar sign: "-$12.00" and "$-12.00" are both written.
    value = value.removeprefix("$")
    if value[:1] in ("-", "\u2212", "+") and not negative:
        negative, value = value[0] != "+", value[1:].removeprefix("$")
    if not _NUMBER.fullmatch(value):
        raise StatementError(f"unreadable amount {quote(text)}")
    amount = Decimal(value.replace(",", ""))
    # Compared before rounding: a 30-digit number does not fit Decimal's precision in cents.
    if amount > MAX_AMOUNT:
        raise StatementError(f"amount {quote(text)} is too large to be a card transaction")
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return -amount if negative else amount
