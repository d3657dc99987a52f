"""An independent statement of the roadmap model (docs/roadmap.md), solved by brute force.

Written from docs/roadmap.md (the design's §10), not from rewards/roadmap: every valid schedule
of a small catalog is listed, its issuer rules checked one by one, and each month valued by a
linear program solved with scipy/HiGHS (every choice enumerated), with one row per open bonus
window: the card receives at least min_spend / window of the month's spend.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rewards.catalog import Card, Catalog
from rewards.categories import LEAF_CATEGORIES
from tests.rewards.reference import best_period_value

CAP_PER_MONTH = {"month": 1.0, "quarter": 1 / 3, "year": 1 / 12}


def month_key(absolute: int) -> str:
    return f"{absolute // 12}Q{(absolute % 12) // 3 + 1}"


def month_lp(
    cards: Sequence[Card],
    cpp: Sequence[float],
    monthly: Mapping[str, float],
    quarter: str,
    lower: Mapping[int, float],
) -> float | None:
    """Best month value over every choice; None when no allocation meets the lower bounds.

    One month is the reference LP (tests/rewards/reference.py) over a month of spend, caps a
    month, the calendar of the month's quarter, and one row per open bonus window.
    """
    if not cards or not any(monthly.get(leaf, 0) > 0 for leaf in LEAF_CATEGORIES):
        return None if any(v > 1e-9 for v in lower.values()) else 0.0
    spend = {leaf: float(amount) for leaf, amount in monthly.items()}
    return best_period_value(
        cards, cpp, spend, CAP_PER_MONTH, lambda rule: rule.categories_in(quarter) or (), lower
    )


# --- rules, as docs/roadmap.md states them ---------------------------------------------------


@dataclass(frozen=True)
class Event:
    month: int  # relative to today (0) — plan months are 1..H
    issuer: str | None
    business: bool


@dataclass
class Person:
    today: int  # absolute month
    horizon: int
    held: list[tuple[str, int]]  # (id, relative month opened)
    other_recent: int
    bonus_history: list[tuple[str, int]]  # (id, relative month)


def family(card: Card) -> str:
    return card.family or card.id


def applies(rule, card: Card) -> bool:  # noqa: ANN001
    return getattr(rule, "family", None) in (None, card.family)


def check_schedule(catalog: Catalog, person: Person, schedule: Sequence[tuple[str, int]]):
    """(approved, [bonus counted per application]) by the issuers' rules."""
    rules = {issuer.name: issuer.rules for issuer in catalog.issuers}
    events = [Event(0, None, False) for _ in range(person.other_recent)]
    for card_id, month in person.held:
        card = catalog.card(card_id)
        events.append(Event(month, card.issuer, card.business))
    received = [(catalog.card(cid), month) for cid, month in person.bonus_history]
    counted: list[bool] = []
    for card_id, month in schedule:
        card = catalog.card(card_id)
        for rule in rules.get(card.issuer, ()):
            if not applies(rule, card):
                continue
            if rule.kind == "recent_cards":
                n = sum(
                    1
                    for e in events
                    if e.month <= month
                    and month - e.month < rule.months
                    and (not e.business or rule.counts_business)
                )
                if n >= rule.max:
                    return False, []
            elif rule.kind == "issuer_limit":
                n = sum(
                    1
                    for e in events
                    if e.issuer == card.issuer
                    and month - e.month < rule.months
                    and (not e.business or rule.counts_business)
                )
                if n >= rule.max:
                    return False, []
            elif rule.kind == "issuer_gap":
                if rule.personal_only and card.business:
                    continue
                close = [
                    e
                    for e in events
                    if e.issuer == card.issuer
                    and not (rule.personal_only and e.business)
                    and month - e.month < rule.months
                ]
                if close:
                    return False, []
        ok = card.bonus is not None and card.bonus.points > 0
        ok = ok and month + card.bonus.months - 1 <= person.horizon
        if ok:
            for rule in rules.get(card.issuer, ()):
                if rule.kind != "bonus_once" or not applies(rule, card):
                    continue
                for other, got in received:
                    same = (
                        other.id == card.id
                        if rule.scope == "card"
                        else family(other) == family(card)
                    )
                    if same and (rule.months is None or month - got < rule.months):
                        ok = False
        counted.append(ok)
        if ok:
            received.append((card, month + card.bonus.months - 1))
        events.append(Event(month, card.issuer, card.business))
    return True, counted


# --- brute force ---------------------------------------------------------------------------


class Reference:
    def __init__(self, catalog, spend, cpp_overrides, person, candidates, count_credits):  # noqa: ANN001
        self.catalog = catalog
        self.spend = {k: float(v) for k, v in spend.items() if float(v) > 0}
        self.total = sum(self.spend.values())
        self.cpp = {
            c.id: float(cpp_overrides.get(c.id, c.cents_per_point)) for c in catalog.currencies
        }
        self.person = person
        self.candidates = candidates
        self.count_credits = count_credits
        self.memo: dict = {}

    def month(self, wallet: tuple[str, ...], lower: dict[str, float], t: int) -> float | None:
        key = (wallet, tuple(sorted(lower.items())), month_key(self.person.today + t))
        if key not in self.memo:
            cards = [self.catalog.card(i) for i in wallet]
            cpp = [self.cpp[c.currency] for c in cards]
            low = {wallet.index(i): amount for i, amount in lower.items()}
            self.memo[key] = month_lp(cards, cpp, self.spend, key[2], low)
        return self.memo[key]

    def value(self, schedule: Sequence[tuple[str, int]]) -> float | None:
        """The schedule's value, or None when it is not valid."""
        person, H = self.person, self.person.horizon
        approved, counted = check_schedule(self.catalog, person, schedule)
        if not approved:
            return None
        held = [cid for cid, _ in person.held]
        total = 0.0
        for cid in held:
            card = self.catalog.card(cid)
            total -= float(card.annual_fee) * H / 12
            if self.count_credits:
                total += float(card.credits_per_year) * H / 12
        for (cid, m), ok in zip(schedule, counted, strict=True):
            card = self.catalog.card(cid)
            fees = float(card.first_year_fee) + float(card.annual_fee) * ((H - m) // 12)
            total -= fees
            if self.count_credits:
                total += float(card.credits_per_year) / 12 * (H - m + 1)
            if ok:
                total += card.bonus.points * self.cpp[card.currency] / 100
        for t in range(1, H + 1):
            wallet = tuple(sorted(held + [cid for cid, m in schedule if m <= t]))
            lower = {}
            for (cid, m), ok in zip(schedule, counted, strict=True):
                card = self.catalog.card(cid)
                if ok and m <= t < m + card.bonus.months and card.bonus.min_spend > 0:
                    lower[cid] = float(card.bonus.min_spend) / card.bonus.months
            if sum(lower.values()) > self.total + 1e-7:
                return None
            got = self.month(wallet, lower, t)
            if got is None:
                return None
            total += got
        return total

    def schedules(self, max_new: int, spacing: int):  # noqa: ANN201
        H = self.person.horizon
        yield ()
        for k in range(1, max_new + 1):
            for cards in itertools.permutations(self.candidates, k):
                for months in itertools.combinations(range(1, H + 1), k):
                    if all(b - a >= spacing for a, b in itertools.pairwise(months)):
                        yield tuple(zip(cards, months, strict=True))

    def best_by_set(self, max_new: int, spacing: int) -> list[tuple[float, tuple]]:
        """Each card set's best value, best first (values only: ties may order either way)."""
        best: dict[frozenset, float] = {}
        for schedule in self.schedules(max_new, spacing):
            value = self.value(schedule)
            if value is None:
                continue
            key = frozenset(cid for cid, _ in schedule)
            if key not in best or value > best[key]:
                best[key] = value
        return sorted(((v, tuple(sorted(k))) for k, v in best.items()), reverse=True)
