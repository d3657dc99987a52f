"""The roadmap's public API: which new cards to open, in what order and when (docs/roadmap.md).

`roadmap(catalog, spend, options)` returns the exact best schedule and the next best ones with
other card sets, each with its applications (bonus counted or why not, the minimum spend per
month and the categories to route to it) and its month-by-month rewards, fees, bonuses and
credits. Money is Decimal rounded to the cent at the edges, as in rewards.engine.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

import numpy as np

from rewards.catalog import Catalog
from rewards.categories import LEAF_CATEGORIES
from rewards.model import LEAF_INDEX, N_LEAVES, model_for
from rewards.money import cents, money
from rewards.options import CancelCheck, EngineError, Number, Options
from rewards.roadmap.issuers import History, RuleBook, describe
from rewards.roadmap.months import MonthValues
from rewards.roadmap.search import Found, Problem, Search, Stats, card_terms
from rewards.roadmap.timeline import month_text, parse_month

MAX_NEW = 6
MAX_SPACING = 12
MAX_MONTHS = 36


@dataclass(frozen=True)
class RoadmapOptions:
    """What shapes a roadmap besides spend (docs/roadmap.md, inputs)."""

    today: str  # "YYYY-MM": month 1 of the plan is the month after it
    months: int = 24  # horizon H
    max_new: int = 3
    spacing: int = 3  # months at least between two applications
    # (card id, "YYYY-MM" opened): in every month's wallet, fees, no bonus; counted by the rules.
    held: tuple[tuple[str, str], ...] = ()
    # Personal cards opened in the last 24 months that are not among `held` (counted as opened
    # in `today`'s month, the cautious reading)...
    other_recent: int = 0
    # ...or with the month each was opened ("YYYY-MM"), when the person knows it.
    other_recent_months: tuple[str, ...] = ()
    # (card id, "YYYY-MM" the bonus was received).
    bonus_history: tuple[tuple[str, str], ...] = ()
    top: int = 5
    cents_per_point: Mapping[str, Number] = field(default_factory=dict)
    max_annual_fee: Number | None = None
    credit_band: str | None = None
    excluded_issuers: frozenset[str] = frozenset()
    include_business: bool = False
    reward_kinds: frozenset[str] | None = None
    count_credits: bool = False

    def filters(self) -> Options:
        """The engine's Options for the filters and point values (validated there)."""
        return Options(
            held=tuple(card for card, _ in self.held),
            **{name: getattr(self, name) for name in FILTER_FIELDS},
        )


# The fields RoadmapOptions shares with the engine's Options: filters and point values.
FILTER_FIELDS = (
    "cents_per_point",
    "max_annual_fee",
    "credit_band",
    "excluded_issuers",
    "include_business",
    "reward_kinds",
    "count_credits",
)


@dataclass(frozen=True)
class Route:
    category: str
    spend: Decimal  # dollars a month


@dataclass(frozen=True)
class Application:
    card: str
    name: str
    month: int  # 1..H
    calendar_month: str  # "YYYY-MM"
    bonus_counted: bool
    bonus_value: Decimal  # 0 when not counted
    bonus_month: int | None  # the month its window closes (when counted)
    bonus_reason: str | None  # why it does not count
    min_spend_per_month: Decimal  # through the window, when counted (rounded up to the cent)
    window: int
    # What the plan puts on the card in the window's first month, largest first, as far as it
    # reaches the minimum spend.
    route: tuple[Route, ...]


@dataclass(frozen=True)
class MonthRow:
    month: int
    calendar_month: str
    cards: tuple[str, ...]  # new cards in the wallet that month
    rewards: Decimal
    fees: Decimal
    bonus: Decimal
    credits: Decimal


@dataclass(frozen=True)
class Plan:
    cards: tuple[str, ...]  # in application order
    applications: tuple[Application, ...]
    months: tuple[MonthRow, ...]
    value: Decimal
    gain: Decimal  # over the baseline (no new cards)
    rewards: Decimal
    fees: Decimal
    bonuses: Decimal
    credits: Decimal


@dataclass(frozen=True)
class Blocked:
    """A rule that kept a card of a better (rule-free) plan out, and from when it would pass."""

    card: str
    rule: str
    what: str  # "application" or "bonus"
    until: int | None  # first plan month it passes; None: not within the horizon
    until_month: str | None


@dataclass(frozen=True)
class Roadmap:
    today: str
    horizon: int
    baseline: Decimal
    plans: tuple[Plan, ...]
    blocked: tuple[Blocked, ...]
    stats: Stats
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The `roadmap --json` object (docs/roadmap.md), with a few more fields."""
        return {
            "baseline": float(self.baseline),
            "plans": [
                {
                    "value": float(plan.value),
                    "gain": float(plan.gain),
                    "applications": [
                        {
                            "card": app.card,
                            "month": app.month,
                            "calendar_month": app.calendar_month,
                            "bonus_counted": app.bonus_counted,
                            "bonus_value": float(app.bonus_value),
                            "bonus_reason": app.bonus_reason,
                            "min_spend_per_month": float(app.min_spend_per_month),
                            "route": [
                                {"category": r.category, "spend": float(r.spend)} for r in app.route
                            ],
                        }
                        for app in plan.applications
                    ],
                    "months": [
                        {
                            "month": row.month,
                            "rewards": float(row.rewards),
                            "fees": float(row.fees),
                            "bonus": float(row.bonus),
                            "credits": float(row.credits),
                        }
                        for row in plan.months
                    ],
                }
                for plan in self.plans
            ],
            "blocked": [
                {"card": b.card, "what": b.what, "rule": b.rule, "until": b.until_month}
                for b in self.blocked
            ],
        }


def _to_float(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EngineError(f"{what} must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise EngineError(f"{what} must be a finite number, not negative (got {value})")
    return number


def _whole(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise EngineError(f"{what} must be a whole number from {low} to {high} (got {value!r})")
    return value


def _cancel(cancel: CancelCheck | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


class _Builder:
    """Validates a request and builds the search problem and the report."""

    def __init__(self, catalog: Catalog, spend: Mapping[str, Number], options: RoadmapOptions):
        self.options = options
        filters = options.filters()
        filters.validate()
        self.horizon = _whole(options.months, "the number of months", 1, MAX_MONTHS)
        self.max_new = _whole(options.max_new, "the most new cards", 0, MAX_NEW)
        self.spacing = _whole(options.spacing, "the spacing", 1, MAX_SPACING)
        self.top = _whole(options.top, "the number of plans", 1, 100)
        self.other_recent = _whole(options.other_recent, "other recent cards", 0, 100)
        self.today = parse_month(options.today, "today")
        held_ids = [card for card, _ in options.held]
        catalog = catalog.recommendable(tuple(held_ids))
        self.catalog = catalog
        model = model_for(catalog)
        self.model = model
        monthly = np.zeros(N_LEAVES)
        for name, amount in spend.items():
            if name not in LEAF_INDEX:
                raise EngineError(f"unknown spending category {name!r}")
            monthly[LEAF_INDEX[name]] = _to_float(amount, f"spend on {name}")
        cpp = model.currency_cpp.copy()
        for currency, value in options.cents_per_point.items():
            if currency not in model.currency_ids:
                raise EngineError(f"unknown currency {currency!r}")
            cpp[model.currency_ids.index(currency)] = _to_float(
                value, f"cents per point of {currency}"
            )
        card_cpp = cpp[model.card_currency]

        history = History.build(
            model,
            self.today,
            options.held,
            self.other_recent,
            options.bonus_history,
            latest=self.today,
            other_recent_months=options.other_recent_months,
        )
        held = list(history.held)
        H = self.horizon
        self.held = tuple(sorted(held))
        self.values = MonthValues(catalog, monthly, card_cpp, self.today, H)
        rules = {issuer.name: issuer.rules for issuer in catalog.issuers}
        self.book = RuleBook(rules, list(history.opened), list(history.received), H)
        self.candidates = [
            card.index
            for card in model.cards
            if card.index not in set(held) and filters.admits(card.card, card.kind)
        ]
        credits = model.credits if options.count_credits else np.zeros(len(model.cards))
        self.credits = credits
        self.fee_total: dict[int, np.ndarray] = {}
        self.credit_total: dict[int, np.ndarray] = {}
        self.bonus_value: dict[int, float] = {}
        self.lower: dict[int, float] = {}
        for index in self.candidates:
            terms = card_terms(model.cards[index], float(card_cpp[index]), credits[index], H)
            self.fee_total[index], self.credit_total[index] = terms.fees, terms.credits
            self.bonus_value[index], self.lower[index] = terms.bonus, terms.lower
        held_fees = sum(model.annual_fee[i] for i in self.held) / 12.0
        held_credits = sum(credits[i] for i in self.held) / 12.0
        self.held_month = held_credits - held_fees  # credits − fees of the held cards, a month
        base = self.values.series(self.held).sum() if self.held else 0.0
        self.baseline = float(base + H * self.held_month)

    def problem(self, ignore_rules: bool = False) -> Problem:
        return Problem(
            values=self.values,
            book=self.book,
            horizon=self.horizon,
            spacing=self.spacing,
            max_new=self.max_new,
            held=self.held,
            candidates=self.candidates,
            applicants={i: self.book.applicant(self.model.cards[i].card) for i in self.candidates},
            fee_total=self.fee_total,
            credit_total=self.credit_total,
            bonus_value=self.bonus_value,
            lower=self.lower,
            baseline=self.baseline,
            ignore_rules=ignore_rules,
        )

    # --- the report -------------------------------------------------------------------------

    def plan(self, search: Search, found: Found) -> Plan:
        model, values = self.model, self.values
        seq, months, counted = found.seq, found.months, found.counted
        apps = [search.p.applicants[i] for i in seq]
        reasons = self.book.reasons(apps, months, counted)
        rows: list[MonthRow] = []
        totals = dict.fromkeys(("rewards", "fees", "bonus", "credits"), 0.0)
        for t in range(1, self.horizon + 1):
            wallet, lows = search.lower_bounds(seq, months, counted, t)
            rewards = values.bounded_value(wallet, lows, t) if lows else values.free(wallet, t)[0]
            fees = -self.held_month * 0.0 + sum(model.annual_fee[i] for i in self.held) / 12.0
            credits = sum(self.credits[i] for i in wallet) / 12.0
            bonus = 0.0
            for i, index in enumerate(seq):
                card = model.cards[index]
                if t == months[i]:
                    fees += card.first_year_fee
                elif t > months[i] and (t - months[i]) % 12 == 0:
                    fees += card.annual_fee
                if counted[i] and t == months[i] + card.bonus_months - 1:
                    bonus += self.bonus_value[index]
            totals["rewards"] += rewards
            totals["fees"] += fees
            totals["bonus"] += bonus
            totals["credits"] += credits
            rows.append(
                MonthRow(
                    month=t,
                    calendar_month=month_text(self.today + t),
                    cards=tuple(model.cards[i].card.id for i in seq if i in wallet),
                    rewards=money(rewards),
                    fees=money(fees),
                    bonus=money(bonus),
                    credits=money(credits),
                )
            )
        applications = []
        for i, index in enumerate(seq):
            card = model.cards[index]
            route: tuple[Route, ...] = ()
            low = self.lower[index] if counted[i] else 0.0
            if counted[i] and low > 0:
                wallet, lows = search.lower_bounds(seq, months, counted, months[i])
                spend = values.bounded(wallet, lows, months[i])[1]
                got = sorted(
                    ((leaf, amount) for (leaf, who), amount in spend.items() if who == index),
                    key=lambda item: (-item[1], item[0]),
                )
                # The categories the plan puts on the card, largest first, as far as they
                # reach the minimum (the card may take more where it simply pays best).
                picked: list[Route] = []
                reached = 0.0
                for leaf, amount in got:
                    if reached >= low - 1e-6 or amount < 0.005:
                        break
                    picked.append(Route(LEAF_CATEGORIES[leaf], money(amount)))
                    reached += amount
                route = tuple(picked)
            applications.append(
                Application(
                    card=card.card.id,
                    name=card.card.name,
                    month=months[i],
                    calendar_month=month_text(self.today + months[i]),
                    bonus_counted=counted[i],
                    bonus_value=money(self.bonus_value[index] if counted[i] else 0.0),
                    bonus_month=months[i] + card.bonus_months - 1 if counted[i] else None,
                    bonus_reason=reasons[i],
                    min_spend_per_month=Decimal(f"{low:.6f}").quantize(
                        Decimal("0.01"), ROUND_CEILING
                    ),
                    window=card.bonus_months,
                    route=route,
                )
            )
        value = found.value
        return Plan(
            cards=tuple(model.cards[i].card.id for i in seq),
            applications=tuple(applications),
            months=tuple(rows),
            value=money(value),
            gain=money(value - self.baseline),
            rewards=money(totals["rewards"]),
            fees=money(totals["fees"]),
            bonuses=money(totals["bonus"]),
            credits=money(totals["credits"]),
        )

    def blocked(self, best: Found, cancel: Callable[[], bool]) -> list[Blocked]:
        """Rules that kept the cards of a better rule-free plan out (docs/roadmap.md)."""
        if not any(issuer.rules for issuer in self.catalog.issuers) or self.max_new == 0:
            return []
        relaxed = Search(self.problem(ignore_rules=True), cancel).run(1)
        if not relaxed or cents(relaxed[0].value) <= cents(best.value):
            return []
        plan = relaxed[0]
        model = self.model
        apps = [self.book.applicant(model.cards[i].card) for i in plan.seq]
        out: list[Blocked] = []
        _, real_counted = self.book.evaluate(apps, np.array([plan.months]))
        failing = self.book.blocking(apps, plan.months)
        for i, index in enumerate(plan.seq):
            card = model.cards[index].card
            later = np.array(
                [plan.months[:i] + (m,) for m in range(plan.months[i], self.horizon + 1)]
            )
            approved, counted = self.book.evaluate(apps[: i + 1], later)
            for rule in failing[i]:
                ok = np.nonzero(approved)[0]
                until = int(later[ok[0], i]) if len(ok) else None
                out.append(
                    self._blocked(card.id, describe(rule, card.issuer), "application", until)
                )
            if plan.counted[i] and not real_counted[0, i]:
                ok = np.nonzero(counted[:, i])[0]
                until = int(later[ok[0], i]) if len(ok) else None
                reason = self.book.reasons(
                    apps, plan.months, tuple(bool(c) for c in real_counted[0])
                )[i]
                out.append(self._blocked(card.id, reason or "bonus rule", "bonus", until))
        return out

    def _blocked(self, card: str, rule: str, what: str, until: int | None) -> Blocked:
        text = None if until is None else month_text(self.today + until)
        return Blocked(card, rule, what, until, text)


def roadmap(
    catalog: Catalog,
    spend: Mapping[str, Number],
    options: RoadmapOptions,
    *,
    progress: Callable[[Stats, list[Found]], None] | None = None,
    cancel: CancelCheck | None = None,
    on_best: Callable[[Roadmap], None] | None = None,
) -> Roadmap:
    """The best schedules of new cards with distinct card sets, best first (docs/roadmap.md).

    Raises EngineError for bad input and SearchCancelled when `cancel` says stop. `progress`
    (stats, schedules found so far) is called at most every 50 ms during the search. `on_best`
    gets a Roadmap of the best plan alone (with what blocked it) as soon as the search has it,
    while the alternatives are still being searched; the returned Roadmap starts with the same.
    """
    started = time.perf_counter()
    builder = _Builder(catalog, spend, options)
    check = _cancel(cancel)
    best: list[tuple[Plan, tuple[Blocked, ...]]] = []

    def roadmap_of(plans: tuple[Plan, ...], blocked: tuple[Blocked, ...]) -> Roadmap:
        return Roadmap(
            today=month_text(builder.today),
            horizon=builder.horizon,
            baseline=money(builder.baseline),
            plans=plans,
            blocked=blocked,
            stats=search.stats,
            seconds=time.perf_counter() - started,
        )

    def first(schedule: Found) -> None:
        best.append((builder.plan(search, schedule), tuple(builder.blocked(schedule, check))))
        if on_best is not None:
            on_best(roadmap_of((best[0][0],), best[0][1]))

    search = Search(builder.problem(), check, progress, on_best=first)
    found = search.run(builder.top)
    if not found:
        return roadmap_of((), ())
    plans = (best[0][0], *(builder.plan(search, schedule) for schedule in found[1:]))
    return roadmap_of(plans, best[0][1])
