"""Issuers' application and bonus rules (catalog@2), checked for many month choices at once.

The rules (rewards.evidence.ISSUER_RULE_KINDS) and how a roadmap reads them (docs/roadmap.md):

- `recent_cards` (max N, months M, counts_business): an application to this issuer is approved
  only if fewer than N cards were opened in the last M months across all issuers: held cards by
  the month opened, `other_recent` cards in `today`'s month, earlier applications of the plan.
  Personal cards count; business cards count only when `counts_business` is true.
- `issuer_gap` (months M, personal_only): at least M months since the last card of this issuer
  was opened (with `personal_only`, the rule only concerns personal cards: only they count and
  only applications for them are held to it).
- `issuer_limit` (max N, months M, counts_business): fewer than N cards of this issuer opened in
  the last M months (business cards of the issuer count only with `counts_business`).
- `bonus_once` (scope card|family, months M or null): the card's bonus counts only if no bonus
  of the same card (or of the same family; a card without a family is its own) was received in
  the last M months (null: ever). Bonuses received are the bonus history plus every earlier
  application of the plan whose bonus counted, received in the month its window closes (even when
  that month comes after the new application: the cautious reading).

"In the last M months" at month a counts an event of month o when a − o < M. A rule applies to
every card of its issuer; a rule carrying a `family` applies only to the cards of that family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rewards.catalog import Card, IssuerRule
from rewards.model import CatalogModel
from rewards.options import EngineError
from rewards.roadmap.timeline import month_text, parse_month


@dataclass(frozen=True)
class Opened:
    """A card opened before the plan: month number relative to the plan (0 = today's month)."""

    month: int
    issuer: str | None  # None: an `other_recent` card of an unknown issuer
    business: bool


@dataclass(frozen=True)
class Received:
    """A bonus received before the plan (relative month)."""

    month: int
    card_id: str
    family: str


@dataclass(frozen=True)
class Applicant:
    """What the rules need of one card applied for."""

    card: Card
    rules: tuple[IssuerRule, ...]
    has_bonus: bool
    window: int  # bonus window in months

    @property
    def family(self) -> str:
        return self.card.family or self.card.id


@dataclass(frozen=True)
class History:
    """A person's cards and bonuses before a plan, as the rules count them."""

    held: tuple[int, ...]  # catalog indices of the held cards
    opened: tuple[Opened, ...]
    received: tuple[Received, ...]

    @classmethod
    def build(
        cls,
        model: CatalogModel,
        today: int,
        held: Sequence[tuple[str, str | None]],
        other_recent: int,
        bonus_history: Sequence[tuple[str, str]],
        *,
        latest: int | None,
        other_recent_months: Sequence[str] = (),
    ) -> History:
        """Checks and converts the inputs (EngineError with one clear sentence).

        `today` is the absolute month before plan month 1; months are kept relative to it. A
        held card whose month is None was opened at some unknown time and is not counted by
        the rules. Held cards and bonuses may not be dated after `latest`; with None, any
        month is accepted and a later one counts as month 0 (the year one of
        rewards.roadmap.year_one starts with today's quarter: a card opened this quarter, after
        its month 0, is counted from the year's first month on, the cautious reading).
        `other_recent` cards count as opened in `today`'s month (the cautious reading);
        `other_recent_months` are other cards with the month each was opened ("YYYY-MM").
        """
        opened: list[Opened] = [Opened(0, None, False) for _ in range(other_recent)]
        for when in other_recent_months:
            month = parse_month(when, "the month another card was opened")
            if latest is not None and month > latest:
                raise EngineError(
                    f"another card opened in {month_text(month)}, after today "
                    f"({month_text(latest)})"
                )
            opened.append(Opened(min(month, today) - today, None, False))
        indices: list[int] = []
        for card_id, when in held:
            if card_id not in model.index:
                raise EngineError(f"unknown held card {card_id!r}")
            index = model.index[card_id]
            indices.append(index)
            if when is None:
                continue
            month = parse_month(when, f"the month {card_id} was opened")
            if latest is not None and month > latest:
                raise EngineError(
                    f"held card {card_id} opened in {month_text(month)}, after today "
                    f"({month_text(latest)})"
                )
            card = model.cards[index].card
            opened.append(Opened(min(month, today) - today, card.issuer, card.business))
        received: list[Received] = []
        seen: set[tuple[str, int]] = set()
        for card_id, when in bonus_history:
            if card_id not in model.index:
                raise EngineError(f"unknown card in the bonus history {card_id!r}")
            month = parse_month(when, f"the month the {card_id} bonus was received")
            if latest is not None and month > latest:
                raise EngineError(
                    f"the {card_id} bonus is dated {month_text(month)}, after today "
                    f"({month_text(latest)})"
                )
            if (card_id, month) in seen:
                raise EngineError(f"the bonus history lists {card_id}@{month_text(month)} twice")
            seen.add((card_id, month))
            card = model.cards[model.index[card_id]].card
            received.append(Received(min(month, today) - today, card_id, family_of(card)))
        return cls(tuple(indices), tuple(opened), tuple(received))


def family_of(card: Card) -> str:
    """The bonus family a card belongs to (itself when the catalog names none)."""
    return card.family or card.id


def rules_for(card: Card, issuer_rules: tuple[IssuerRule, ...]) -> tuple[IssuerRule, ...]:
    """The issuer's rules that concern this card (a rule with a `family` only that family's)."""
    out = []
    for rule in issuer_rules:
        if rule.family is None or rule.family == card.family:
            out.append(rule)
    return tuple(out)


def describe(rule: IssuerRule, issuer: str) -> str:
    """One line saying what a rule demands."""
    scope = "" if rule.family is None else f" ({rule.family} cards)"
    if rule.kind == "recent_cards":
        kinds = "cards" if rule.counts_business else "personal cards"
        return (
            f"{issuer}{scope}: approved only with fewer than {rule.max} new {kinds} "
            f"(any issuer) in the last {rule.months} months"
        )
    if rule.kind == "issuer_gap":
        kinds = " personal" if rule.personal_only else ""
        return (
            f"{issuer}{scope}: at least {rule.months} months between two new{kinds} {issuer} cards"
        )
    if rule.kind == "issuer_limit":
        return f"{issuer}{scope}: at most {rule.max} new {issuer} cards in {rule.months} months"
    what = "card" if rule.scope == "card" else "card family"
    when = "ever" if rule.months is None else f"in the last {rule.months} months"
    return f"{issuer}{scope}: no bonus if one for the same {what} was received {when}"


def _counts(rule: IssuerRule, issuer: str, other: str | None, business: bool) -> bool:
    """Whether an application rule of `issuer` counts a card of issuer `other` (None: an
    unknown issuer) opened before: a gap and a limit only the issuer's own cards (a gap with
    `personal_only` only personal ones), recent cards every issuer's; business cards only
    with `counts_business` (gaps: unless `personal_only`)."""
    if rule.kind == "issuer_gap":
        return other == issuer and not (rule.personal_only and business)
    if rule.kind == "issuer_limit" and other != issuer:
        return False
    return rule.counts_business or not business


def _same_bonus(rule: IssuerRule, me: Applicant, card_id: str, family: str) -> bool:
    """Whether a bonus of `card_id` (of `family`) counts against `me` under a bonus rule."""
    return card_id == me.card.id if rule.scope == "card" else family == me.family


class RuleBook:
    """The person's history and the catalog's issuer rules, for one roadmap."""

    def __init__(
        self,
        issuer_rules: dict[str, tuple[IssuerRule, ...]],
        opened: list[Opened],
        received: list[Received],
        horizon: int,
    ) -> None:
        self.issuer_rules = issuer_rules
        self.opened = opened
        self.received = received
        self.horizon = horizon

    def applicant(self, card: Card) -> Applicant:
        rules = rules_for(card, self.issuer_rules.get(card.issuer, ()))
        bonus = card.bonus
        has = bonus is not None and bonus.points > 0
        return Applicant(card, rules, has, bonus.months if bonus is not None else 0)

    def evaluate(
        self, seq: list[Applicant], months: np.ndarray, ignore_rules: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(approved, bonus counted) for `months` (n × k, increasing) of the applications `seq`.

        approved: every application passes its issuer's application rules; counted[:, i]:
        application i's bonus counts (it has one, its window lies inside the horizon, and its
        issuer's bonus rules allow it). With `ignore_rules`, only the horizon matters.
        """
        n, k = months.shape
        approved = np.ones(n, dtype=bool)
        counted = np.zeros((n, k), dtype=bool)
        for i, app in enumerate(seq):
            m = months[:, i]
            if app.has_bonus:
                counted[:, i] = m + app.window - 1 <= self.horizon
            if ignore_rules:
                continue
            for rule in app.rules:
                if not self._may_bind(rule, seq, i):
                    continue
                if rule.kind == "bonus_once":
                    counted[:, i] &= self._bonus_allowed(rule, seq, months, counted, i)
                else:
                    approved &= self._approved(rule, seq, months, i)
        return approved, counted

    def binding(self, seq: Sequence[Applicant], i: int) -> list[IssuerRule]:
        """Application i's application rules that may fail at some month choice (the others
        pass at every one: see `_may_bind`). Depends on the cards, not on the months."""
        return [
            rule
            for rule in seq[i].rules
            if rule.kind != "bonus_once" and self._may_bind(rule, seq, i)
        ]

    def first_approved(
        self,
        seq: Sequence[Applicant],
        before: Sequence[int],
        earliest: int,
        rules: Sequence[IssuerRule],
    ) -> int | None:
        """The first month >= `earliest` (up to the horizon) in which application
        i = len(before) passes `rules` (its `binding` ones), the earlier applications opened
        in the months `before`; None if there is none."""
        if earliest > self.horizon:
            return None
        if not rules:
            return earliest
        i = len(before)
        months = np.arange(earliest, self.horizon + 1)
        grid = np.empty((len(months), i + 1), dtype=np.int64)
        grid[:, :i] = before
        grid[:, i] = months
        ok = np.ones(len(months), dtype=bool)
        for rule in rules:
            ok &= self._approved(rule, seq, grid, i)
        hits = np.flatnonzero(ok)
        return int(months[hits[0]]) if len(hits) else None

    def _may_bind(self, rule: IssuerRule, seq: Sequence[Applicant], i: int) -> bool:
        """False when the rule passes application i at every month choice: fewer events it
        counts (history and earlier applications, whatever their months) than its limit, no
        earlier card of the issuer for a gap, no same card or family for a bonus. `_approved`
        and `_bonus_allowed` would return all True; this says so without building the arrays
        (most rules, for a short plan of a person without much history)."""
        me = seq[i]
        if rule.kind == "bonus_once":
            return any(_same_bonus(rule, me, got.card_id, got.family) for got in self.received) or (
                any(_same_bonus(rule, me, app.card.id, app.family) for app in seq[:i])
            )
        if rule.kind == "issuer_gap" and rule.personal_only and me.card.business:
            return False
        issuer = me.card.issuer
        events = sum(1 for e in self.opened if _counts(rule, issuer, e.issuer, e.business))
        events += sum(
            1 for app in seq[:i] if _counts(rule, issuer, app.card.issuer, app.card.business)
        )
        if rule.kind == "issuer_gap":
            return events > 0
        assert rule.max is not None
        return events >= rule.max

    def _approved(
        self, rule: IssuerRule, seq: Sequence[Applicant], months: np.ndarray, i: int
    ) -> np.ndarray:
        m = months[:, i]
        card = seq[i].card
        issuer = card.issuer
        if rule.kind == "issuer_gap":
            if rule.personal_only and card.business:
                return np.ones(len(m), dtype=bool)
            last = np.full(len(m), -(10**6))
            for event in self.opened:
                if _counts(rule, issuer, event.issuer, event.business):
                    last = np.maximum(last, event.month)
            for j in range(i):
                other = seq[j].card
                if _counts(rule, issuer, other.issuer, other.business):
                    last = np.maximum(last, months[:, j])
            assert rule.months is not None
            return m - last >= rule.months
        # recent_cards and issuer_limit: count events in the last M months.
        count = np.zeros(len(m), dtype=np.int64)
        assert rule.months is not None and rule.max is not None
        for event in self.opened:
            if _counts(rule, issuer, event.issuer, event.business):
                count += (m - event.month < rule.months) & (event.month <= m)
        for j in range(i):
            other = seq[j].card
            if _counts(rule, issuer, other.issuer, other.business):
                count += m - months[:, j] < rule.months
        return count < rule.max

    def _bonus_allowed(
        self,
        rule: IssuerRule,
        seq: list[Applicant],
        months: np.ndarray,
        counted: np.ndarray,
        i: int,
    ) -> np.ndarray:
        m = months[:, i]
        me = seq[i]
        blocked = np.zeros(len(m), dtype=bool)
        for got in self.received:
            if _same_bonus(rule, me, got.card_id, got.family):
                blocked |= (
                    np.ones(len(m), dtype=bool)
                    if rule.months is None
                    else m - got.month < rule.months
                )
        for j in range(i):
            other = seq[j]
            if not _same_bonus(rule, me, other.card.id, other.family):
                continue
            when = months[:, j] + other.window - 1
            hit = counted[:, j] if rule.months is None else counted[:, j] & (m - when < rule.months)
            blocked |= hit
        return ~blocked

    def reasons(
        self, seq: list[Applicant], months: tuple[int, ...], counted: tuple[bool, ...]
    ) -> list[str | None]:
        """Why each application's bonus does not count (None where it does)."""
        out: list[str | None] = []
        grid = np.array([months])
        done = np.array([counted])
        for i, app in enumerate(seq):
            if counted[i]:
                out.append(None)
            elif not app.has_bonus:
                out.append("the card has no sign-up bonus")
            elif months[i] + app.window - 1 > self.horizon:
                out.append(f"its {app.window}-month window ends after the plan's last month")
            else:
                why = [
                    describe(rule, app.card.issuer)
                    for rule in app.rules
                    if rule.kind == "bonus_once"
                    and not self._bonus_allowed(rule, seq, grid, done, i)[0]
                ]
                out.append("; ".join(why) or "not allowed by the issuer's bonus rules")
        return out

    def blocking(self, seq: list[Applicant], months: tuple[int, ...]) -> list[list[IssuerRule]]:
        """Per application, the application rules it fails."""
        grid = np.array([months])
        return [
            [
                rule
                for rule in app.rules
                if rule.kind != "bonus_once" and not self._approved(rule, seq, grid, i)[0]
            ]
            for i, app in enumerate(seq)
        ]
