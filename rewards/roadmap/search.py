"""Exact best-first search for the best roadmaps with distinct card sets.

A node is an ordered sequence of cards (the order of application); its months are not fixed:
every increasing tuple of months with the spacing is valued at once (numpy over the tuples).
Without the minimum-spend lower bounds, a schedule's value splits by application:

    V̂ = baseline + Σ_i [ Σ_{t ≥ m_i} (ρ_t(W_i) − ρ_t(W_{i−1})) + bonus_i − fees_i + credits_i ]

(W_i: held cards plus the first i cards; ρ_t: month t's rewards). The lower bounds only cost
(penalty_t = ρ_t(W_t) − ρ_t(W_t with bounds) ≥ 0), so V̂ ≥ V, the exact value.

Upper bound for everything below a node: its tuples' V̂ plus, for the applications still to
come after the last month m, E(m + spacing), where E is the best sum of up to r picks at months
spaced by the spacing of g_c(m) = bonus_c − fees_c + credits_c + (H − m + 1) · δ_c, with δ_c an
upper bound on what card c can add to a month's rewards in any wallet containing the node's
(see `marginal_bounds`; with an overlapping pick-top rule in the node's wallet, plus what
relaxing that rule adds, `MonthValues.gap`). Dropping "distinct cards" and the issuer rules
between applications only enlarges the maximum, so E stays an upper bound.

One priority queue holds: child generators (key: the best child's bound), complete sequences
(key: V̂, an upper bound on their exact value) and exact schedules (key: value). Keys are cents;
bounds are rounded up and get one cent more, and at equal cents bounds come before exact
schedules, exact ones then by (fewer cards, earlier months, card ids). So an exact schedule that
is popped ranks before everything still queued: the first popped for a card set is that set's
best schedule, and the first `top` card sets popped are the answer.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from rewards.model import CardModel
from rewards.money import cents
from rewards.options import SearchCancelled
from rewards.roadmap.issuers import Applicant, RuleBook
from rewards.roadmap.months import MonthValues

_NEG = -math.inf
_TOL = 1e-7


def bound_cents(value: float) -> int:
    """An upper bound as cents no schedule it bounds can exceed (one cent of margin)."""
    return math.floor(value * 100 + 0.5 + 1e-6) + 1


@cache
def month_tuples(k: int, horizon: int, spacing: int) -> np.ndarray:
    """Every increasing k-tuple of months in 1..H with consecutive months >= spacing apart.

    Shared by every sequence of k cards (one array per k, horizon and spacing: read-only)."""
    if k == 0:
        tuples = np.zeros((1, 0), dtype=np.int64)
    elif (room := horizon - (k - 1) * (spacing - 1)) < k:
        tuples = np.zeros((0, k), dtype=np.int64)
    else:
        base = np.array(list(itertools.combinations(range(1, room + 1), k)), dtype=np.int64)
        tuples = base + np.arange(k, dtype=np.int64) * (spacing - 1)
    tuples.setflags(write=False)
    return tuples


@dataclass(frozen=True)
class CardTerms:
    """What a card applied for brings besides rewards, by the month it is opened (1..H)."""

    fees: np.ndarray  # fees within the horizon: first-year fee, annual fee every 12 months after
    credits: np.ndarray  # credits counted: a twelfth of the yearly credits a month held
    bonus: float  # the bonus in dollars (points × cents per point)
    lower: float  # min_spend / window: dollars a month its open window needs


def card_terms(card: CardModel, cpp: float, credits: float, horizon: int) -> CardTerms:
    """A card's fees, credits, bonus and minimum spend a month (docs/roadmap.md, value)."""
    months = np.arange(1, horizon + 1)
    return CardTerms(
        fees=card.first_year_fee + card.annual_fee * ((horizon - months) // 12),
        credits=credits / 12.0 * (horizon - months + 1),
        bonus=card.bonus_points * cpp / 100.0,
        lower=card.bonus_min_spend / card.bonus_months if card.bonus_months else 0.0,
    )


@dataclass
class Problem:
    """Everything fixed for one roadmap query (built by rewards.roadmap.plans)."""

    values: MonthValues
    book: RuleBook
    horizon: int
    spacing: int
    max_new: int
    held: tuple[int, ...]
    candidates: list[int]  # catalog indices that may be applied for
    applicants: dict[int, Applicant]
    fee_total: dict[int, np.ndarray]  # per card: fees within the horizon if opened in month m
    credit_total: dict[int, np.ndarray]  # per card: credits counted if opened in month m
    bonus_value: dict[int, float]
    lower: dict[int, float]  # min_spend / window
    baseline: float
    ignore_rules: bool = False

    def __post_init__(self) -> None:
        values = self.values
        self.total = values.total
        self.row = {index: r for r, index in enumerate(self.candidates)}
        everyone = list(self.held) + self.candidates
        floors, best, extra = values.card_bounds(everyone)
        self.floor_of = {index: floors[r] for r, index in enumerate(everyone)}
        n = len(self.candidates)
        self.floors = floors[len(self.held) :]
        self.best = best[len(self.held) :]
        self.extra = extra[len(self.held) :]
        # ψ: at most the outside option of any non-empty wallet (and 0 for the empty one).
        self.psi = np.minimum(0.0, floors.min(axis=0)) if len(everyone) else np.zeros(0)
        self.supply = values.monthly
        H = self.horizon
        months = np.arange(1, H + 1)
        self.months_left = (H - months + 1).astype(float)
        # a[r, m]: bonus − fees + credits of card r opened in month m, −inf where no schedule
        # can open it then (given the history; earlier applications only forbid more).
        self.modular = np.full((n, H), _NEG)
        grid = months.reshape(-1, 1)
        for r, index in enumerate(self.candidates):
            app = self.applicants[index]
            approved, counted = self.book.evaluate([app], grid, self.ignore_rules)
            counted = counted[:, 0]
            base = self.credit_total[index] - self.fee_total[index]
            reachable = self.lower[index] <= self.total + _TOL
            may_lose = self._may_lose_bonus(index)
            with_bonus = base + self.bonus_value[index]
            value = np.where(counted & reachable, with_bonus, base)
            ok = approved & (~counted | reachable | may_lose)
            self.modular[r] = np.where(ok, value, _NEG)

    def _may_lose_bonus(self, index: int) -> bool:
        """Could an earlier application of the plan take this card's bonus away?"""
        if self.ignore_rules:
            return False
        app = self.applicants[index]
        for rule in app.rules:
            if rule.kind == "bonus_once" and rule.scope == "family":
                for other in self.candidates:
                    if other != index and self.applicants[other].family == app.family:
                        return True
        return False

    def marginal_bounds(self, wallet: tuple[int, ...]) -> np.ndarray:
        """δ per candidate: at most what it adds to a month's rewards of any wallet ⊇ `wallet`.

        Moving the card's receipts x to the wallet's best floor loses at most f(x) − x·φ_W, so
        its marginal value is at most max_x [f(x) − x·φ_W] ≤ min(Σ S (u − φ_W)⁺, Σ S (φ − φ_W)⁺
        + P). For the empty wallet ψ ≤ 0 stands in for φ_W (it is below every non-empty
        wallet's floor, and f(S) − S·ψ ≥ f(S) covers the first card).
        """
        phi = self.psi if not wallet else np.max([self.floor_of[i] for i in wallet], axis=0)
        s = self.supply
        by_best = (np.maximum(self.best - phi, 0.0) * s).sum(axis=1)
        by_floor = (np.maximum(self.floors - phi, 0.0) * s).sum(axis=1) + self.extra
        return np.minimum(by_best, by_floor)


@dataclass
class Node:
    seq: tuple[int, ...]
    months: np.ndarray  # (n, k)
    value: np.ndarray  # V̂ per tuple, −inf where invalid
    counted: np.ndarray  # (n, k)


@dataclass
class Found:
    """An exactly valued schedule."""

    seq: tuple[int, ...]
    months: tuple[int, ...]
    counted: tuple[bool, ...]
    value: float


@dataclass
class Stats:
    nodes: int = 0  # sequences valued (all their month tuples at once)
    completed: int = 0  # sequences valued exactly (with lower bounds)
    schedules: int = 0  # month tuples valued exactly
    seconds: float = 0.0
    solves: int = 0  # month allocation problems solved
    extra: dict = field(default_factory=dict)


class Search:
    def __init__(
        self,
        problem: Problem,
        cancel: Callable[[], bool] = lambda: False,
        progress: Callable[[Stats, list[Found]], None] | None = None,
        on_best: Callable[[Found], None] | None = None,
    ) -> None:
        self.p = problem
        self.cancel = cancel
        self.progress = progress
        # Called once, with the best schedule, as soon as it is known (the search is best
        # first: the first exact schedule taken off the heap is the best); the alternatives
        # take the rest of the search.
        self.on_best = on_best
        self.stats = Stats()
        self._gains: dict[tuple[tuple[int, ...], int], np.ndarray] = {}
        self._bound_gains: dict[tuple[tuple[int, ...], int], np.ndarray] = {}
        self.counter = itertools.count()
        self._last_report = 0.0

    # --- valuing one sequence ---------------------------------------------------------------

    def wallet(self, seq: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(self.p.held + seq))

    def node(self, seq: tuple[int, ...]) -> Node:
        """V̂ of every month tuple of a sequence (−inf where the schedule is not valid)."""
        p = self.p
        self.stats.nodes += 1
        k = len(seq)
        months = month_tuples(k, p.horizon, p.spacing)
        value = np.full(len(months), p.baseline)
        if k == 0:
            return Node(seq, months, value, np.zeros((1, 0), dtype=bool))
        apps = [p.applicants[i] for i in seq]
        approved, counted = p.book.evaluate(apps, months, p.ignore_rules)
        for i, index in enumerate(seq):
            value += self.opening_gain(seq[:i], index)[months[:, i] - 1]
            value += np.where(counted[:, i], p.bonus_value[index], 0.0)
        # Open windows must fit in the month's spend: check the load at each window's start
        # (only when all of the sequence's minimums together could exceed it).
        load_ok = np.ones(len(months), dtype=bool)
        lows = [p.lower[i] for i in seq]
        windows = [p.applicants[i].window for i in seq]
        for j in range(k if sum(lows) > p.total + _TOL else 0):
            start = months[:, j]
            load = np.zeros(len(months))
            for i in range(k):
                inside = (months[:, i] <= start) & (start < months[:, i] + windows[i])
                load += np.where(counted[:, i] & inside, lows[i], 0.0)
            load_ok &= load <= p.total + _TOL
        value[~(approved & load_ok)] = _NEG
        return Node(seq, months, value, counted)

    def opening_gain(self, before: tuple[int, ...], index: int) -> np.ndarray:
        """Per opening month m (index m − 1): what opening `index` after the cards `before`
        adds over the horizon — the rewards it adds from month m on, its credits minus its
        fees — bonus aside. Memoised: every order with the same cards before it shares it."""
        key = (self.wallet(before), index)
        gain = self._gains.get(key)
        if gain is None:
            series = self.p.values.series
            current = series(self.wallet((*before, index)))
            gain = self._gains[key] = self._gain(index, series(key[0]), current)
        return gain

    def opening_bound(self, before: tuple[int, ...], index: int) -> np.ndarray:
        """`opening_gain` with the months of wallets beyond the held cards read from
        `MonthValues.series_bound` (upper bounds): summed over an order's cards, the gains
        telescope to each month's bound of the wallet open in it (the held cards' months
        exactly, as the baseline counts them), so a sum of these bounds what the same cards
        opened in those months, or later, earn (docs/roadmap.md, "Year-one values")."""
        key = (self.wallet(before), index)
        gain = self._bound_gains.get(key)
        if gain is None:
            values = self.p.values
            previous = values.series_bound(key[0]) if before else values.series(key[0])
            current = values.series_bound(self.wallet((*before, index)))
            gain = self._bound_gains[key] = self._gain(index, previous, current)
        return gain

    def _gain(self, index: int, previous: np.ndarray, current: np.ndarray) -> np.ndarray:
        """Per opening month m: the month values `current` adds over `previous` from m on,
        plus the card's credits less its fees for being opened in m."""
        rewards = np.cumsum((current - previous)[::-1])[::-1]  # Σ_{t ≥ m}
        return rewards + self.p.credit_total[index] - self.p.fee_total[index]

    def exact(self, node: Node) -> Found | None:
        """The sequence's best schedule with the lower bounds.

        Tuples whose bonus windows hold no other application and overlap no other window
        (the common case) are valued at once: window i then costs the penalties of wallet
        W_i with card i's bound alone over its months. The others are valued one by one, best
        V̂ first, while their V̂ can still beat the best value found.
        """
        self.stats.completed += 1
        valid = node.value > _NEG
        if not valid.any():
            return None
        simple, penalty = self._simple_penalties(node)
        exact = np.where(valid & simple, node.value - penalty, _NEG)
        best: Found | None = None
        best_key: tuple | None = None
        k = node.months.shape[1]
        if (exact > _NEG).any():
            rows = np.nonzero(exact > _NEG)[0]
            top = exact[rows].max()
            # Among the rows within a cent of the top, the best by (cents, earlier months).
            near = rows[exact[rows] >= top - 0.011]
            for t in near:
                months = tuple(int(m) for m in node.months[t])
                key = (-cents(float(exact[t])), months)
                if best_key is None or key < best_key:
                    counted = tuple(bool(c) for c in node.counted[t])
                    best = Found(node.seq, months, counted, float(exact[t]))
                    best_key = key
            self.stats.schedules += len(near)
        rest = np.nonzero(valid & ~simple)[0]
        if not len(rest):
            return best
        # V̂ descending, then earlier months.
        keys = [node.months[rest, j] for j in range(k - 1, -1, -1)]
        order = rest[np.lexsort([*keys, -node.value[rest]])]
        for t in order:
            upper = float(node.value[t])
            if best is not None and bound_cents(upper) < cents(best.value):
                break
            self.stats.schedules += 1
            months = tuple(int(m) for m in node.months[t])
            counted = tuple(bool(c) for c in node.counted[t])
            value = upper - self.penalty(node.seq, months, counted)
            key = (-cents(value), months)
            if best_key is None or key < best_key:
                best, best_key = Found(node.seq, months, counted, value), key
        return best

    def _simple_penalties(self, node: Node) -> tuple[np.ndarray, np.ndarray]:
        """(simple, penalty) per tuple: see `exact`."""
        p = self.p
        months, counted = node.months, node.counted
        n, k = months.shape
        simple = np.ones(n, dtype=bool)
        penalty = np.zeros(n)
        for i, index in enumerate(node.seq):
            low, window = p.lower[index], p.applicants[index].window
            # (A bound above the month's spend only comes with invalid tuples.)
            active = counted[:, i] & (node.value > _NEG) & (low > 0)
            if not active.any() or low > p.total + _TOL:
                continue
            end = months[:, i] + window
            for j in range(k):
                if j > i:
                    simple &= ~(active & (months[:, j] < end))
                elif j < i and p.lower[node.seq[j]] > 0:
                    still_open = months[:, j] + p.applicants[node.seq[j]].window > months[:, i]
                    simple &= ~(active & counted[:, j] & still_open)
            wallet = self.wallet(node.seq[: i + 1])
            lows = ((index, low),)
            first = months[:, i]
            last = np.minimum(first + window - 1, p.horizon)
            if not p.values.varies(wallet):
                # Every month alike: each month of the window costs the same.
                charge = p.values.penalty(wallet, lows, 1)
                penalty += np.where(active, charge * (last - first + 1), 0.0)
                continue
            # Only the months some open window covers (a rotating wallet's other quarters
            # would each cost a bounded solve for nothing).
            per_month = np.zeros(p.horizon)
            for t in range(int(first[active].min()), int(last[active].max()) + 1):
                per_month[t - 1] = p.values.penalty(wallet, lows, t)
            sums = np.concatenate([[0.0], np.cumsum(per_month)])
            penalty += np.where(active, sums[last] - sums[first - 1], 0.0)
        return simple, penalty

    def lower_bounds(
        self, seq: tuple[int, ...], months: tuple[int, ...], counted: tuple[bool, ...], t: int
    ) -> tuple[tuple[int, ...], tuple[tuple[int, float], ...]]:
        """Month t's wallet and the lower bounds of the windows open in it."""
        p = self.p
        opened = sum(1 for m in months if m <= t)
        wallet = self.wallet(seq[:opened])
        lows = []
        for i in range(opened):
            index = seq[i]
            if counted[i] and t < months[i] + p.applicants[index].window and p.lower[index] > 0:
                lows.append((index, p.lower[index]))
        return wallet, tuple(sorted(lows))

    def penalty(
        self, seq: tuple[int, ...], months: tuple[int, ...], counted: tuple[bool, ...]
    ) -> float:
        """What the schedule's minimum spends cost: each month some counted window with a
        minimum covers, once, with that month's wallet and every window open in it."""
        p = self.p
        covered: set[int] = set()
        changes = set(months)  # where the wallet or the open windows change
        for i, index in enumerate(seq):
            if counted[i] and p.lower[index] > 0:
                end = months[i] + p.applicants[index].window
                covered.update(range(months[i], end))
                changes.add(end)
        total = 0.0
        state: tuple[tuple[int, ...], tuple[tuple[int, float], ...]] | None = None
        last = -1
        for t in sorted(covered):
            if state is None or t in changes or t != last + 1:
                state = self.lower_bounds(seq, months, counted, t)
            total += p.values.penalty(*state, t)
            last = t
        return total

    # --- bounds ------------------------------------------------------------------------------

    def extension(self, seq: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(G, E): G[r, m] per candidate and month, E[j][m] the best j more picks from m on."""
        p = self.p
        H = p.horizon
        delta = p.marginal_bounds(self.wallet(seq))
        g = p.modular + np.outer(delta, p.months_left)
        for index in seq:
            g[p.row[index]] = _NEG
        h = g.max(axis=0) if len(g) else np.full(H, _NEG)
        picks = p.max_new - len(seq)
        # E[j] has H + 1 + spacing entries: months 1.. beyond H are 0 (no more picks).
        width = H + 2 + p.spacing
        # Children need E for the picks after their own: rows 0 .. picks - 1.
        rows = max(picks - 1, 0)
        table = np.zeros((rows + 1, width))
        # A second bound that keeps the cards distinct (each at its best month from m on,
        # spacing ignored): the j largest of them. The lower of the two is used at every step.
        distinct = np.zeros((rows + 1, width))
        if rows > 1 and len(g) > rows:
            after = np.maximum.accumulate(np.maximum(g, 0.0)[:, ::-1], axis=1)[:, ::-1]
            top = -np.partition(-after, rows - 1, axis=0)[:rows]
            distinct[1:, 1 : H + 1] = np.cumsum(-np.sort(-top, axis=0), axis=0)
        else:
            distinct[1:] = np.inf  # one pick: the dynamic programme is already distinct
        for j in range(1, rows + 1):
            row = table[j]
            for m in range(H, 0, -1):
                take = h[m - 1] + table[j - 1][m + p.spacing]
                row[m] = min(max(row[m + 1], take), distinct[j][m])
        return g, table

    # --- the search --------------------------------------------------------------------------

    def run(self, top: int) -> list[Found]:
        started = time.process_time()
        p = self.p
        heap: list[tuple] = []
        found: list[Found] = []
        seen: set[frozenset[int]] = set()
        root = self.node(())
        self._push_exact(heap, Found((), (), (), p.baseline))
        self._push_children(heap, root)
        while heap and len(found) < top:
            if self.cancel():
                raise SearchCancelled()
            entry = heapq.heappop(heap)
            kind = entry[3]
            if kind == "exact":
                schedule = entry[4]
                key = frozenset(schedule.seq)
                if key not in seen:
                    seen.add(key)
                    found.append(schedule)
                    if len(found) == 1 and self.on_best is not None:
                        self.on_best(schedule)
            elif kind == "complete":
                best = self.exact(entry[4])
                if best is not None:
                    self._push_exact(heap, best)
            else:  # children
                _, _, _, _, node, order, bounds, at = entry
                child_seq = node.seq + (p.candidates[order[at]],)
                if at + 1 < len(order) and bounds[order[at + 1]] > _NEG:
                    key = bound_cents(bounds[order[at + 1]])
                    heapq.heappush(
                        heap, (-key, 0, next(self.counter), "children", node, order, bounds, at + 1)
                    )
                child = self.node(child_seq)
                best = float(child.value.max()) if len(child.value) else _NEG
                if best > _NEG:
                    heapq.heappush(
                        heap, (-bound_cents(best), 0, next(self.counter), "complete", child)
                    )
                self._push_children(heap, child)
            self._report(found)
        self.stats.seconds = time.process_time() - started
        self.stats.solves = p.values.solves
        return found

    def _push_exact(self, heap: list, schedule: Found) -> None:
        ids = tuple(self.p.values.model.cards[i].card.id for i in schedule.seq)
        tie = (len(schedule.seq), schedule.months, ids)
        heapq.heappush(heap, (-cents(schedule.value), 1, tie, "exact", schedule))

    def _push_children(self, heap: list, node: Node) -> None:
        p = self.p
        k = len(node.seq)
        if k >= p.max_new or not p.candidates:
            return
        g, table = self.extension(node.seq)
        H, s = p.horizon, p.spacing
        # Best V̂ of the node's tuples whose last month is at most x (x = 0..H).
        best_by_last = np.full(H + 1, _NEG)
        if k == 0:
            best_by_last[:] = p.baseline
        else:
            np.maximum.at(best_by_last, node.months[:, -1], node.value)
            best_by_last = np.maximum.accumulate(best_by_last)
        months = np.arange(1, H + 1)
        before = months - s if k else months - 1  # the node's last month may be at most this
        prefix = np.where(before >= 0, best_by_last[np.clip(before, 0, H)], _NEG)
        after = table[-1][np.minimum(months + s, H + 1)] if k + 1 < p.max_new else 0.0
        # Overlapping pick-top rules in the node's wallet: the marginal bounds hold for the
        # relaxed wallet, so what relaxing adds is added once (MonthValues.gap).
        gap = p.values.gap(self.wallet(node.seq))
        bounds = (g + prefix + after).max(axis=1) + gap
        order = np.argsort(-bounds, kind="stable")
        if len(order) and bounds[order[0]] > _NEG:
            key = bound_cents(bounds[order[0]])
            heapq.heappush(heap, (-key, 0, next(self.counter), "children", node, order, bounds, 0))

    def _report(self, found: list[Found]) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self._last_report >= 0.05:
            self._last_report = now
            self.progress(self.stats, found)
