"""How fresh the catalog is: stale checks and bonuses, unconfirmed facts, missing calendars.

`audit` reads a `rewards.catalog.Catalog` (from the database or a file), so `catalog_audit`, the
admin's audit filter and the notes results show about recommended cards all say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from catalog.models import BONUS_STALE_AFTER, STALE_AFTER
from rewards.catalog import Card, Catalog
from rewards.quarters import quarter_label, year_quarters

STALE_DAYS = STALE_AFTER.days
BONUS_STALE_DAYS = BONUS_STALE_AFTER.days
# Unconfirmed facts that change what a card is worth to someone (not, say, its network).
VALUE_FACTS = ("annual_fee", "first_year_fee", "foreign_fee_pct", "base_rate", "rules", "bonus")
FACT_WORDS = {
    "annual_fee": "annual fee",
    "first_year_fee": "first-year fee",
    "foreign_fee_pct": "foreign transaction fee",
    "base_rate": "base rate",
    "rules": "earn rates",
    "bonus": "sign-up bonus",
    "credits": "credits",
}


@dataclass(frozen=True)
class CardFinding:
    card_id: str
    name: str
    detail: str


@dataclass
class AuditReport:
    """What catalog_audit lists; empty lists mean nothing to do."""

    today: date
    stale_cards: list[CardFinding] = field(default_factory=list)
    stale_bonuses: list[CardFinding] = field(default_factory=list)
    unconfirmed: list[CardFinding] = field(default_factory=list)
    missing_calendars: list[CardFinding] = field(default_factory=list)

    @property
    def card_ids(self) -> set[str]:
        """Every card with a finding."""
        return {finding.card_id for _, items in self.sections() for finding in items}

    def sections(self) -> list[tuple[str, list[CardFinding]]]:
        return [
            (f"Cards last checked more than {STALE_DAYS} days ago", self.stale_cards),
            (
                f"Bonuses no source from the last {BONUS_STALE_DAYS} days confirms",
                self.stale_bonuses,
            ),
            ("Cards with unconfirmed facts", self.unconfirmed),
            ("Rotating calendars not published for the next four quarters", self.missing_calendars),
        ]

    @property
    def empty(self) -> bool:
        return not self.card_ids


def unannounced_quarters(card: Card, today: date) -> list[tuple[int, list[str]]]:
    """Per year-keyed rotating rule (by index): the quarters of the person's year not published."""
    out = []
    for index, rule in enumerate(card.rules):
        if rule.calendar is None:
            continue  # fixed, or an @1 calendar that applies to every year
        missing = [key for key in year_quarters(today) if rule.categories_in(key) is None]
        if missing:
            out.append((index, missing))
    return out


def bonus_seen_on(card: Card) -> date | None:
    """The date of the newest dated source for the card's bonus (a month counts as its 1st).

    Offers change every few months, so a bonus is only as fresh as the newest page that states
    it, whenever we last looked.
    """
    days = []
    for item in card.evidence:
        if item.covers("bonus") and item.source_date:
            year, month, *day = (int(part) for part in item.source_date.split("-"))
            days.append(date(year, month, day[0] if day else 1))
    return max(days, default=None)


def _bonus_staleness(card: Card, today: date) -> str | None:
    """Why the card's bonus counts as stale, or None while it is fresh."""
    if card.bonus is None:
        return None
    age = (today - card.verified_on).days
    if age > BONUS_STALE_DAYS:
        return f"bonus checked {age} days ago"
    seen = bonus_seen_on(card)
    if seen is None:
        return "no dated source states the bonus"
    if (today - seen).days > BONUS_STALE_DAYS:
        return f"newest dated source for the bonus is {(today - seen).days} days old"
    return None


def audit(catalog: Catalog, today: date) -> AuditReport:
    """Findings for every card of the catalog as of `today`."""
    report = AuditReport(today)
    for card in catalog.cards:
        age = (today - card.verified_on).days
        if card.verified_on < today - STALE_AFTER:
            report.stale_cards.append(CardFinding(card.id, card.name, f"checked {age} days ago"))
        stale_bonus = _bonus_staleness(card, today)
        if stale_bonus is not None:
            report.stale_bonuses.append(CardFinding(card.id, card.name, stale_bonus))
        for item in card.unconfirmed:
            report.unconfirmed.append(
                CardFinding(card.id, card.name, f"{', '.join(item.fields)}: {item.reason}")
            )
        for index, keys in unannounced_quarters(card, today):
            detail = f"rules[{index}]: no calendar for {', '.join(keys)}"
            report.missing_calendars.append(CardFinding(card.id, card.name, detail))
    return report


def card_notes(
    catalog: Catalog, card_ids: list[str] | tuple[str, ...], today: date
) -> dict[str, list[str]]:
    """Short notes about cards (by id) a result recommends: stale, unconfirmed, not announced.

    "Chase Freedom Flex: checked 200 days ago", "Chase Freedom Flex: sign-up bonus not
    confirmed", "Discover it Cash Back: rotating categories for Apr–Jun 2027 not announced yet
    (valued at the base rate)". Cards the catalog does not hold get no notes.
    """
    notes: dict[str, list[str]] = {}
    for card_id in card_ids:
        card = catalog.cards_by_id.get(card_id)
        if card is None:
            continue
        lines = []
        age = (today - card.verified_on).days
        if age > STALE_DAYS:
            lines.append(f"{card.name}: checked {age} days ago")
        elif (stale_bonus := _bonus_staleness(card, today)) is not None:
            lines.append(f"{card.name}: sign-up bonus may have changed ({stale_bonus})")
        unconfirmed = [
            FACT_WORDS[name]
            for name in VALUE_FACTS
            if card.unconfirmed_reason(name) is not None
            and (name != "bonus" or card.bonus is not None)
        ]
        some_rules = any(card.unconfirmed_reason(f"rules[{i}]") for i in range(len(card.rules)))
        if some_rules and "earn rates" not in unconfirmed:
            unconfirmed.append("some earn rates")
        if unconfirmed:
            lines.append(f"{card.name}: {', '.join(unconfirmed)} not confirmed")
        missing = sorted({key for _, keys in unannounced_quarters(card, today) for key in keys})
        if missing:
            when = ", ".join(quarter_label(key) for key in missing)
            lines.append(
                f"{card.name}: rotating categories for {when} not announced yet "
                "(valued at the base rate)"
            )
        if lines:
            notes[card_id] = lines
    return notes
