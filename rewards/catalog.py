"""The card catalog: typed records, and the catalog file format (docs/catalog-format.md).

Two versions are read: `creditcard-guru/catalog@2` (evidence, card status, issuer rules,
rotating calendars keyed by year and quarter) and `creditcard-guru/catalog@1` (none of these; its
Q1..Q4 calendars apply to every year, its cards are open, and their facts are unconfirmed).
`parse_catalog` checks the whole file before building anything and raises one `CatalogError`
listing every problem (card, currency or issuer; field path; reason). `catalog_to_dict` always
writes `@2`, in the canonical form an export must follow to reproduce a file byte for byte:

- top-level keys `format`, `currencies`, `issuers`, `cards`; each list keeps its order;
- a card's keys in the order of CARD_FIELDS; a rule's as `categories` | `rotating`, `choose`,
  `pick`, `rate`, `cap`; a calendar's quarters in time order;
- an optional card field is omitted exactly when it equals its default: `first_year_fee`
  equal to `annual_fee`, `foreign_fee_pct` 0, `business` false, no `family`, `shared_caps`,
  `credits` and `unconfirmed` empty, no `bonus`; a rule's `cap`, `choose` and `pick` are omitted
  when absent; `evidence` is always written, an evidence item's `source_date` too (null when
  the page shows no date), its `field` as a string when it names one field;
- numbers: a whole value is written as an int (95, not 95.0), any other as a float (2.7);
- category lists are kept as written (groups such as `travel` are not expanded).

Text (`dumps_catalog`): `json.dumps(catalog_to_dict(c), indent=2, ensure_ascii=False) + "\\n"`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from rewards.checker import CatalogError, CatalogProblem, Checker, Invalid, join
from rewards.earn_rules import (
    PERIODS,
    PERIODS_PER_YEAR,
    PICKS,
    QUARTERS,
    RULE_FIELDS,
    Cap,
    EarnRule,
    SharedCap,
    number,
    parse_rules,
    parse_shared_caps,
    rule_to_dict,
)
from rewards.evidence import (
    CARD_FIELDS,
    Evidence,
    Issuer,
    IssuerRule,
    Unconfirmed,
    check_coverage,
    evidence_to_dict,
    issuer_to_dict,
    parse_evidence,
    parse_issuers,
    parse_unconfirmed,
    unconfirmed_to_dict,
)
from rewards.quarters import year_quarters

__all__ = [
    "PERIODS",
    "PERIODS_PER_YEAR",
    "PICKS",
    "QUARTERS",
    "RULE_FIELDS",
    "Cap",
    "CatalogError",
    "CatalogProblem",
    "EarnRule",
    "SharedCap",
    "Evidence",
    "Issuer",
    "IssuerRule",
    "Unconfirmed",
]

FORMAT_V1 = "creditcard-guru/catalog@1"
FORMAT_V2 = "creditcard-guru/catalog@2"
# What catalog_to_dict writes.
FORMAT = FORMAT_V2
FORMATS: tuple[str, ...] = (FORMAT_V1, FORMAT_V2)

CURRENCY_KINDS: tuple[str, ...] = ("cash", "points", "miles")
NETWORKS: tuple[str, ...] = ("visa", "mastercard", "amex", "discover")
# Best first: a person with band X can get cards whose minimum band is X or lower.
CREDIT_BANDS: tuple[str, ...] = ("excellent", "good", "fair", "limited")
STATUSES: tuple[str, ...] = ("open", "closed")
# What an @1 card's facts are listed as (an @1 file records no sources).
V1_UNCONFIRMED_REASON = "no source recorded: read from a catalog@1 file"

_CARD_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CURRENCY_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

TOP_LEVEL_V1 = ("format", "currencies", "cards")
TOP_LEVEL = ("format", "currencies", "issuers", "cards")
CURRENCY_FIELDS = ("id", "name", "kind", "cents_per_point")
_V2_ONLY = frozenset({"family", "status", "status_confirmed_on", "evidence", "unconfirmed"})
CARD_FIELDS_V1: tuple[str, ...] = tuple(key for key in CARD_FIELDS if key not in _V2_ONLY)
CARD_REQUIRED_V1 = frozenset(
    {"id", "name", "issuer", "network", "currency", "annual_fee", "credit", "base_rate"}
    | {"rules", "source_url", "verified_on"}
)
CARD_REQUIRED = CARD_REQUIRED_V1 | {"status", "status_confirmed_on", "evidence"}
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
    # "closed": not open to new applicants; it stays in the catalog, never recommended.
    status: str = "open"
    # The day the status was last confirmed (an @1 card: its verified_on).
    status_confirmed_on: date | None = None
    # Bonus family, for issuers' "one bonus per family" rules.
    family: str | None = None
    evidence: tuple[Evidence, ...] = ()
    unconfirmed: tuple[Unconfirmed, ...] = ()

    @property
    def credits_per_year(self) -> Decimal:
        """All the card's credits in dollars a year."""
        return sum((credit.per_year for credit in self.credits), Decimal(0))

    @property
    def is_open(self) -> bool:
        """Open to new applicants."""
        return self.status == "open"

    def unconfirmed_reason(self, name: str) -> str | None:
        """Why a fact (`bonus`, `rules[2]`...) is unconfirmed, or None if it is not."""
        return next((item.reason for item in self.unconfirmed if item.covers(name)), None)

    def evidence_for(self, name: str) -> tuple[Evidence, ...]:
        """The evidence items supporting a fact."""
        return tuple(item for item in self.evidence if item.covers(name))


@dataclass(frozen=True)
class Catalog:
    """Currencies, issuers and cards, in file order."""

    currencies: tuple[Currency, ...]
    cards: tuple[Card, ...]
    issuers: tuple[Issuer, ...] = ()
    # The format the catalog was read from.
    format: str = field(default=FORMAT)
    # The person's year the rotating rules are valued for (rewards.quarters.year_quarters).
    year: tuple[str, ...] = ()

    @cached_property
    def cards_by_id(self) -> dict[str, Card]:
        """Cards by id."""
        return {card.id: card for card in self.cards}

    @cached_property
    def currencies_by_id(self) -> dict[str, Currency]:
        """Currencies by id."""
        return {currency.id: currency for currency in self.currencies}

    @cached_property
    def issuers_by_name(self) -> dict[str, Issuer]:
        """Issuers (with their rules) by name; issuers without rules are not listed."""
        return {issuer.name: issuer for issuer in self.issuers}

    def card(self, card_id: str) -> Card:
        """The card with this id (KeyError if none)."""
        return self.cards_by_id[card_id]

    def currency(self, currency_id: str) -> Currency:
        """The currency with this id (KeyError if none)."""
        return self.currencies_by_id[currency_id]

    def for_year(self, today: date) -> Catalog:
        """The same catalog with rotating rules valued for the person's year starting today."""
        quarters = year_quarters(today)
        if quarters == self.year:
            return self
        cards = tuple(
            replace(card, rules=tuple(rule.for_year(quarters) for rule in card.rules))
            for card in self.cards
        )
        return replace(self, cards=cards, year=quarters)

    def recommendable(self, held: tuple[str, ...] | frozenset[str] = ()) -> Catalog:
        """The catalog without closed cards, except those the person holds.

        Held cards are never recommended anyway (the engine only counts them), so a closed card
        one holds still counts in their wallet while no closed card is ever suggested.
        """
        keep = set(held)
        cards = tuple(card for card in self.cards if card.is_open or card.id in keep)
        return self if len(cards) == len(self.cards) else replace(self, cards=cards)


def parse_catalog(data: dict[str, Any], *, today: date | None = None) -> Catalog:
    """Validate a whole catalog dict (@1 or @2) and build it, or raise CatalogError.

    Rotating rules are valued for the person's year starting at `today` (default: the system
    date); `Catalog.for_year` moves a catalog to another year.
    """
    check = Checker()
    if not isinstance(data, dict):
        check.fail("", "the catalog must be one JSON object")
        raise CatalogError(check.problems)
    version = data.get("format")
    if "format" in data and version not in FORMATS:
        # Nothing else can be read against an unknown format.
        check.fail("format", f"must be {FORMAT_V2!r} or {FORMAT_V1!r} (got {version!r})")
        raise CatalogError(check.problems)
    v2 = version != FORMAT_V1
    top = TOP_LEVEL if v2 else TOP_LEVEL_V1
    check.obj(data, "", top, top)

    currencies = _parse_currencies(check, data.get("currencies", []))
    known_currencies = {currency.id for currency in currencies if currency is not None}
    # Ids that failed their own checks still count as declared, so cards using them are not
    # reported a second time.
    declared_currencies = known_currencies | _raw_ids(data.get("currencies"))
    issuers: list[Issuer] = []
    if v2 and "issuers" in data:
        cards_raw = data.get("cards")
        issuers = parse_issuers(
            check, data["issuers"], _raw_issuers(cards_raw), _raw_families(cards_raw)
        )
    cards = _parse_cards(check, data.get("cards", []), declared_currencies, v2)

    if check.problems:
        raise CatalogError(check.problems)
    catalog = Catalog(
        currencies=tuple(c for c in currencies if c is not None),
        cards=tuple(c for c in cards if c is not None),
        issuers=tuple(issuers),
        format=FORMAT_V2 if v2 else FORMAT_V1,
    )
    return catalog.for_year(today or date.today())


def _raw_issuers(cards: Any) -> set[str]:
    if not isinstance(cards, list):
        return set()
    return {
        card["issuer"]
        for card in cards
        if isinstance(card, dict) and isinstance(card.get("issuer"), str)
    }


def _raw_families(cards: Any) -> dict[str, set[str]]:
    """Issuer -> the families its cards name (for checking the issuers' family rules)."""
    families: dict[str, set[str]] = {}
    for card in cards if isinstance(cards, list) else ():
        if isinstance(card, dict) and isinstance(card.get("family"), str):
            families.setdefault(str(card.get("issuer")), set()).add(card["family"])
    return families


def _raw_ids(items: Any) -> set[str]:
    if not isinstance(items, list):
        return set()
    return {
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def _parse_currencies(check: Checker, raw: Any) -> list[Currency | None]:
    check.owner = "file"
    try:
        items = check.array(raw, "currencies")
    except Invalid:
        return []
    seen: dict[str, int] = {}
    result: list[Currency | None] = []
    for index, item in enumerate(items):
        check.owner = "file"
        owner_path = f"currencies[{index}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            check.owner, owner_path = item["id"], ""
        try:
            obj = check.obj(item, owner_path, CURRENCY_FIELDS, CURRENCY_FIELDS)
        except Invalid:
            result.append(None)
            continue
        before = len(check.problems)
        cid = check.field(obj, "id", owner_path, check.ident, _CURRENCY_ID, "currency id")
        if cid is not None:
            if cid in seen:
                reason = f"duplicate currency id (also currencies[{seen[cid]}])"
                check.fail(join(owner_path, "id"), reason)
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


def _parse_cards(check: Checker, raw: Any, currencies: set[str], v2: bool) -> list[Card | None]:
    check.owner = "file"
    try:
        items = check.array(raw, "cards")
    except Invalid:
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
        result.append(_parse_card(check, item, currencies, v2))
    check.owner = "file"
    return result


def _parse_card(check: Checker, item: Any, currencies: set[str], v2: bool) -> Card | None:
    before = len(check.problems)
    try:
        if v2:
            obj = check.obj(item, "", CARD_FIELDS, CARD_REQUIRED)
        else:
            obj = check.obj(item, "", CARD_FIELDS_V1, CARD_REQUIRED_V1)
    except Invalid:
        return None
    f = check.field
    card_id = f(obj, "id", "", check.ident, _CARD_ID, "card id (a-z, 0-9 and hyphens)")
    name = f(obj, "name", "", check.text)
    issuer = f(obj, "issuer", "", check.text)
    family = f(obj, "family", "", check.ident, _CARD_ID, "family id (a-z, 0-9 and hyphens)")
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
    shared_caps = parse_shared_caps(check, obj.get("shared_caps", []))
    shared_ids = {cap.id for _, cap in shared_caps} | _raw_ids(obj.get("shared_caps"))
    rules, used_caps = parse_rules(check, obj.get("rules", []), shared_ids, v2)
    for index, cap in shared_caps:
        if cap.id not in used_caps:
            check.fail(f"shared_caps[{index}].id", f"shared cap {cap.id!r} is not used by any rule")
    bonus = f(obj, "bonus", "", _parse_bonus, check)
    credits = _parse_credits(check, obj.get("credits", []))
    status = f(obj, "status", "", check.enum, STATUSES)
    status_confirmed_on = f(obj, "status_confirmed_on", "", check.day)
    source_url = f(obj, "source_url", "", check.url)
    verified_on = f(obj, "verified_on", "", check.day)
    counts = {
        "rules": len(obj["rules"]) if isinstance(obj.get("rules"), list) else 0,
        "credits": len(obj["credits"]) if isinstance(obj.get("credits"), list) else 0,
    }
    evidence = parse_evidence(
        check, obj.get("evidence", []), "evidence", counts=counts, checked_on=verified_on
    )
    unconfirmed = parse_unconfirmed(check, obj.get("unconfirmed", []), "unconfirmed", counts)
    if v2 and len(check.problems) == before:
        check_coverage(
            check, evidence, unconfirmed, rule_count=counts["rules"], has_bonus=bonus is not None
        )
    if len(check.problems) > before:
        return None
    assert card_id and name and issuer and network and currency and credit and source_url
    assert annual_fee is not None and base_rate is not None and verified_on is not None
    if not v2:
        facts = ("annual_fee", "rules") + (("bonus",) if bonus is not None else ())
        unconfirmed = [Unconfirmed(facts, V1_UNCONFIRMED_REASON)]
    return Card(
        id=card_id,
        name=name,
        issuer=issuer,
        family=family,
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
        status=status or "open",
        status_confirmed_on=status_confirmed_on or verified_on,
        source_url=source_url,
        verified_on=verified_on,
        evidence=tuple(evidence),
        unconfirmed=tuple(unconfirmed),
    )


def _parse_bonus(value: Any, path: str, check: Checker) -> Bonus:
    obj = check.obj(value, path, _BONUS_KEYS, _BONUS_KEYS)
    before = len(check.problems)
    points = check.field(obj, "points", path, check.whole)
    min_spend = check.field(obj, "min_spend", path, check.number)
    months = check.field(obj, "months", path, check.whole, 1)
    if len(check.problems) > before or None in (points, min_spend, months):
        raise Invalid()
    return Bonus(points=points, min_spend=min_spend, months=months)


def _parse_credits(check: Checker, raw: Any) -> list[Credit]:
    try:
        items = check.array(raw, "credits")
    except Invalid:
        return []
    result: list[Credit] = []
    for index, item in enumerate(items):
        path = f"credits[{index}]"
        try:
            obj = check.obj(item, path, _CREDIT_KEYS, _CREDIT_KEYS)
        except Invalid:
            continue
        before = len(check.problems)
        name = check.field(obj, "name", path, check.text)
        amount = check.field(obj, "amount", path, check.number)
        per = check.field(obj, "per", path, check.enum, PERIODS)
        if len(check.problems) == before and None not in (name, amount, per):
            result.append(Credit(name=name, amount=amount, per=per))
    return result


def load_catalog(path: str | Path, *, today: date | None = None) -> Catalog:
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
    return parse_catalog(data, today=today)


# --- writing -------------------------------------------------------------------------------


def card_to_dict(card: Card) -> dict[str, Any]:
    """One card in canonical @2 form."""
    out: dict[str, Any] = {"id": card.id, "name": card.name, "issuer": card.issuer}
    if card.family is not None:
        out["family"] = card.family
    out["network"] = card.network
    out["currency"] = card.currency
    out["annual_fee"] = number(card.annual_fee)
    if card.first_year_fee != card.annual_fee:
        out["first_year_fee"] = number(card.first_year_fee)
    if card.foreign_fee_pct != 0:
        out["foreign_fee_pct"] = number(card.foreign_fee_pct)
    out["credit"] = card.credit
    if card.business:
        out["business"] = True
    out["base_rate"] = number(card.base_rate)
    if card.shared_caps:
        out["shared_caps"] = [
            {"id": cap.id, "amount": number(cap.amount), "per": cap.per} for cap in card.shared_caps
        ]
    out["rules"] = [rule_to_dict(rule, card.verified_on.year) for rule in card.rules]
    if card.bonus is not None:
        out["bonus"] = {
            "points": card.bonus.points,
            "min_spend": number(card.bonus.min_spend),
            "months": card.bonus.months,
        }
    if card.credits:
        out["credits"] = [
            {"name": credit.name, "amount": number(credit.amount), "per": credit.per}
            for credit in card.credits
        ]
    out["status"] = card.status
    out["status_confirmed_on"] = (card.status_confirmed_on or card.verified_on).isoformat()
    out["source_url"] = card.source_url
    out["verified_on"] = card.verified_on.isoformat()
    out["evidence"] = [evidence_to_dict(item) for item in card.evidence]
    if card.unconfirmed:
        out["unconfirmed"] = [unconfirmed_to_dict(item) for item in card.unconfirmed]
    return out


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The catalog in canonical @2 form (see the module docstring for the exact rules)."""
    return {
        "format": FORMAT,
        "currencies": [
            {
                "id": currency.id,
                "name": currency.name,
                "kind": currency.kind,
                "cents_per_point": number(currency.cents_per_point),
            }
            for currency in catalog.currencies
        ],
        "issuers": [issuer_to_dict(issuer) for issuer in catalog.issuers],
        "cards": [card_to_dict(card) for card in catalog.cards],
    }


def dumps(data: dict[str, Any]) -> str:
    """The exact text of a catalog file holding this (already canonical) dict."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def dumps_catalog(catalog: Catalog) -> str:
    """The exact text of a canonical catalog file."""
    return dumps(catalog_to_dict(catalog))


def canonical_text(data: dict[str, Any]) -> str:
    """Validate a catalog dict (@1 or @2) and return its canonical @2 text, or CatalogError.

    For writing data/catalog.json from assembled card data: the result reads back to the same
    catalog and writes out to the same bytes.
    """
    return dumps_catalog(parse_catalog(data))


def write_text_atomically(text: str, path: Path) -> None:
    """Write next to the target and rename, so a failed write never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
