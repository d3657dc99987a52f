"""Checking a catalog dict value by value, collecting every problem instead of stopping at one.

`Checker` records problems as (owner, field path, reason) while the format's readers
(rewards.catalog, rewards.evidence) build typed records; `CatalogError` carries them all.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- errors --------------------------------------------------------------------------------


# The database keeps URLs of at most this many characters (catalog.models).
MAX_URL_LENGTH = 500


@dataclass(frozen=True)
class CatalogProblem:
    """One problem: whose (card id, currency id or "file"), which field, and why."""

    card_id: str
    field: str
    reason: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.card_id}: {self.field}: {self.reason}"
        return f"{self.card_id}: {self.reason}"


class CatalogError(ValueError):
    """The catalog was rejected; `errors` lists every problem found."""

    def __init__(self, errors: list[CatalogProblem]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors

    @property
    def problems(self) -> list[CatalogProblem]:
        """The same list as `errors`."""
        return self.errors


# --- reading values -------------------------------------------------------------------------------


class Invalid(Exception):
    """A value failed its check; the problem is already recorded."""


class Checker:
    """Collects problems while reading one catalog dict."""

    def __init__(self) -> None:
        self.problems: list[CatalogProblem] = []
        self.owner = "file"

    def fail(self, path: str, reason: str) -> Invalid:
        self.problems.append(CatalogProblem(self.owner, path, reason))
        return Invalid()

    def obj(
        self, value: Any, path: str, allowed: tuple[str, ...], required: frozenset[str] | tuple
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be an object")
        # Unknown and missing keys are recorded, and the known fields are still read, so that
        # every problem in the object is reported at once.
        for key in value:
            if key not in allowed:
                self.fail(join(path, str(key)), "unknown field")
        for key in allowed:
            if key in required and key not in value:
                self.fail(join(path, key), "is required")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "must be a string")
        if not value.strip():
            raise self.fail(path, "must not be empty")
        return value

    def number(self, value: Any, path: str, maximum: Decimal | None = None) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self.fail(path, "must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(path, "must be a finite number")
        if isinstance(value, Decimal) and not value.is_finite():
            raise self.fail(path, "must be a finite number")
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if number < 0:
            raise self.fail(path, "must not be negative")
        if maximum is not None and number > maximum:
            raise self.fail(path, f"must be at most {maximum}")
        return number

    def whole(self, value: Any, path: str, minimum: int = 0) -> int:
        number = self.number(value, path)
        if number != number.to_integral_value():
            raise self.fail(path, "must be a whole number")
        if number < minimum:
            raise self.fail(path, f"must be at least {minimum}")
        return int(number)

    def enum(self, value: Any, path: str, allowed: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(path, f"must be one of {', '.join(allowed)} (got {value!r})")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, "must be true or false")
        return value

    def ident(self, value: Any, path: str, pattern: re.Pattern[str], what: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise self.fail(path, f"must be a {what} (got {value!r})")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise self.fail(path, "must be a list")
        return list(value)

    def day(self, value: Any, path: str) -> date:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise self.fail(path, f"must be a date written YYYY-MM-DD (got {value!r})")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(path, f"is not a real date (got {value!r})") from None

    def url(self, value: Any, path: str) -> str:
        text = self.text(value, path)
        parts = urlsplit(text)
        if parts.scheme != "https" or not parts.netloc or any(ch.isspace() for ch in text):
            raise self.fail(path, f"must be an https:// URL (got {text!r})")
        if len(text) > MAX_URL_LENGTH:
            # The database keeps at most this much: a longer URL would pass here and fail import.
            raise self.fail(path, f"must be at most {MAX_URL_LENGTH} characters (has {len(text)})")
        return text

    def field(self, data: dict[str, Any], key: str, path: str, read: Any, *args: Any) -> Any:
        """Read data[key] with `read` if present; None if absent or invalid."""
        if key not in data:
            return None
        try:
            return read(data[key], join(path, key), *args)
        except Invalid:
            return None


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
