"""Months of a roadmap: "YYYY-MM" text, month numbers 1..H after `today`, their quarters.

A month is held as one whole number, year × 12 + (month − 1), so month arithmetic is plain
subtraction. Month t of a plan (1 ≤ t ≤ H) is `today + t`.
"""

from __future__ import annotations

import re
from datetime import date

from rewards.options import EngineError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: object, what: str) -> int:
    """ "2026-12" → an absolute month number; EngineError for anything else or impossible."""
    if isinstance(text, date):
        return text.year * 12 + text.month - 1
    match = _MONTH.match(text) if isinstance(text, str) else None
    if match is None:
        raise EngineError(f"{what} must be a month written YYYY-MM (got {text!r})")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise EngineError(f"{what} is not a real month (got {text!r}: months run 01-12)")
    if not 1900 <= year <= 2200:
        raise EngineError(f"{what} has an implausible year (got {text!r})")
    return year * 12 + month - 1


def month_text(absolute: int) -> str:
    """An absolute month number as "YYYY-MM"."""
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


def quarter_of(absolute: int) -> str:
    """The calendar quarter key ("2027Q1") an absolute month falls in."""
    return f"{absolute // 12}Q{(absolute % 12) // 3 + 1}"


def quarter_start(key: str) -> date:
    """The first day of a quarter key."""
    year, quarter = int(key[:4]), int(key[5])
    return date(year, 3 * (quarter - 1) + 1, 1)
