"""What the card page says about where each figure comes from, and which ones are unconfirmed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from catalog.describe import base_sentence, rule_sentence
from catalog.models import Card, Evidence
from rewards.evidence import covers

# The figures the card page shows, with the words for them.
FACT_WORDS = {
    "annual_fee": "Annual fee",
    "first_year_fee": "First-year fee",
    "foreign_fee_pct": "Foreign transaction fee",
    "base_rate": "Base rate",
    "rules": "Earn rates",
    "bonus": "Sign-up bonus",
    "credits": "Credits",
    "status": "Open to new applicants",
    "business": "Business card",
    "network": "Network",
    "currency": "Reward currency",
    "credit": "Recommended credit",
    "name": "Name",
    "issuer": "Issuer",
    "family": "Card family",
    "shared_caps": "Shared caps",
}


@dataclass(frozen=True)
class Source:
    """One evidence item, numbered as the page lists it."""

    number: int
    facts: str
    url: str
    date: str
    quote: str
    note: str


@dataclass
class Fact:
    """One figure's sources (by number) and, if unconfirmed, why."""

    sources: list[int] = field(default_factory=list)
    unconfirmed: str = ""


@dataclass
class CardSources:
    sources: list[Source]
    facts: dict[str, Fact]
    rules: list[tuple[str, Fact]]
    base: tuple[str, Fact]
    unconfirmed: list[tuple[str, str]]


def _fact_words(name: str) -> str:
    if name.startswith("rules["):
        return f"earn rule {int(name[6:-1]) + 1}"
    if name.startswith("credits["):
        return f"credit {int(name[8:-1]) + 1}"
    return FACT_WORDS.get(name, name).lower()


def card_sources(card: Card, today: date | None = None) -> CardSources:
    """Numbered sources and per-figure markers for a card's page (prefetched card)."""
    evidence: list[Evidence] = list(card.evidence.all())
    unconfirmed = list(card.unconfirmed.all())
    sources = [
        Source(
            number=index,
            facts=", ".join(_fact_words(name) for name in item.fields).capitalize(),
            url=item.source_url,
            date=item.source_date,
            quote=item.quote,
            note=item.note,
        )
        for index, item in enumerate(evidence, 1)
    ]

    def fact(name: str) -> Fact:
        reason = next((u.reason for u in unconfirmed if covers(tuple(u.fields), name)), "")
        numbers = [i for i, item in enumerate(evidence, 1) if covers(tuple(item.fields), name)]
        return Fact(numbers, reason)

    rules = [
        (rule_sentence(rule, card, today), fact(f"rules[{index}]"))
        for index, rule in enumerate(card.rules.all())
    ]
    # A rule's marker includes what supports the rules as a whole.
    whole = fact("rules")
    for _, rule_fact in rules:
        rule_fact.sources = sorted(set(rule_fact.sources) | set(whole.sources))
        rule_fact.unconfirmed = rule_fact.unconfirmed or whole.unconfirmed
    return CardSources(
        sources=sources,
        facts={name: fact(name) for name in FACT_WORDS},
        rules=rules,
        base=(base_sentence(card), fact("base_rate")),
        unconfirmed=[
            (", ".join(_fact_words(name) for name in item.fields).capitalize(), item.reason)
            for item in unconfirmed
        ],
    )
