"""Per-merchant totals over a date span: all the import keeps, and the monthly averages from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from statements.errors import StatementError
from statements.limits import MAX_AMOUNT, MAX_MERCHANTS, MAX_ROWS
from statements.skips import REASONS
from statements.values import CENT

VERSION = 1
# An average month: 365.25 / 12 days.
DAYS_PER_MONTH = Decimal("30.4375")
# Below this many days the review page should say the figures cover less than a month.
SHORT_SPAN_DAYS = 28
# Key of the line that folds a category's smallest merchants together (see MAX_MERCHANTS).
FOLDED = "*"


@dataclass(frozen=True)
class FileReport:
    """One uploaded file: its detected format and what was counted or skipped in it."""

    name: str
    format: str
    label: str
    purchases: int = 0
    # Rows that are no purchases, by reason (statements.skips.REASONS).
    skipped: Mapping[str, int] = field(default_factory=dict)
    # Set when the same bytes were uploaded twice: the copy is counted once, under this name.
    duplicate_of: str | None = None


@dataclass(frozen=True)
class MerchantTotal:
    """All purchases at one merchant that fell in one automatic category."""

    key: str
    name: str
    auto_category: str
    total: Decimal
    count: int
    # The category it counts in: the person's choice if they moved it, else auto_category.
    category: str = ""

    @property
    def moved(self) -> bool:
        """Whether the person moved this merchant out of its automatic category."""
        return self.category != self.auto_category


@dataclass(frozen=True)
class CategoryTotal:
    """One category of the review table."""

    category: str
    label: str
    total: Decimal
    monthly: Decimal
    # Biggest first.
    merchants: tuple[MerchantTotal, ...]

    def top(self, limit: int = 5) -> tuple[MerchantTotal, ...]:
        """The biggest merchants of the category."""
        return self.merchants[:limit]


def monthly_average(total: Decimal, days: int) -> Decimal:
    """A total over `days` days as a monthly figure, in cents."""
    # A span shorter than an average month counts as one month: one statement's first and last
    # purchases fall a few days inside its cycle, and scaling that up would overstate spending.
    if days <= 0:
        raise ValueError("a span has at least one day")
    if days <= DAYS_PER_MONTH:
        return total.quantize(CENT, rounding=ROUND_HALF_UP)
    return (total * DAYS_PER_MONTH / days).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Summary:
    """The result of an import: per-merchant totals, their date span and the files read."""

    start: date
    end: date
    merchants: tuple[MerchantTotal, ...]
    files: tuple[FileReport, ...]
    # merchant key -> category the person moved it to.
    overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def days(self) -> int:
        """Days from the first to the last purchase, both included."""
        return (self.end - self.start).days + 1

    @property
    def short_span(self) -> bool:
        """Whether the purchases cover less than about a month."""
        return self.days < SHORT_SPAN_DAYS

    @property
    def total(self) -> Decimal:
        """All purchases together."""
        return sum((merchant.total for merchant in self.merchants), Decimal(0))

    def category_totals(self) -> dict[str, Decimal]:
        """Total per leaf category, every category present, in wizard order."""
        totals = dict.fromkeys(LEAF_CATEGORIES, Decimal(0))
        for merchant in self.merchants:
            totals[merchant.category] += merchant.total
        return totals

    def monthly_spend(self) -> dict[str, Decimal]:
        """Monthly average per leaf category, in cents: what "Use these numbers" puts in step 1."""
        return {
            category: monthly_average(total, self.days)
            for category, total in self.category_totals().items()
        }

    def categories(self) -> list[CategoryTotal]:
        """The review table: categories with purchases, in wizard order, merchants biggest first."""
        by_category: dict[str, list[MerchantTotal]] = {}
        for merchant in self.merchants:
            by_category.setdefault(merchant.category, []).append(merchant)
        rows = []
        for category in LEAF_CATEGORIES:
            merchants = by_category.get(category)
            if not merchants:
                continue
            merchants.sort(key=lambda merchant: (-merchant.total, merchant.name, merchant.key))
            total = sum((merchant.total for merchant in merchants), Decimal(0))
            rows.append(
                CategoryTotal(
                    category=category,
                    label=CATEGORY_LABELS[category],
                    total=total,
                    monthly=monthly_average(total, self.days),
                    merchants=tuple(merchants),
                )
            )
        return rows

    def merchant(self, key: str) -> MerchantTotal:
        """One merchant line by key; a StatementError when there is none."""
        for merchant in self.merchants:
            if merchant.key == key:
                return merchant
        raise StatementError("that merchant is not in these statements")

    def move(self, key: str, category: str) -> Summary:
        """A copy with one merchant counted in another category (back home clears the move)."""
        return self.with_overrides({**self.overrides, key: category})

    def with_overrides(self, overrides: Mapping[str, str]) -> Summary:
        """A copy with these merchant moves (key -> category) in place of the current ones."""
        known = {merchant.key: merchant for merchant in self.merchants}
        kept = {}
        for key, category in overrides.items():
            if key not in known:
                raise StatementError("that merchant is not in these statements")
            if category not in LEAF_CATEGORIES:
                raise StatementError(f'"{category}" is not a spending category')
            if category != known[key].auto_category:
                kept[key] = category
        merchants = tuple(
            replace(merchant, category=kept.get(merchant.key, merchant.auto_category))
            for merchant in self.merchants
        )
        return replace(self, merchants=merchants, overrides=kept)

    def to_dict(self) -> dict[str, Any]:
        """The summary as a small JSON-able dict: no transaction, only per-merchant totals."""
        return {
            "version": VERSION,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "merchants": [
                {
                    "key": merchant.key,
                    "name": merchant.name,
                    "category": merchant.auto_category,
                    "total": str(merchant.total),
                    "count": merchant.count,
                }
                for merchant in self.merchants
            ],
            "overrides": dict(self.overrides),
            "files": [
                {
                    "name": report.name,
                    "format": report.format,
                    "label": report.label,
                    "purchases": report.purchases,
                    "skipped": dict(report.skipped),
                    "duplicate_of": report.duplicate_of,
                }
                for report in self.files
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Summary:
        """A summary back from to_dict() output; a StatementError if it was altered or is stale."""
        try:
            return _from_dict(data)
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError, StatementError):
            raise _stale() from None


def _stale() -> StatementError:
    """The error for session data that is no summary of ours."""
    return StatementError("the imported statements are no longer readable; upload them again")


def _text(value: Any, limit: int = 300) -> str:
    """A string from session data, refused if it is none or too long."""
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError("not a short string")
    return value


def _count(value: Any) -> int:
    """A count from session data, refused if it is none or out of range."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ROWS:
        raise ValueError("not a count")
    return value


def _from_dict(data: Any) -> Summary:
    """Summary.from_dict without the error translation."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise _stale()
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    if end < start:
        raise ValueError("span ends before it starts")
    merchants = []
    for item in data["merchants"]:
        category = _text(item["category"])
        total = Decimal(_text(item["total"], 20))
        if category not in LEAF_CATEGORIES or not 0 < total <= MAX_AMOUNT * MAX_ROWS:
            raise ValueError("bad merchant line")
        merchants.append(
            MerchantTotal(
                key=_text(item["key"]),
                name=_text(item["name"]),
                auto_category=category,
                total=total.quantize(CENT),
                count=_count(item["count"]),
                category=category,
            )
        )
    if len({merchant.key for merchant in merchants}) != len(merchants):
        raise ValueError("duplicate merchant keys")
    if len(merchants) > MAX_MERCHANTS + len(LEAF_CATEGORIES):
        raise ValueError("too many merchant lines")
    files = tuple(
        FileReport(
            name=_text(item["name"]),
            format=_text(item["format"]),
            label=_text(item["label"]),
            purchases=_count(item["purchases"]),
            skipped={
                _text(reason): _count(number)
                for reason, number in item["skipped"].items()
                if reason in REASONS
            },
            duplicate_of=None if item["duplicate_of"] is None else _text(item["duplicate_of"]),
        )
        for item in data["files"]
    )
    overrides = {_text(key): _text(value) for key, value in data["overrides"].items()}
    summary = Summary(start=start, end=end, merchants=tuple(merchants), files=files)
    return summary.with_overrides(overrides)


def build(
    totals: Mapping[tuple[str, str], tuple[str, Decimal, int]],
    start: date,
    end: date,
    files: Iterable[FileReport],
) -> Summary:
    """A summary from (category, merchant slug) -> (name, total, count)."""
    # Past MAX_MERCHANTS lines, each category's smallest merchants are folded into one line,
    # "N other merchants", which can still be moved as a whole.
    lines = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))
    kept, folded = lines[:MAX_MERCHANTS], lines[MAX_MERCHANTS:]
    merchants = [
        MerchantTotal(f"{category}:{slug}", name, category, total, count, category)
        for (category, slug), (name, total, count) in kept
    ]
    rest: dict[str, tuple[int, Decimal, int]] = {}
    for (category, _), (_, total, count) in folded:
        merchants_before, total_before, count_before = rest.get(category, (0, Decimal(0), 0))
        rest[category] = (merchants_before + 1, total_before + total, count_before + count)
    for category, (number, total, count) in rest.items():
        name = f"{number} other merchants"
        merchants.append(
            MerchantTotal(f"{category}:{FOLDED}", name, category, total, count, category)
        )
    return Summary(start=start, end=end, merchants=tuple(merchants), files=tuple(files))
