"""The card catalog: typed records, and the `creditcard-guru/catalog@1` file format (PRODUCT.md §6).

`parse_catalog` checks the whole file before building anything and raises one `CatalogError`
listing every problem (card or currency id, field path, reason). `catalog_to_dict` writes the
canonical form back; its rules, which an export must follow to reproduce a file byte for byte:

- top-level keys `format`, `currencies`, `cards`; currencies and cards keep their order;
- keys inside objects in the order of the §6 example, with `shared_caps` just before `rules`
  and a rule's keys as `categories` | `rotating`, `choose`, `pick`, `rate`, `cap`;
- an optional card field is omitted exactly when it equals its default: `first_year_fee`
  equal to `annual_fee`, `foreign_fee_pct` 0, `business` false, `shared_caps` and `credits`
  empty, no `bonus`; a rule's `cap`, `choose` and `pick` are omitted when absent;
- numbers: a whole value is written as an int (95, not 95.0), any other as a float (2.7);
- category lists are kept as written (groups such as `travel` are not expanded).

Text: `json.dumps(catalog_to_dict(c), indent=2, ensure_ascii=False) + "\\n"`.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rewards.categories import CATEGORY_GROUPS, RULE_CATEGORIES, expand

FORMAT = "creditcard-guru/catalog@1"

CURRENCY_KINDS: tuple[str, ...] = ("cash", "points", "miles")
NETWORKS: tuple[str, ...] = ("visa", "mastercard", "amex", "discover")
# Best first: a person with band X can get cards whose minimum band is X or lower.
CREDIT_BANDS: tuple[str, ...] = ("excellent", "good", "fair", "limited")
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
PERIODS_PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4, "year": 1}
QUARTERS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")
PICKS: tuple[str, ...] = ("top",)

_CARD_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CURRENCY_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_CAP_ID = re.compile(r"^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_CURRENCY_KEYS = ("id", "name", "kind", "cents_per_point")
_CARD_KEYS = (
    "id",
    "name",
    "issuer",
    "network",
    "currency",
    "annual_fee",
    "first_year_fee",
    "foreign_fee_pct",
    "credit",
    "business",
    "base_rate",
    "shared_caps",
    "rules",
    "bonus",
    "credits",
    "source_url",
    "verified_on",
)
_CARD_REQUIRED = frozenset(
    {"id", "name", "issuer", "network", "currency", "annual_fee", "credit", "base_rate"}
    | {"rules", "source_url", "verified_on"}
)
_RULE_KEYS = ("categories", "rotating", "choose", "pick", "rate", "cap")
_CAP_KEYS = ("amount", "per")
_SHARED_CAP_KEYS = ("id", "amount", "per")
_BONUS_KEYS = ("points", "min_spend", "months")
_CREDIT_KEYS = ("name", "amount", "per")


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Currency:
    """A reward currency and its default value in cents per point."""

    id: str
    name: str
    kind: str
    cents_per_point: Decimal


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
    # Q1..Q4 category lists, or None for a fixed rule.
    rotating: tuple[tuple[str, ...], ...] | None = None
    cap: Cap | None = None
    # Id of one of the card's shared caps (instead of `cap`).
    shared_cap: str | None = None
    choose: int | None = None
    pick: str | None = None

    @property
    def leaves(self) -> tuple[str, ...]:
        """Every leaf category the rule can ever cover."""
        if self.rotating is not None:
            return expand([name for quarter in self.rotating for name in quarter])
        return expand(self.categories)


@dataclass(frozen=True)
class Bonus:
    """A sign-up bonus: points after `min_spend` dollars within `months` months."""

    points: int
    min_spend: Decimal
    months: int


@dataclass(frozen=True)
class Credit:
    """A statement credit worth `amount` dollars per period, if the person uses it."""

    name: str
    amount: Decimal
    per: str

    @property
    def per_year(self) -> Decimal:
        """Dollars a year."""
        return self.amount * PERIODS_PER_YEAR[self.per]


@dataclass(frozen=True)
class Card:
    """One credit card as the catalog file describes it."""

    id: str
    name: str
    issuer: str
    network: str
    currency: str
    annual_fee: Decimal
    first_year_fee: Decimal
    foreign_fee_pct: Decimal
    credit: str
    business: bool
    base_rate: Decimal
    rules: tuple[EarnRule, ...]
    source_url: str
    verified_on: date
    shared_caps: tuple[SharedCap, ...] = ()
    bonus: Bonus | None = None
    credits: tuple[Credit, ...] = ()

    @property
    def credits_per_year(self) -> Decimal:
        """All the card's credits in dollars a year."""
        return sum((credit.per_year for credit in self.credits), Decimal(0))


@dataclass(frozen=True)
class Catalog:
    """Currencies and cards, in file order."""

    currencies: tuple[Currency, ...]
    cards: tuple[Card, ...]
    format: str = field(default=FORMAT)

    @cached_property
    def cards_by_id(self) -> dict[str, Card]:
        """Cards by id."""
        return {card.id: card for card in self.cards}

    @cached_property
    def currencies_by_id(self) -> dict[str, Currency]:
        """Currencies by id."""
        return {currency.id: currency for currency in self.currencies}

    def card(self, card_id: str) -> Card:
        """The card with this id (KeyError if none)."""
        return self.cards_by_id[card_id]

    def currency(self, currency_id: str) -> Currency:
        """The currency with this id (KeyError if none)."""
        return self.currencies_by_id[currency_id]


# --- errors --------------------------------------------------------------------------------


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


# --- parsing -------------------------------------------------------------------------------


class _Invalid(Exception):
    """A value failed its check; the problem is already recorded."""


class _Checker:
    """Collects problems while reading one catalog dict."""

    def __init__(self) -> None:
        self.problems: list[CatalogProblem] = []
        self.owner = "file"

    def fail(self, path: str, reason: str) -> _Invalid:
        self.problems.append(CatalogProblem(self.owner, path, reason))
        return _Invalid()

    def obj(
        self, value: Any, path: str, allowed: tuple[str, ...], required: frozenset[str] | tuple
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be an object")
        # Unknown and missing keys are recorded, and the known fields are still read, so that
        # every problem in the object is reported at once.
        for key in value:
            if key not in allowed:
                self.fail(_join(path, str(key)), "unknown field")
        for key in allowed:
            if key in required and key not in value:
                self.fail(_join(path, key), "is required")
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
        return text

    def field(self, data: dict[str, Any], key: str, path: str, read: Any, *args: Any) -> Any:
        """Read data[key] with `read` if present; None if absent or invalid."""
        if key not in data:
            return None
        try:
            return read(data[key], _join(path, key), *args)
        except _Invalid:
            return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_catalog(data: dict[str, Any]) -> Catalog:
    """Validate a whole catalog dict and build it, or raise CatalogError listing every problem."""
    check = _Checker()
    if not isinstance(data, dict):
        check.fail("", "the catalog must be one JSON object")
        raise CatalogError(check.problems)
    check.obj(data, "", ("format", "currencies", "cards"), ("format", "currencies", "cards"))
    if "format" in data and data["format"] != FORMAT:
        check.fail("format", f"must be {FORMAT!r} (got {data['format']!r})")

    currencies = _parse_currencies(check, data.get("currencies", []))
    known_currencies = {currency.id for currency in currencies if currency is not None}
    # Ids that failed their own checks still count as declared, so cards using them are not
    # reported a second time.
    declared_currencies = known_currencies | _raw_ids(data.get("currencies"))
    cards = _parse_cards(check, data.get("cards", []), declared_currencies)

    if check.problems:
        raise CatalogError(check.problems)
    return Catalog(
        currencies=tuple(c for c in currencies if c is not None),
        cards=tuple(c for c in cards if c is not None),
    )


def _raw_ids(items: Any) -> set[str]:
    if not isinstance(items, list):
        return set()
    return {
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def _parse_currencies(check: _Checker, raw: Any) -> list[Currency | None]:
    check.owner = "file"
    try:
        items = check.array(raw, "currencies")
    except _Invalid:
        return []
    seen: dict[str, int] = {}
    result: list[Currency | None] = []
    for index, item in enumerate(items):
        check.owner = "file"
        owner_path = f"currencies[{index}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            check.owner, owner_path = item["id"], ""
        try:
            obj = check.obj(item, owner_path, _CURRENCY_KEYS, _CURRENCY_KEYS)
        except _Invalid:
            result.append(None)
            continue
        before = len(check.problems)
        cid = check.field(obj, "id", owner_path, check.ident, _CURRENCY_ID, "currency id")
        if cid is not None:
            if cid in seen:
                reason = f"duplicate currency id (also currencies[{seen[cid]}])"
                check.fail(_join(owner_path, "id"), reason)
            else:
                seen[cid] = index
        name = check.field(obj, "name", owner_path, check.text)
        kind = check.field(obj, "kind", owner_path, check.enum, CURRENCY_KINDS)
        cpp = check.field(obj, "cents_per_point", owner_path, check.number)
        if len(check.problems) > before or None in (cid, name, kind, cpp):
            result.append(None)
            continue
        result.append(Currency(id=cid, name=name, kind=kind, cents_per_point=cpp))
    check.owner = "file"
    return result


def _parse_cards(check: _Checker, raw: Any, currencies: set[str]) -> list[Card | None]:
    check.owner = "file"
    try:
        items = check.array(raw, "cards")
    except _Invalid:
        return []
    seen: dict[str, int] = {}
    result: list[Card | None] = []
    for index, item in enumerate(items):
        check.owner = f"cards[{index}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            check.owner = item["id"]
            if item["id"] in seen:
                check.fail("id", f"duplicate card id (also cards[{seen[item['id']]}])")
            else:
                seen[item["id"]] = index
        result.append(_parse_card(check, item, currencies))
    check.owner = "file"
    return result


def _parse_card(check: _Checker, item: Any, currencies: set[str]) -> Card | None:
    before = len(check.problems)
    try:
        obj = check.obj(item, "", _CARD_KEYS, _CARD_REQUIRED)
    except _Invalid:
        return None
    f = check.field
    card_id = f(obj, "id", "", check.ident, _CARD_ID, "card id (a-z, 0-9 and hyphens)")
    name = f(obj, "name", "", check.text)
    issuer = f(obj, "issuer", "", check.text)
    network = f(obj, "network", "", check.enum, NETWORKS)
    currency = f(obj, "currency", "", check.text)
    if currency is not None and currency not in currencies:
        check.fail("currency", f"unknown currency {currency!r}")
    annual_fee = f(obj, "annual_fee", "", check.number)
    first_year_fee = f(obj, "first_year_fee", "", check.number)
    foreign_fee = f(obj, "foreign_fee_pct", "", check.number, Decimal(100))
    credit = f(obj, "credit", "", check.enum, CREDIT_BANDS)
    business = f(obj, "business", "", check.boolean)
    base_rate = f(obj, "base_rate", "", check.number)
    shared_caps = _parse_shared_caps(check, obj.get("shared_caps", []))
    shared_ids = {cap.id for _, cap in shared_caps} | _raw_ids(obj.get("shared_caps"))
    rules, used_caps = _parse_rules(check, obj.get("rules", []), shared_ids)
    for index, cap in shared_caps:
        if cap.id not in used_caps:
            check.fail(f"shared_caps[{index}].id", f"shared cap {cap.id!r} is not used by any rule")
    bonus = f(obj, "bonus", "", _parse_bonus, check)
    credits = _parse_credits(check, obj.get("credits", []))
    source_url = f(obj, "source_url", "", check.url)
    verified_on = f(obj, "verified_on", "", check.day)
    if len(check.problems) > before:
        return None
    assert card_id and name and issuer and network and currency and credit and source_url
    assert annual_fee is not None and base_rate is not None and verified_on is not None
    return Card(
        id=card_id,
        name=name,
        issuer=issuer,
        network=network,
        currency=currency,
        annual_fee=annual_fee,
        first_year_fee=annual_fee if first_year_fee is None else first_year_fee,
        foreign_fee_pct=Decimal(0) if foreign_fee is None else foreign_fee,
        credit=credit,
        business=bool(business),
        base_rate=base_rate,
        shared_caps=tuple(cap for _, cap in shared_caps),
        rules=tuple(rules),
        bonus=bonus,
        credits=tuple(credits),
        source_url=source_url,
        verified_on=verified_on,
    )


def _parse_shared_caps(check: _Checker, raw: Any) -> list[tuple[int, SharedCap]]:
    """The valid shared caps with their positions in the list."""
    try:
        items = check.array(raw, "shared_caps")
    except _Invalid:
        return []
    result: list[tuple[int, SharedCap]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"shared_caps[{index}]"
        try:
            obj = check.obj(item, path, _SHARED_CAP_KEYS, _SHARED_CAP_KEYS)
        except _Invalid:
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


def _parse_cap(value: Any, path: str, check: _Checker, shared: set[str]) -> Cap | str:
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
        raise _Invalid()
    return Cap(amount=amount, per=per)


def _category_list(check: _Checker, value: Any, path: str, *, allow_empty: bool) -> tuple[str, ...]:
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
        raise _Invalid()
    return tuple(items)


def _parse_rules(check: _Checker, raw: Any, shared: set[str]) -> tuple[list[EarnRule], set[str]]:
    used: set[str] = set()
    try:
        items = check.array(raw, "rules")
    except _Invalid:
        return [], used
    result: list[EarnRule] = []
    for index, item in enumerate(items):
        path = f"rules[{index}]"
        try:
            obj = check.obj(item, path, _RULE_KEYS, ("rate",))
        except _Invalid:
            continue
        if isinstance(obj.get("cap"), str):
            used.add(obj["cap"])
        rule = _parse_rule(check, obj, path, shared)
        if rule is not None:
            result.append(rule)
    return result, used


def _parse_rule(
    check: _Checker, obj: dict[str, Any], path: str, shared: set[str]
) -> EarnRule | None:
    before = len(check.problems)
    rate = check.field(obj, "rate", path, check.number)
    categories: tuple[str, ...] | None = None
    rotating: tuple[tuple[str, ...], ...] | None = None
    has_categories, has_rotating = "categories" in obj, "rotating" in obj
    if has_categories and has_rotating:
        check.fail(path, "has both categories and rotating; use one")
    elif not has_categories and not has_rotating:
        check.fail(path, "needs categories or rotating")
    if has_categories:
        with contextlib.suppress(_Invalid):
            categories = _category_list(
                check, obj["categories"], f"{path}.categories", allow_empty=False
            )
    if has_rotating:
        rotating = _parse_rotating(check, obj["rotating"], f"{path}.rotating")
    cap: Cap | str | None = None
    if "cap" in obj:
        with contextlib.suppress(_Invalid):
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
    )


def _parse_rotating(check: _Checker, value: Any, path: str) -> tuple[tuple[str, ...], ...] | None:
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
        except _Invalid:
            ok = False
    return tuple(quarters) if ok else None


def _parse_bonus(value: Any, path: str, check: _Checker) -> Bonus:
    obj = check.obj(value, path, _BONUS_KEYS, _BONUS_KEYS)
    before = len(check.problems)
    points = check.field(obj, "points", path, check.whole)
    min_spend = check.field(obj, "min_spend", path, check.number)
    months = check.field(obj, "months", path, check.whole, 1)
    if len(check.problems) > before or None in (points, min_spend, months):
        raise _Invalid()
    return Bonus(points=points, min_spend=min_spend, months=months)


def _parse_credits(check: _Checker, raw: Any) -> list[Credit]:
    try:
        items = check.array(raw, "credits")
    except _Invalid:
        return []
    result: list[Credit] = []
    for index, item in enumerate(items):
        path = f"credits[{index}]"
        try:
            obj = check.obj(item, path, _CREDIT_KEYS, _CREDIT_KEYS)
        except _Invalid:
            continue
        before = len(check.problems)
        name = check.field(obj, "name", path, check.text)
        amount = check.field(obj, "amount", path, check.number)
        per = check.field(obj, "per", path, check.enum, PERIODS)
        if len(check.problems) == before and None not in (name, amount, per):
            result.append(Credit(name=name, amount=amount, per=per))
    return result


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate a catalog file; unreadable or non-JSON files raise CatalogError too."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        reason = f"cannot read {path}: {error.strerror or error}"
        raise CatalogError([CatalogProblem("file", "", reason)]) from None
    except UnicodeDecodeError as error:
        reason = f"{path} is not UTF-8 text ({error.reason} at byte {error.start})"
        raise CatalogError([CatalogProblem("file", "", reason)]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        reason = f"{path} is not valid JSON: {error.msg} ({where})"
        raise CatalogError([CatalogProblem("file", "", reason)]) from None
    return parse_catalog(data)


# --- writing -------------------------------------------------------------------------------


def _number(value: Decimal | int) -> int | float:
    """A whole value as int, any other as float (the file's number rule)."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _cap_to_dict(cap: Cap) -> dict[str, Any]:
    return {"amount": _number(cap.amount), "per": cap.per}


def _rule_to_dict(rule: EarnRule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.rotating is not None:
        out["rotating"] = {q: list(names) for q, names in zip(QUARTERS, rule.rotating, strict=True)}
    else:
        out["categories"] = list(rule.categories)
    if rule.choose is not None:
        out["choose"] = rule.choose
    if rule.pick is not None:
        out["pick"] = rule.pick
    out["rate"] = _number(rule.rate)
    if rule.shared_cap is not None:
        out["cap"] = rule.shared_cap
    elif rule.cap is not None:
        out["cap"] = _cap_to_dict(rule.cap)
    return out


def card_to_dict(card: Card) -> dict[str, Any]:
    """One card in canonical file form."""
    out: dict[str, Any] = {
        "id": card.id,
        "name": card.name,
        "issuer": card.issuer,
        "network": card.network,
        "currency": card.currency,
        "annual_fee": _number(card.annual_fee),
    }
    if card.first_year_fee != card.annual_fee:
        out["first_year_fee"] = _number(card.first_year_fee)
    if card.foreign_fee_pct != 0:
        out["foreign_fee_pct"] = _number(card.foreign_fee_pct)
    out["credit"] = card.credit
    if card.business:
        out["business"] = True
    out["base_rate"] = _number(card.base_rate)
    if card.shared_caps:
        out["shared_caps"] = [
            {"id": cap.id, "amount": _number(cap.amount), "per": cap.per}
            for cap in card.shared_caps
        ]
    out["rules"] = [_rule_to_dict(rule) for rule in card.rules]
    if card.bonus is not None:
        out["bonus"] = {
            "points": card.bonus.points,
            "min_spend": _number(card.bonus.min_spend),
            "months": card.bonus.months,
        }
    if card.credits:
        out["credits"] = [
            {"name": credit.name, "amount": _number(credit.amount), "per": credit.per}
            for credit in card.credits
        ]
    out["source_url"] = card.source_url
    out["verified_on"] = card.verified_on.isoformat()
    return out


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The catalog in canonical file form (see the module docstring for the exact rules)."""
    return {
        "format": FORMAT,
        "currencies": [
            {
                "id": currency.id,
                "name": currency.name,
                "kind": currency.kind,
                "cents_per_point": _number(currency.cents_per_point),
            }
            for currency in catalog.currencies
        ],
        "cards": [card_to_dict(card) for card in catalog.cards],
    }


def dumps_catalog(catalog: Catalog) -> str:
    """The exact text of a canonical catalog file."""
    return json.dumps(catalog_to_dict(catalog), indent=2, ensure_ascii=False) + "\n"
