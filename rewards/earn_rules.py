"""Earn rules in the catalog file: caps, shared caps, rules, rotating calendars (@1 and @2).

Read and written for `rewards.catalog`, which documents the format; `Cap`, `SharedCap`,
`EarnRule` and the constants are re-exported there.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from rewards.categories import CATEGORY_GROUPS, RULE_CATEGORIES, expand
from rewards.checker import Checker, Invalid
from rewards.quarters import quarter_slot, split_key

PERIODS: tuple[str, ...] = ("month", "quarter", "year")
PERIODS_PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4, "year": 1}
QUARTERS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")
PICKS: tuple[str, ...] = ("top",)
_CAP_ID = re.compile(r"^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$")
RULE_FIELDS = ("categories", "rotating", "choose", "pick", "rate", "cap")
_CAP_KEYS = ("amount", "per")
_SHARED_CAP_KEYS = ("id", "amount", "per")


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cap:
    """A spend limit in dollars per period, after which the base rate applies."""

    amount: Decimal
    per: str

    @property
    def per_year(self) -> Decimal:
        """The limit over a year of uniform spend."""
        return self.amount * PERIODS_PER_YEAR[self.per]


@dataclass(frozen=True)
class SharedCap:
    """A cap declared once on a card and named by several of its rules."""

    id: str
    amount: Decimal
    per: str

    @property
    def cap(self) -> Cap:
        """The limit itself."""
        return Cap(self.amount, self.per)


@dataclass(frozen=True)
class EarnRule:
    """One earn rule; exactly one of `categories` and `rotating` is non-empty."""

    rate: Decimal
    categories: tuple[str, ...] = ()
    # The four quarters the engine values, Q1..Q4 (None for a fixed rule). From an @1 file:
    # its calendar, for every year. From @2: `calendar` for the person's year the catalog was
    # built for (Catalog.year), with () for a quarter that has no published calendar.
    rotating: tuple[tuple[str, ...], ...] | None = None
    cap: Cap | None = None
    # Id of one of the card's shared caps (instead of `cap`).
    shared_cap: str | None = None
    choose: int | None = None
    pick: str | None = None
    # @2: the published calendar, ("2026Q1", categories) pairs in time order; None from @1.
    calendar: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    @property
    def leaves(self) -> tuple[str, ...]:
        """Every leaf category the rule can ever cover."""
        if self.calendar is not None:
            return expand([name for _, quarter in self.calendar for name in quarter])
        if self.rotating is not None:
            return expand([name for quarter in self.rotating for name in quarter])
        return expand(self.categories)

    @property
    def every_year(self) -> bool:
        """A rotating rule from an @1 file, whose Q1..Q4 apply to every year."""
        return self.rotating is not None and self.calendar is None

    def categories_in(self, quarter: str) -> tuple[str, ...] | None:
        """A rotating rule's categories in a quarter ("2027Q1"); None if none was published."""
        if self.calendar is not None:
            return dict(self.calendar).get(quarter)
        if self.rotating is not None:
            return self.rotating[quarter_slot(quarter)]
        return None

    def for_year(self, quarters: tuple[str, ...]) -> EarnRule:
        """The rule with `rotating` set to the calendar of these four quarters."""
        if self.calendar is None:
            return self
        slots: list[tuple[str, ...]] = [(), (), (), ()]
        for key in quarters:
            slots[quarter_slot(key)] = self.categories_in(key) or ()
        rotating = tuple(slots)
        return self if rotating == self.rotating else replace(self, rotating=rotating)


# --- reading -------------------------------------------------------------------------------


def parse_shared_caps(check: Checker, raw: Any) -> list[tuple[int, SharedCap]]:
    """The valid shared caps with their positions in the list."""
    try:
        items = check.array(raw, "shared_caps")
    except Invalid:
        return []
    result: list[tuple[int, SharedCap]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"shared_caps[{index}]"
        try:
            obj = check.obj(item, path, _SHARED_CAP_KEYS, _SHARED_CAP_KEYS)
        except Invalid:
            continue
        before = len(check.problems)
        cap_id = check.field(obj, "id", path, check.ident, _CAP_ID, "cap id")
        if cap_id is not None:
            if cap_id in seen:
                check.fail(f"{path}.id", f"duplicate shared cap id {cap_id!r}")
            seen.add(cap_id)
        amount = check.field(obj, "amount", path, check.number)
        per = check.field(obj, "per", path, check.enum, PERIODS)
        if len(check.problems) == before and None not in (cap_id, amount, per):
            result.append((index, SharedCap(id=cap_id, amount=amount, per=per)))
    return result


def _parse_cap(value: Any, path: str, check: Checker, shared: set[str]) -> Cap | str:
    if isinstance(value, str):
        if value not in shared:
            raise check.fail(path, f"unknown shared cap {value!r}")
        return value
    if not isinstance(value, dict):
        raise check.fail(path, "must be an object {amount, per} or the id of a shared cap")
    obj = check.obj(value, path, _CAP_KEYS, _CAP_KEYS)
    before = len(check.problems)
    amount = check.field(obj, "amount", path, check.number)
    per = check.field(obj, "per", path, check.enum, PERIODS)
    if len(check.problems) > before or amount is None or per is None:
        raise Invalid()
    return Cap(amount=amount, per=per)


def _category_list(check: Checker, value: Any, path: str, *, allow_empty: bool) -> tuple[str, ...]:
    items = check.array(value, path)
    if not items and not allow_empty:
        raise check.fail(path, "must list at least one category")
    ok = True
    covered: dict[str, str] = {}
    for index, name in enumerate(items):
        item_path = f"{path}[{index}]"
        if not isinstance(name, str):
            check.fail(item_path, "must be a category name")
            ok = False
            continue
        if name not in RULE_CATEGORIES:
            check.fail(item_path, f"unknown category {name!r}")
            ok = False
            continue
        for leaf in CATEGORY_GROUPS.get(name, (name,)):
            if leaf in covered:
                other = covered[leaf]
                why = "listed twice" if other == name else f"overlaps {other!r}"
                check.fail(item_path, f"category {name!r} {why}")
                ok = False
                break
            covered[leaf] = name
    if not ok:
        raise Invalid()
    return tuple(items)


def parse_rules(
    check: Checker, raw: Any, shared: set[str], v2: bool
) -> tuple[list[EarnRule], set[str]]:
    used: set[str] = set()
    try:
        items = check.array(raw, "rules")
    except Invalid:
        return [], used
    result: list[EarnRule] = []
    for index, item in enumerate(items):
        path = f"rules[{index}]"
        try:
            obj = check.obj(item, path, RULE_FIELDS, ("rate",))
        except Invalid:
            continue
        if isinstance(obj.get("cap"), str):
            used.add(obj["cap"])
        rule = _parse_rule(check, obj, path, shared, v2)
        if rule is not None:
            result.append(rule)
    return result, used


def _parse_rule(
    check: Checker, obj: dict[str, Any], path: str, shared: set[str], v2: bool
) -> EarnRule | None:
    before = len(check.problems)
    rate = check.field(obj, "rate", path, check.number)
    categories: tuple[str, ...] | None = None
    rotating: tuple[tuple[str, ...], ...] | None = None
    calendar: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    has_categories, has_rotating = "categories" in obj, "rotating" in obj
    if has_categories and has_rotating:
        check.fail(path, "has both categories and rotating; use one")
    elif not has_categories and not has_rotating:
        check.fail(path, "needs categories or rotating")
    if has_categories:
        with contextlib.suppress(Invalid):
            categories = _category_list(
                check, obj["categories"], f"{path}.categories", allow_empty=False
            )
    if has_rotating and v2:
        calendar = _parse_calendar(check, obj["rotating"], f"{path}.rotating")
    elif has_rotating:
        rotating = _parse_rotating(check, obj["rotating"], f"{path}.rotating")
    cap: Cap | str | None = None
    if "cap" in obj:
        with contextlib.suppress(Invalid):
            cap = _parse_cap(obj["cap"], f"{path}.cap", check, shared)
    choose = None
    if "choose" in obj:
        choose = check.field(obj, "choose", path, check.whole, 1)
        if has_rotating:
            check.fail(f"{path}.choose", "a rotating rule cannot also choose categories")
        elif choose is not None and categories is not None and choose > len(categories):
            check.fail(
                f"{path}.choose",
                f"choose {choose} is more than the {len(categories)} listed categories",
            )
    pick = None
    if "pick" in obj:
        pick = check.field(obj, "pick", path, check.enum, PICKS)
        if "choose" not in obj:
            check.fail(f"{path}.pick", 'pick "top" needs choose (e.g. "choose": 1)')
    if len(check.problems) > before or rate is None:
        return None
    return EarnRule(
        rate=rate,
        categories=categories or (),
        rotating=rotating,
        cap=cap if isinstance(cap, Cap) else None,
        shared_cap=cap if isinstance(cap, str) else None,
        choose=choose,
        pick=pick,
        calendar=calendar,
    )


def _parse_calendar(
    check: Checker, value: Any, path: str
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """@2: the published quarters, keyed "2026Q1"; a quarter not listed is not announced."""
    if not isinstance(value, dict):
        check.fail(path, 'must be an object of quarters, e.g. {"2026Q1": ["dining"]}')
        return None
    if not value:
        check.fail(path, "must list at least one quarter's published categories")
        return None
    ok = True
    quarters: list[tuple[tuple[int, int], str, tuple[str, ...]]] = []
    for key, names in value.items():
        parts = split_key(key)
        if key in QUARTERS:
            check.fail(f"{path}.{key}", f"catalog@2 names the year of a quarter: write 2026{key}")
            ok = False
        elif parts is None or not 2000 <= parts[0] <= 2099:
            check.fail(f"{path}.{key}", "unknown quarter: write YYYYQn, e.g. 2026Q1")
            ok = False
        else:
            try:
                categories = _category_list(check, names, f"{path}.{key}", allow_empty=True)
                quarters.append((parts, key, categories))
            except Invalid:
                ok = False
    if not ok:
        return None
    return tuple((key, categories) for _, key, categories in sorted(quarters))


def _parse_rotating(check: Checker, value: Any, path: str) -> tuple[tuple[str, ...], ...] | None:
    if not isinstance(value, dict):
        check.fail(path, "must be an object with Q1, Q2, Q3 and Q4")
        return None
    ok = True
    for key in value:
        if key not in QUARTERS:
            check.fail(f"{path}.{key}", "unknown quarter")
            ok = False
    quarters: list[tuple[str, ...]] = []
    for quarter in QUARTERS:
        if quarter not in value:
            check.fail(f"{path}.{quarter}", "missing quarter")
            ok = False
            continue
        try:
            quarters.append(
                _category_list(check, value[quarter], f"{path}.{quarter}", allow_empty=True)
            )
        except Invalid:
            ok = False
    return tuple(quarters) if ok else None


# --- writing -------------------------------------------------------------------------------


def number(value: Decimal | int) -> int | float:
    """A whole value as int, any other as float (the file's number rule)."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _cap_to_dict(cap: Cap) -> dict[str, Any]:
    return {"amount": number(cap.amount), "per": cap.per}


def rule_to_dict(rule: EarnRule, year: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.calendar is not None:
        out["rotating"] = {key: list(names) for key, names in rule.calendar}
    elif rule.rotating is not None:
        # An @1 calendar (every year) is written as the year its card was last checked: the
        # one year someone vouched for (docs/catalog-format.md, "Reading catalog@1").
        out["rotating"] = {
            f"{year}{q}": list(names) for q, names in zip(QUARTERS, rule.rotating, strict=True)
        }
    else:
        out["categories"] = list(rule.categories)
    if rule.choose is not None:
        out["choose"] = rule.choose
    if rule.pick is not None:
        out["pick"] = rule.pick
    out["rate"] = number(rule.rate)
    if rule.shared_cap is not None:
        out["cap"] = rule.shared_cap
    elif rule.cap is not None:
        out["cap"] = _cap_to_dict(rule.cap)
    return out
