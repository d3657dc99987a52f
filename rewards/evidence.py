"""What supports the catalog's facts (catalog@2): evidence, unconfirmed facts, issuer rules.

A card's `evidence` items each name the field(s) they support, the page, the page's own date
and a short quote; `unconfirmed` lists the facts no source supports, with a reason. Issuers carry
their application and bonus rules, each with evidence of its own. The format's rules for all of
these are in docs/catalog-format.md; `rewards.catalog` calls the readers and writers here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rewards.checker import Checker, Invalid, join

QUOTE_MAX = 200
REASON_MAX = 300
NOTE_MAX = 500

# Every card field of catalog@2, in the order the file writes them (the one list of them: the
# importer, the shipped-data checks and the docs follow it; rewards.catalog re-exports it).
CARD_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "issuer",
    "family",
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
    "status",
    "status_confirmed_on",
    "source_url",
    "verified_on",
    "evidence",
    "unconfirmed",
)
# Card fields evidence and unconfirmed items may name (every card field but the id and the
# bookkeeping about sources); `rules[N]` and `credits[N]` name one rule or credit, and `rules` /
# `credits` cover each of theirs.
_NOT_FACTS = frozenset(
    {"id", "status_confirmed_on", "source_url", "verified_on", "evidence", "unconfirmed"}
)
FACT_FIELDS: tuple[str, ...] = tuple(key for key in CARD_FIELDS if key not in _NOT_FACTS)
_INDEXED = re.compile(r"^(rules|credits)\[(\d+)\]$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

EVIDENCE_KEYS = ("field", "source_url", "source_date", "quote", "note")
UNCONFIRMED_KEYS = ("field", "reason")

# The kinds of issuer rule and the keys each one takes after `kind` (all required), in order.
ISSUER_RULE_KINDS: dict[str, tuple[str, ...]] = {
    "recent_cards": ("max", "months", "counts_business"),
    "issuer_gap": ("months", "personal_only"),
    "issuer_limit": ("max", "months", "counts_business"),
    "bonus_once": ("scope", "months"),
}
BONUS_SCOPES: tuple[str, ...] = ("card", "family")
# Optional on a rule of any kind: the rule applies only to the issuer's cards of this family
# (Chase's once-per-lifetime bonus rule concerns the Sapphire cards alone).
RULE_FAMILY_KEY = "family"
_FAMILY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISSUER_KEYS = ("name", "rules")


@dataclass(frozen=True)
class Evidence:
    """A source for one or more facts: the page, the page's own date, the words that state it."""

    fields: tuple[str, ...]
    source_url: str
    quote: str
    # "YYYY-MM-DD" or "YYYY-MM" as the page shows it; None when the page shows no date.
    source_date: str | None = None
    note: str | None = None

    def covers(self, name: str) -> bool:
        """True when this item supports `name` (`rules` supports every `rules[N]`)."""
        return covers(self.fields, name)


@dataclass(frozen=True)
class Unconfirmed:
    """Facts no source supports, and why."""

    fields: tuple[str, ...]
    reason: str

    def covers(self, name: str) -> bool:
        return covers(self.fields, name)


def covers(fields: tuple[str, ...], name: str) -> bool:
    """Whether a field list names `name`, or the list (`rules`) a `rules[N]` belongs to."""
    if name in fields:
        return True
    match = _INDEXED.match(name)
    return match is not None and match.group(1) in fields


@dataclass(frozen=True)
class IssuerRule:
    """One application or bonus rule of an issuer (see ISSUER_RULE_KINDS for the keys)."""

    kind: str
    evidence: tuple[Evidence, ...]
    max: int | None = None
    months: int | None = None
    counts_business: bool | None = None
    personal_only: bool | None = None
    scope: str | None = None
    note: str | None = None
    family: str | None = None  # only the issuer's cards of this family; None: every card


@dataclass(frozen=True)
class Issuer:
    """An issuer's published or widely documented application and bonus rules."""

    name: str
    rules: tuple[IssuerRule, ...]


# --- reading -------------------------------------------------------------------------------


def _field_names(
    value: Any, path: str, check: Checker, known: tuple[str, ...], counts: dict[str, int]
) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        raise check.fail(path, "must be a field name or a non-empty list of them")
    ok = True
    for index, name in enumerate(names):
        where = path if isinstance(value, str) else f"{path}[{index}]"
        match = _INDEXED.match(name) if isinstance(name, str) else None
        if match is not None and match.group(1) in counts:
            if int(match.group(2)) >= counts[match.group(1)]:
                check.fail(where, f"the card has no {name}")
                ok = False
        elif not isinstance(name, str) or name not in known:
            check.fail(where, f"unknown field {name!r}")
            ok = False
        elif names.count(name) > 1 and names.index(name) != index:
            check.fail(where, f"{name!r} is named twice")
            ok = False
    if not ok:
        raise Invalid()
    return tuple(names)


def _source_date(value: Any, path: str, check: Checker) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and (_DAY.match(value) or _MONTH.match(value)):
        try:
            date.fromisoformat(value if _DAY.match(value) else f"{value}-01")
        except ValueError:
            raise check.fail(path, f"is not a real date (got {value!r})") from None
        return value
    raise check.fail(path, f"must be YYYY-MM-DD, YYYY-MM or null (got {value!r})")


def _bounded_text(value: Any, path: str, check: Checker, limit: int) -> str:
    text = check.text(value, path)
    if len(text) > limit:
        raise check.fail(path, f"must be at most {limit} characters (has {len(text)})")
    return text


def parse_evidence(
    check: Checker,
    raw: Any,
    path: str,
    *,
    known: tuple[str, ...] = FACT_FIELDS,
    counts: dict[str, int] | None = None,
    checked_on: date | None = None,
    field_required: bool = True,
) -> list[Evidence]:
    """A list of evidence items; problems are recorded and the bad items left out."""
    try:
        items = check.array(raw, path)
    except Invalid:
        return []
    required = ("field", "source_url", "source_date", "quote") if field_required else ()
    result: list[Evidence] = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        try:
            obj = check.obj(item, where, EVIDENCE_KEYS, required or ("source_url", "quote"))
        except Invalid:
            continue
        before = len(check.problems)
        fields = check.field(obj, "field", where, _field_names, check, known, counts or {})
        url = check.field(obj, "source_url", where, check.url)
        source_date = check.field(obj, "source_date", where, _source_date, check)
        if source_date is not None and checked_on is not None:
            page_day = date.fromisoformat(
                source_date if _DAY.match(source_date) else source_date + "-01"
            )
            if page_day > checked_on:
                check.fail(join(where, "source_date"), f"is after the check ({checked_on})")
        quote = check.field(obj, "quote", where, _bounded_text, check, QUOTE_MAX)
        note = check.field(obj, "note", where, _bounded_text, check, NOTE_MAX)
        if len(check.problems) > before or url is None or quote is None:
            continue
        if field_required and fields is None:
            continue
        result.append(Evidence(fields or (), url, quote, source_date, note))
    return result


def parse_unconfirmed(
    check: Checker, raw: Any, path: str, counts: dict[str, int]
) -> list[Unconfirmed]:
    try:
        items = check.array(raw, path)
    except Invalid:
        return []
    result: list[Unconfirmed] = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        try:
            obj = check.obj(item, where, UNCONFIRMED_KEYS, UNCONFIRMED_KEYS)
        except Invalid:
            continue
        before = len(check.problems)
        fields = check.field(obj, "field", where, _field_names, check, FACT_FIELDS, counts)
        reason = check.field(obj, "reason", where, _bounded_text, check, REASON_MAX)
        if len(check.problems) == before and fields is not None and reason is not None:
            result.append(Unconfirmed(fields, reason))
    return result


def check_coverage(
    check: Checker,
    evidence: list[Evidence],
    unconfirmed: list[Unconfirmed],
    *,
    rule_count: int,
    has_bonus: bool,
) -> None:
    """The facts every card must account for: supported by evidence or listed as unconfirmed."""
    items = [*evidence, *unconfirmed]

    def covered(name: str) -> bool:
        return any(item.covers(name) for item in items)

    needed = ["annual_fee", "rules"] + (["bonus"] if has_bonus else [])
    for name in needed:
        if name == "rules":
            # Evidence for each rule also does; a flat-rate card's earn is its base rate.
            each = rule_count > 0 and all(covered(f"rules[{i}]") for i in range(rule_count))
            if covered("rules") or each or (rule_count == 0 and covered("base_rate")):
                continue
        elif covered(name):
            continue
        check.fail(
            "evidence", f"nothing supports {name!r}: add evidence or list it under unconfirmed"
        )


def parse_issuers(
    check: Checker,
    raw: Any,
    card_issuers: set[str],
    families: dict[str, set[str]] | None = None,
) -> list[Issuer]:
    """The top-level `issuers` list; problems are recorded under the issuer's name.

    `families` (issuer -> the families of its cards) lets a rule's `family` be checked against
    the file: a misspelt family would make the rule apply to no card at all.
    """
    check.owner = "file"
    try:
        items = check.array(raw, "issuers")
    except Invalid:
        return []
    seen: set[str] = set()
    result: list[Issuer] = []
    for index, item in enumerate(items):
        check.owner, path = "file", f"issuers[{index}]"
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            check.owner, path = item["name"], ""
        try:
            obj = check.obj(item, path, ISSUER_KEYS, ISSUER_KEYS)
        except Invalid:
            continue
        before = len(check.problems)
        name = check.field(obj, "name", path, check.text)
        if name is not None:
            if name in seen:
                check.fail(join(path, "name"), "the issuer is listed twice")
            elif name not in card_issuers:
                check.fail(
                    join(path, "name"), "no card in the file has this issuer (check the spelling)"
                )
            seen.add(name)
        known = None if families is None or name is None else families.get(name, set())
        rules = _parse_issuer_rules(check, obj.get("rules", []), join(path, "rules"), known)
        if len(check.problems) == before and name is not None:
            result.append(Issuer(name, tuple(rules)))
    check.owner = "file"
    return result


def _parse_issuer_rules(
    check: Checker, raw: Any, path: str, families: set[str] | None
) -> list[IssuerRule]:
    try:
        items = check.array(raw, path)
    except Invalid:
        return []
    if not items:
        check.fail(path, "must list at least one rule (leave an issuer without rules out)")
    result: list[IssuerRule] = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            check.fail(where, "must be an object")
            continue
        kind = check.field(item, "kind", where, check.enum, tuple(ISSUER_RULE_KINDS))
        if "kind" not in item:
            check.fail(join(where, "kind"), "is required")
        if kind is None:
            continue
        keys = ISSUER_RULE_KINDS[kind]
        before = len(check.problems)
        for key in item:
            if key not in ("kind", *keys, RULE_FAMILY_KEY, "note", "evidence"):
                check.fail(join(where, str(key)), f"unknown field for a {kind} rule")
        for key in (*keys, "evidence"):
            if key not in item:
                check.fail(join(where, key), "is required")
        values: dict[str, Any] = {}
        for key in keys:
            if key not in item:
                continue
            # bonus_once's months may be null: once per lifetime.
            lifetime = kind == "bonus_once" and key == "months" and item[key] is None
            if key in ("max", "months") and not lifetime:
                values[key] = check.field(item, key, where, check.whole, 1)
            elif key in ("counts_business", "personal_only"):
                values[key] = check.field(item, key, where, check.boolean)
            elif key == "scope":
                values[key] = check.field(item, key, where, check.enum, BONUS_SCOPES)
        family = check.field(
            item, RULE_FAMILY_KEY, where, check.ident, _FAMILY_ID, "family id (a-z, 0-9, hyphens)"
        )
        if family is not None and families is not None and family not in families:
            check.fail(
                join(where, RULE_FAMILY_KEY),
                f"no card of this issuer is in the family {family!r} (check the spelling)",
            )
        if family is not None:
            values[RULE_FAMILY_KEY] = family
        note = check.field(item, "note", where, _bounded_text, check, NOTE_MAX)
        evidence = parse_evidence(
            check,
            item.get("evidence", []),
            join(where, "evidence"),
            known=("kind", *keys, RULE_FAMILY_KEY),
            field_required=False,
        )
        if "evidence" in item and isinstance(item["evidence"], list) and not item["evidence"]:
            check.fail(join(where, "evidence"), "must list at least one source")
        if len(check.problems) == before:
            result.append(IssuerRule(kind=kind, evidence=tuple(evidence), note=note, **values))
    return result


# --- writing -------------------------------------------------------------------------------


def _field_value(fields: tuple[str, ...]) -> str | list[str]:
    return fields[0] if len(fields) == 1 else list(fields)


def evidence_to_dict(item: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.fields:
        out["field"] = _field_value(item.fields)
    out["source_url"] = item.source_url
    out["source_date"] = item.source_date
    out["quote"] = item.quote
    if item.note is not None:
        out["note"] = item.note
    return out


def unconfirmed_to_dict(item: Unconfirmed) -> dict[str, Any]:
    return {"field": _field_value(item.fields), "reason": item.reason}


def issuer_to_dict(issuer: Issuer) -> dict[str, Any]:
    rules = []
    for rule in issuer.rules:
        out: dict[str, Any] = {"kind": rule.kind}
        for key in ISSUER_RULE_KINDS[rule.kind]:
            out[key] = getattr(rule, key)
        if rule.family is not None:
            out[RULE_FAMILY_KEY] = rule.family
        if rule.note is not None:
            out["note"] = rule.note
        out["evidence"] = [evidence_to_dict(item) for item in rule.evidence]
        rules.append(out)
    return {"name": issuer.name, "rules": rules}
