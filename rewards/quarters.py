"""Calendar quarters as the catalog names them ("2026Q1"), and the year a person's values cover.

A person's year is the four calendar quarters starting with the one `today` falls in: on
2026-12-03 it is 2026Q4, 2027Q1, 2027Q2 and 2027Q3. The engine values a year of uniform spend, so
each of those quarters is one quarter of the year it adds up; a rotating rule earns, in each,
that quarter's published calendar, or nothing beyond the base rate when none is published.
"""

from __future__ import annotations

import re
from datetime import date

_KEY = re.compile(r"^(\d{4})Q([1-4])$")
MONTH_RANGES = ("Jan–Mar", "Apr–Jun", "Jul–Sep", "Oct–Dec")


def quarter_key(day: date) -> str:
    """The quarter a day falls in: 2026-12-03 → "2026Q4"."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def split_key(key: str) -> tuple[int, int] | None:
    """ "2026Q4" → (2026, 4); None for anything else."""
    match = _KEY.match(key) if isinstance(key, str) else None
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def year_quarters(today: date) -> tuple[str, str, str, str]:
    """The person's year: the four quarters starting with today's."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    keys = []
    for _ in range(4):
        keys.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return keys[0], keys[1], keys[2], keys[3]


def quarter_slot(key: str) -> int:
    """Which of Q1..Q4 (0..3) a quarter key is."""
    parts = split_key(key)
    if parts is None:
        raise ValueError(f"not a quarter key: {key!r}")
    return parts[1] - 1


def quarter_label(key: str) -> str:
    """ "2026Q4" → "Oct–Dec 2026"."""
    parts = split_key(key)
    if parts is None:
        raise ValueError(f"not a quarter key: {key!r}")
    return f"{MONTH_RANGES[parts[1] - 1]} {parts[0]}"
