"""Convert between the catalog tables and the catalog file format (docs/design.md section 6).

Validation is `rewards.catalog.parse_catalog`'s job, for the import and the admin alike; this
module only maps fields, checks that values fit the database columns, and writes the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count

from catalog.models import (
    Bonus,
    Card,
    Credit,
    Currency,
    EarnRule,
    Evidence,
    Issuer,
    IssuerRule,
    SharedCap,
    Unconfirmed,
)
from rewards.catalog import (
    CARD_FIELDS,
    FORMAT,
    QUARTERS,
    RULE_FIELDS,
    CatalogError,
    CatalogProblem,
    catalog_to_dict,
    parse_catalog,
)
from rewards.checker import Checker
from rewards.evidence import ISSUER_RULE_KINDS, RULE_FAMILY_KEY, parse_issuers

# Optional card fields and the value an absent one means, so a file that leaves a default out
# and a database row that spells it out compare equal.
CARD_DEFAULTS: dict[str, Any] = {
    "family": None,
    "foreign_fee_pct": 0,
    "business": False,
    "shared_caps": [],
    "credits": [],
    "unconfirmed": [],
}


class ImportRejected(Exception):
    """The file was not imported; `problems` says why, one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the catalog file")
        self.problems = problems


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    currencies_written: list[str] = field(default_factory=list)
    currencies_deleted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.deactivated
            or self.currencies_written
            or self.currencies_deleted
        )

    def summary(self) -> str:
        return (
            f"{len(self.created)} card(s) created, {len(self.updated)} updated, "
            f"{len(self.deactivated)} marked inactive, {self.unchanged} unchanged; "
            f"{len(self.currencies_written)} currency(ies) written, "
            f"{len(self.currencies_deleted)} removed."
        )


# --- numbers -------------------------------------------------------------------------------


def number(value: Decimal | int | float) -> int | float:
    """A database decimal as the JSON number the file would hold (95, not 95.00)."""
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a number")
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    if dec == dec.to_integral_value():
        return int(dec)
    return float(dec)


def decimal(value: Any) -> Decimal:
    """A JSON number as a Decimal with the digits the file shows (2.7, not 2.70000000000000018)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def format_problems(error: CatalogError) -> list[str]:
    """One line per problem: "card-id: field: reason"."""
    return [str(problem) for problem in error.problems] or [str(error)]


# --- database -> file ----------------------------------------------------------------------


def currency_to_raw(currency: Currency) -> dict[str, Any]:
    return {
        "id": currency.code,
        "name": currency.name,
        "kind": currency.kind,
        "cents_per_point": number(currency.cents_per_point),
    }


def rotating_to_raw(
    rotating: dict[str, list[str]], year: int, quarters: tuple[str, ...] | None | bool
) -> dict[str, list[str]]:
    """A stored calendar as @2 writes it.

    A calendar imported from an @1 file (keys Q1..Q4) applies to every year: the engine gets it
    for each quarter of the person's year (`quarters`); an export writes it for `year`, the year
    the card was last checked (the @1 reading rule in docs/catalog-format.md).
    """
    if quarters is True or not set(rotating) <= set(QUARTERS):
        return rotating
    if isinstance(quarters, tuple):
        return {key: rotating.get(f"Q{key[-1]}", []) for key in quarters}
    return {f"{year}{quarter}": rotating.get(quarter, []) for quarter in QUARTERS}


def rule_to_raw(
    rule: EarnRule, year: int = 2000, quarters: tuple[str, ...] | None | bool = None
) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if rule.rotating:
        raw["rotating"] = rotating_to_raw(rule.rotating, year, quarters)
    else:
        raw["categories"] = list(rule.categories or [])
    raw["rate"] = number(rule.rate)
    if rule.cap_key:
        raw["cap"] = rule.cap_key
    elif rule.cap_amount is not None or rule.cap_per:
        raw["cap"] = {
            "amount": None if rule.cap_amount is None else number(rule.cap_amount),
            "per": rule.cap_per,
        }
    if rule.choose is not None:
        raw["choose"] = rule.choose
    if rule.pick:
        raw["pick"] = rule.pick
    return raw


_UNSET: Any = object()


def field_value(fields: list[str]) -> str | list[str]:
    """Field names as the canonical file writes them: one as a string, several as a list."""
    return fields[0] if len(fields) == 1 else list(fields)


def evidence_to_raw(item: Evidence) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if item.fields:
        raw["field"] = field_value(item.fields)
    raw["source_url"] = item.source_url
    raw["source_date"] = item.source_date or None
    raw["quote"] = item.quote
    if item.note:
        raw["note"] = item.note
    return raw


def issuer_rule_to_raw(
    rule: IssuerRule, *, evidence: list[Evidence] | None = None
) -> dict[str, Any]:
    if evidence is None:
        evidence = list(rule.evidence.all())
    raw: dict[str, Any] = {"kind": rule.kind}
    for key in ISSUER_RULE_KINDS.get(rule.kind, ()):
        value = getattr(rule, key)
        raw[key] = value if value != "" else None
    if rule.family:
        raw[RULE_FAMILY_KEY] = rule.family
    if rule.note:
        raw["note"] = rule.note
    raw["evidence"] = [evidence_to_raw(item) for item in evidence]
    return raw


def card_to_raw(
    card: Card,
    *,
    rules: list[EarnRule] | None = None,
    shared_caps: list[SharedCap] | None = None,
    credits: list[Credit] | None = None,
    bonus: Bonus | None = _UNSET,
    evidence: list[Evidence] | None = None,
    unconfirmed: list[Unconfirmed] | None = None,
    issuer_name: str | None = None,
    currency_code: str | None = None,
    quarters: tuple[str, ...] | None | bool = None,
) -> dict[str, Any]:
    """The card as a file entry; the admin passes unsaved children to check them before saving.

    Every-year (@1) calendars: `quarters` is the person's year to spell them out for (the
    engine), None writes them for the year of the card's check (an export), True keeps them as
    stored (the import's comparison).
    """
    if rules is None:
        rules = list(card.rules.all())
    if shared_caps is None:
        shared_caps = list(card.shared_caps.all())
    if credits is None:
        credits = list(card.credits.all())
    if bonus is _UNSET:
        bonus = card.get_bonus()
    if evidence is None:
        evidence = list(card.evidence.all()) if card.pk else []
    if unconfirmed is None:
        unconfirmed = list(card.unconfirmed.all()) if card.pk else []
    raw: dict[str, Any] = {
        "id": card.slug,
        "name": card.name,
        "issuer": issuer_name if issuer_name is not None else card.issuer.name,
    }
    if card.family:
        raw["family"] = card.family
    raw["network"] = card.network
    raw["currency"] = currency_code if currency_code is not None else card.currency.code
    raw["annual_fee"] = number(card.annual_fee)
    if card.first_year_fee is not None:
        raw["first_year_fee"] = number(card.first_year_fee)
    raw["foreign_fee_pct"] = number(card.foreign_fee_pct)
    raw["credit"] = card.credit
    raw["business"] = card.business
    raw["base_rate"] = number(card.base_rate)
    if shared_caps:
        raw["shared_caps"] = [
            {"id": cap.key, "amount": number(cap.amount), "per": cap.per} for cap in shared_caps
        ]
    year = card.verified_on.year if card.verified_on else 2000
    raw["rules"] = [rule_to_raw(rule, year, quarters) for rule in rules]
    if bonus is not None:
        raw["bonus"] = {
            "points": bonus.points,
            "min_spend": number(bonus.min_spend),
            "months": bonus.months,
        }
    if credits:
        raw["credits"] = [
            {"name": credit.name, "amount": number(credit.amount), "per": credit.per}
            for credit in credits
        ]
    raw["status"] = card.status
    confirmed = card.status_confirmed_on or card.verified_on
    raw["status_confirmed_on"] = confirmed.isoformat() if confirmed else None
    raw["source_url"] = card.source_url
    raw["verified_on"] = card.verified_on.isoformat() if card.verified_on else None
    raw["evidence"] = [evidence_to_raw(item) for item in evidence]
    if unconfirmed:
        raw["unconfirmed"] = [
            {"field": field_value(item.fields), "reason": item.reason} for item in unconfirmed
        ]
    return raw


def raw_catalog_from_db(
    *, active_only: bool = True, quarters: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The catalog tables as a file dict, not yet normalised by `catalog_to_dict`."""
    cards = Card.objects.with_rules().order_by("position", "slug")
    if active_only:
        cards = cards.filter(active=True)
    card_list = list(cards)
    used = {card.currency_id for card in card_list}
    currencies = Currency.objects.annotate(card_count=Count("cards")).order_by("position", "code")
    # With active_only, a currency only inactive cards use is history, not catalog; one no card
    # uses at all was put there on purpose (in the file or by an editor) and is kept.
    currency_list = [
        currency
        for currency in currencies
        if not active_only or currency.pk in used or currency.card_count == 0
    ]
    # Rules of issuers none of these cards has would name an issuer the file does not use.
    issuer_ids = {card.issuer_id for card in card_list}
    issuers = (
        Issuer.objects.filter(pk__in=issuer_ids, rules__isnull=False)
        .distinct()
        .order_by("position", "name")
        .prefetch_related("rules__evidence")
    )
    return {
        "format": FORMAT,
        "currencies": [currency_to_raw(currency) for currency in currency_list],
        "issuers": [
            {"name": issuer.name, "rules": [issuer_rule_to_raw(r) for r in issuer.rules.all()]}
            for issuer in issuers
        ],
        "cards": [card_to_raw(card, quarters=quarters) for card in card_list],
    }


def catalog_dict_from_db(*, active_only: bool = True) -> dict[str, Any]:
    """The catalog in the database as the file dict `export_cards` writes (validated)."""
    return catalog_to_dict(parse_catalog(raw_catalog_from_db(active_only=active_only)))


# --- file -> database ----------------------------------------------------------------------


def read_catalog_file(path: Path) -> dict[str, Any]:
    """The parsed JSON of a catalog file; unreadable files are rejected like invalid ones."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ImportRejected(
            [f"{path}: cannot read the file ({error.strerror or error})"]
        ) from None
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise ImportRejected([f"{path}: {reason}"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            [f"{path}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"]
        ) from None
    if not isinstance(data, dict):
        raise ImportRejected([f"{path}: the file must hold one JSON object"])
    return data


def validate_catalog(data: dict[str, Any]) -> dict[str, Any]:
    """The file's normalised dict, or ImportRejected listing every problem."""
    try:
        catalog = parse_catalog(data)
    except CatalogError as error:
        raise ImportRejected(format_problems(error)) from None
    canonical = catalog_to_dict(catalog)
    # An @1 calendar applies to every year: store it as Q1..Q4, not as the year @2 writes it.
    for card, raw in zip(catalog.cards, canonical["cards"], strict=True):
        for rule, rule_raw in zip(card.rules, raw["rules"], strict=True):
            if rule.every_year:
                rule_raw["rotating"] = dict(
                    zip(QUARTERS, map(list, rule.rotating or ()), strict=True)
                )
    problems = _database_problems(canonical)
    if problems:
        raise ImportRejected(problems)
    return canonical


def with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    filled = {**CARD_DEFAULTS, **raw}
    filled.setdefault("first_year_fee", None)
    filled.setdefault("bonus", None)
    # An editor may spell out a first-year fee equal to the annual fee; the file leaves it out.
    if filled["first_year_fee"] is not None and filled["first_year_fee"] == filled["annual_fee"]:
        filled["first_year_fee"] = None
    return filled


# Model field names that differ from the file's field names.
_FILE_FIELD = {
    "code": "id",
    "slug": "id",
    "key": "id",
    "cap_amount": "cap.amount",
    "cap_per": "cap.per",
    "cap_key": "cap",
}


def _model_problems(instance: models.Model, owner: str, path: str, exclude: list[str]) -> list[str]:
    """Column-level problems as "owner: path.field: message", like the format's own."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        lines = []
        for name, messages in error.message_dict.items():
            field = "" if name == "__all__" else _FILE_FIELD.get(name, name)
            where = ".".join(part for part in (path, field) if part)
            prefix = f"{owner}: {where}" if where else owner
            lines += [f"{prefix}: {message}" for message in messages]
        return lines
    return []


def _database_problems(canonical: dict[str, Any]) -> list[str]:
    """What the format allows but the columns cannot hold (too long, too many decimals...)."""
    problems: list[str] = []
    for raw in canonical.get("currencies", []):
        problems += _model_problems(_currency_instance(raw), raw["id"], "", ["position"])
    for raw in canonical.get("cards", []):
        owner = raw["id"]
        unknown = sorted(set(raw) - set(CARD_FIELDS))
        problems += [f"{owner}: {key}: this importer does not store the field" for key in unknown]
        card = Card()
        _set_card_fields(card, raw)
        problems += _model_problems(card, owner, "", ["issuer", "currency", "position"])
        problems += _model_problems(Issuer(name=raw["issuer"], slug="x"), owner, "issuer", [])
        for index, rule_raw in enumerate(raw.get("rules", [])):
            path = f"rules[{index}]"
            unknown_rule = sorted(set(rule_raw) - set(RULE_FIELDS))
            problems += [
                f"{owner}: {path}.{key}: this importer does not store the field"
                for key in unknown_rule
            ]
            problems += _model_problems(_rule_instance(rule_raw, index), owner, path, ["card"])
        for index, cap_raw in enumerate(raw.get("shared_caps", [])):
            cap = _shared_cap_instance(cap_raw, index)
            problems += _model_problems(cap, owner, f"shared_caps[{index}]", ["card"])
        for index, credit_raw in enumerate(raw.get("credits", [])):
            credit = _credit_instance(credit_raw, index)
            problems += _model_problems(credit, owner, f"credits[{index}]", ["card"])
        if raw.get("bonus"):
            problems += _model_problems(_bonus_instance(raw["bonus"]), owner, "bonus", ["card"])
        for index, item in enumerate(raw.get("evidence", [])):
            evidence = _evidence_instance(item, index)
            path = f"evidence[{index}]"
            problems += _model_problems(evidence, owner, path, ["card", "issuer_rule"])
        for index, item in enumerate(raw.get("unconfirmed", [])):
            unconfirmed = _unconfirmed_instance(item, index)
            problems += _model_problems(unconfirmed, owner, f"unconfirmed[{index}]", ["card"])
    for raw in canonical.get("issuers", []):
        for index, rule_raw in enumerate(raw["rules"]):
            path = f"rules[{index}]"
            rule = _issuer_rule_instance(rule_raw, index)
            problems += _model_problems(rule, raw["name"], path, ["issuer"])
            for n, item in enumerate(rule_raw["evidence"]):
                evidence = _evidence_instance(item, n)
                where = f"{path}.evidence[{n}]"
                problems += _model_problems(evidence, raw["name"], where, ["card", "issuer_rule"])
    return problems


def _currency_instance(raw: dict[str, Any]) -> Currency:
    return Currency(
        code=raw["id"],
        name=raw["name"],
        kind=raw["kind"],
        cents_per_point=decimal(raw["cents_per_point"]),
    )


def _set_card_fields(card: Card, raw: dict[str, Any]) -> None:
    raw = with_defaults(raw)
    card.slug = raw["id"]
    card.name = raw["name"]
    card.network = raw["network"]
    card.annual_fee = decimal(raw["annual_fee"])
    card.first_year_fee = None if raw["first_year_fee"] is None else decimal(raw["first_year_fee"])
    card.foreign_fee_pct = decimal(raw["foreign_fee_pct"])
    card.credit = raw["credit"]
    card.business = bool(raw["business"])
    card.base_rate = decimal(raw["base_rate"])
    card.source_url = raw["source_url"]
    card.verified_on = _date(raw["verified_on"])
    card.family = raw["family"] or ""
    card.status = raw.get("status", "open")
    card.status_confirmed_on = _date(raw.get("status_confirmed_on") or raw["verified_on"])


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _rule_instance(raw: dict[str, Any], position: int) -> EarnRule:
    cap = raw.get("cap")
    rule = EarnRule(
        position=position,
        categories=list(raw.get("categories") or []),
        rotating={quarter: list(names) for quarter, names in raw["rotating"].items()}
        if raw.get("rotating")
        else None,
        rate=decimal(raw["rate"]),
        choose=raw.get("choose"),
        pick=raw.get("pick") or "",
    )
    if isinstance(cap, str):
        rule.cap_key = cap
    elif isinstance(cap, dict):
        rule.cap_amount = decimal(cap["amount"])
        rule.cap_per = cap["per"]
    return rule


def _names(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _evidence_instance(raw: dict[str, Any], position: int) -> Evidence:
    return Evidence(
        position=position,
        fields=_names(raw.get("field", [])),
        source_url=raw["source_url"],
        source_date=raw["source_date"] or "",
        quote=raw["quote"],
        note=raw.get("note") or "",
    )


def _unconfirmed_instance(raw: dict[str, Any], position: int) -> Unconfirmed:
    return Unconfirmed(position=position, fields=_names(raw["field"]), reason=raw["reason"])


def _issuer_rule_instance(raw: dict[str, Any], position: int) -> IssuerRule:
    rule = IssuerRule(
        position=position,
        kind=raw["kind"],
        family=raw.get(RULE_FAMILY_KEY) or "",
        note=raw.get("note") or "",
    )
    for key in ISSUER_RULE_KINDS[raw["kind"]]:
        setattr(rule, key, raw[key] if raw[key] is not None or key != "scope" else "")
    return rule


def _shared_cap_instance(raw: dict[str, Any], position: int) -> SharedCap:
    return SharedCap(
        key=raw["id"], amount=decimal(raw["amount"]), per=raw["per"], position=position
    )


def _credit_instance(raw: dict[str, Any], position: int) -> Credit:
    return Credit(
        name=raw["name"],
        amount=decimal(raw["amount"]),
        per=raw.get("per", "year"),
        position=position,
    )


def _bonus_instance(raw: dict[str, Any]) -> Bonus:
    return Bonus(
        points=int(raw["points"]), min_spend=decimal(raw["min_spend"]), months=int(raw["months"])
    )


def import_catalog(data: dict[str, Any]) -> ImportResult:
    """Validate the whole file, then upsert it in one transaction; ImportRejected if invalid."""
    canonical = validate_catalog(data)
    with transaction.atomic():
        return _upsert(canonical)


def _upsert(canonical: dict[str, Any]) -> ImportResult:
    result = ImportResult()

    currencies = {currency.code: currency for currency in Currency.objects.all()}
    for position, raw in enumerate(canonical["currencies"]):
        wanted = _currency_instance(raw)
        current = currencies.get(raw["id"])
        if current is None:
            wanted.position = position
            wanted.save()
            currencies[wanted.code] = wanted
            result.currencies_written.append(wanted.code)
        elif (current.name, current.kind, current.cents_per_point, current.position) != (
            wanted.name,
            wanted.kind,
            wanted.cents_per_point,
            position,
        ):
            current.name, current.kind = wanted.name, wanted.kind
            current.cents_per_point, current.position = wanted.cents_per_point, position
            current.save()
            result.currencies_written.append(current.code)

    issuers = {issuer.name: issuer for issuer in Issuer.objects.all()}
    existing = {card.slug: card for card in Card.objects.with_rules()}
    file_ids: set[str] = set()
    for position, raw in enumerate(canonical["cards"]):
        file_ids.add(raw["id"])
        card = existing.get(raw["id"])
        if (
            card is not None
            and card.active
            and card.position == position
            and with_defaults(card_to_raw(card, quarters=True)) == with_defaults(raw)
        ):
            result.unchanged += 1
            continue
        issuer = issuers.get(raw["issuer"])
        if issuer is None:
            issuer = Issuer.objects.create(name=raw["issuer"])
            issuers[issuer.name] = issuer
        if card is None:
            card = Card()
            result.created.append(raw["id"])
        else:
            result.updated.append(raw["id"])
        _write_card(card, raw, position, issuer, currencies[raw["currency"]])

    _upsert_issuer_rules(canonical.get("issuers", []), issuers)

    for card in existing.values():
        if card.slug not in file_ids and card.active:
            card.active = False
            card.save(update_fields=["active", "updated_at"])
            result.deactivated.append(card.slug)

    file_currencies = {raw["id"] for raw in canonical["currencies"]}
    unused = Currency.objects.exclude(code__in=file_currencies).filter(cards__isnull=True)
    for currency in unused:
        result.currencies_deleted.append(currency.code)
        currency.delete()
    return result


def _write_card(
    card: Card, raw: dict[str, Any], position: int, issuer: Issuer, currency: Currency
) -> None:
    # The card changed somewhere: rewrite it and all of its parts, which keeps their order.
    _set_card_fields(card, raw)
    card.issuer = issuer
    card.currency = currency
    card.position = position
    card.active = True
    card.save()
    card.rules.all().delete()
    card.shared_caps.all().delete()
    card.credits.all().delete()
    Bonus.objects.filter(card=card).delete()
    for index, cap_raw in enumerate(raw.get("shared_caps", [])):
        cap = _shared_cap_instance(cap_raw, index)
        cap.card = card
        cap.save()
    for index, rule_raw in enumerate(raw["rules"]):
        rule = _rule_instance(rule_raw, index)
        rule.card = card
        rule.save()
    for index, credit_raw in enumerate(raw.get("credits", [])):
        credit = _credit_instance(credit_raw, index)
        credit.card = card
        credit.save()
    if raw.get("bonus"):
        bonus = _bonus_instance(raw["bonus"])
        bonus.card = card
        bonus.save()
    card.evidence.all().delete()
    card.unconfirmed.all().delete()
    for index, item in enumerate(raw.get("evidence", [])):
        evidence = _evidence_instance(item, index)
        evidence.card = card
        evidence.save()
    for index, item in enumerate(raw.get("unconfirmed", [])):
        unconfirmed = _unconfirmed_instance(item, index)
        unconfirmed.card = card
        unconfirmed.save()
    # What the file vouched for on verified_on: the admin's "mark verified today" compares
    # against it to find the fields an editor changed since.
    Card.objects.filter(pk=card.pk).update(verified_facts=raw)


def _upsert_issuer_rules(raw_issuers: list[dict[str, Any]], issuers: dict[str, Issuer]) -> None:
    """The file's issuer rules replace the database's; issuers the file leaves out have none."""
    wanted = {raw["name"]: (position, raw["rules"]) for position, raw in enumerate(raw_issuers)}
    for issuer in Issuer.objects.prefetch_related("rules__evidence"):
        position, rules = wanted.pop(issuer.name, (0, []))
        current = [issuer_rule_to_raw(rule) for rule in issuer.rules.all()]
        if current == rules and issuer.position == position:
            continue
        if issuer.position != position:
            issuer.position = position
            issuer.save(update_fields=["position"])
        if current != rules:
            issuer.rules.all().delete()
            _write_issuer_rules(issuer, rules)
    # Every issuer in the file has a card in the file, so it exists by now.
    assert not wanted, wanted


def _write_issuer_rules(issuer: Issuer, rules: list[dict[str, Any]]) -> None:
    for index, rule_raw in enumerate(rules):
        rule = _issuer_rule_instance(rule_raw, index)
        rule.issuer = issuer
        rule.save()
        for n, item in enumerate(rule_raw["evidence"]):
            evidence = _evidence_instance(item, n)
            evidence.issuer_rule = rule
            evidence.save()


def card_problems(card_raw: dict[str, Any], currency: Currency | None) -> list[CatalogProblem]:
    """What `parse_catalog` says about one card entry (the admin's whole-card check)."""
    catalog = {
        "format": FORMAT,
        "currencies": [currency_to_raw(currency)] if currency is not None else [],
        "issuers": [],
        "cards": [card_raw],
    }
    try:
        parse_catalog(catalog)
    except CatalogError as error:
        return list(error.problems)
    return []


def issuer_rule_problems(rule: IssuerRule, evidence: list[Evidence]) -> list[CatalogProblem]:
    """What the format says about one issuer rule with this evidence (the admin's check)."""
    raw = issuer_rule_to_raw(rule, evidence=evidence)
    check = Checker()
    name = rule.issuer.name
    families = set(rule.issuer.cards.exclude(family="").values_list("family", flat=True))
    parse_issuers(check, [{"name": name, "rules": [raw]}], {name}, {name: families})
    return check.problems
