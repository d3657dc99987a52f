"""Lagrangian bounds of a year whose quarters a yearly cap couples (`year._solve_by_choices`).

Pricing each yearly pool's dollars at μ >= 0 and dropping its cap bounds the year by the
quarters' best values under those prices plus μ·Y. Here: a quarter problem priced so
(`price_yearly`), one choice of its rules pinned (`pin_choices`) and valued (`quarter_values`,
`solve_fixed`); the cut of the quarters' choices that cannot be in a year above a threshold
(`promising`: by groups, relaxed LPs, then branch and bounds); and the
year's bound along the ray of the even split's dual prices (`YearBound`). docs/engine.md
("Yearly caps over the whole year", "The cut, cheaper") has the math.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rewards import lp
from rewards.allocation.explicit_lp import Warm, lp_value, solve_lp
from rewards.allocation.problem import PricedCard, Problem, QuarterResult, plain_pools
from rewards.allocation.solver import solve_problem
from rewards.flow import PoolKey

# How far below its root bound a one-quarter optimum may be and still stand for the year (and
# how close a bound must come to a value to certify it).
CERTIFY = 1e-7


def yearly_keys(cards: Sequence[PricedCard]) -> set[PoolKey]:
    """The one-quarter problem's pool keys of the yearly caps that can bind."""
    return {
        (pos, p, 0)
        for pos, card in enumerate(cards)
        for p, (year, cap) in enumerate(zip(card.pool_year, card.pool_caps, strict=True))
        if year and math.isfinite(cap)
    }


def price_yearly(problem: Problem, prices: Mapping[PoolKey, float]) -> Problem:
    """The problem with these pools uncapped and every dollar through them charged its price."""
    caps = dict(problem.caps)
    for key in prices:
        if key in caps:
            caps[key] = math.inf
    edges = [(key, node, val - prices.get(key, 0.0)) for key, node, val in problem.edges]
    rules = []
    for rule in problem.rules:
        price = prices.get(rule.key)
        if price is None:
            rules.append(rule)
            continue
        options = [[(node, val - price) for node, val in option] for option in rule.options]
        rules.append(replace(rule, options=options, cap=math.inf))
    return replace(problem, edges=edges, caps=caps, rules=rules)


def pin_choices(problem: Problem, fixed: tuple[tuple[int, ...], ...]) -> Problem:
    """The problem with each rule's options narrowed to `fixed` (a rule left with more than
    N of them is still settled by its branch and bound)."""
    rules = [
        replace(rule, useful=list(options))
        for rule, options in zip(problem.rules, fixed, strict=True)
    ]
    return replace(problem, rules=rules)


def quarter_values(
    problem: Problem,
    combos: Sequence[tuple[tuple[int, ...], ...]],
    settle_others: bool,
    warm: Warm | None = None,
) -> np.ndarray:
    """The best value of the quarter `problem` for each choice in `combos` (-inf:
    infeasible). `settle_others`: the choices fix only the pick-top rules, and the other rules
    are settled by branch and bound (exact) instead of relaxed (one LP, an upper bound).
    `warm`: the LPs' last optima, when `problem` differs from the last one it was given only
    in its objective (`lp_value`)."""
    values = np.full(len(combos), -np.inf)
    for j, combo in enumerate(combos):
        if settle_others:
            with contextlib.suppress(lp.Infeasible):
                values[j] = solve_problem(pin_choices(problem, combo), rows=False).value
        elif warm is not None and problem.any_lp:
            values[j] = lp_value(problem, combo, warm)
        elif (solved := solve_fixed(problem, combo, ())) is not None:
            values[j] = solved.value
    return values


def promising(
    quarters: Sequence[Problem],
    repeat: int,
    combos: Sequence[Sequence[tuple[tuple[int, ...], ...]]],
    price_vectors: Sequence[Mapping[PoolKey, float]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    threshold: float,
    settle_others: bool,
    every_choice: bool,
    parents: Sequence[Parents] | None = None,
) -> tuple[list[list[tuple[tuple[int, ...], ...]]], Kept]:
    """For each quarter problem (each standing for `repeat` quarters: 4 when alike, else 1),
    the choices J that can be in a year above `threshold`: h_q(J, μ) + the other quarters at
    their best + μ·Y must be above it for every μ in `price_vectors` (the Lagrangian bound of
    `year._solve_by_choices`); and what was found (`Kept`: the highest bound of a dropped
    choice, -inf if none, bounds every year holding a dropped choice). `every_choice`: `combos`
    lists every choice of each quarter (h's best over them is then the quarter's optimum).
    `parents`: per quarter, the choice each one was expanded from and the parents' h at each
    price vector (each an upper bound of its children's h).

    Alike quarters: Venmo's card beside Blue Cash Preferred's binding cap, Freedom Unlimited
    and Custom Cash on the typical household has 450 choices a quarter, C(453, 4) = 1.7e9
    multisets, of which 9 choices stay. Quarters that differ: three small cards of the
    year-one property test, all three choice rules pick-top, have 72 choices a quarter, 27
    million sequences, which the four-quarter branch and bound did not finish in minutes.

    Each price vector after the first values only the choices still kept, and bounds the
    other quarters by their best kept choice: a year with a choice dropped already is bounded
    by that choice's bound, so only years made of kept choices are left to bound. (The
    typical household with Venmo's card held: Blue Cash Preferred's binding yearly cap beside
    Cash+ and Custom Cash listed 9,242 choices, each an LP at both price vectors, 20 s.)
    """
    keep = [np.ones(len(c), dtype=bool) for c in combos]
    settled = [[np.full(len(c), np.nan) for _ in price_vectors] for c in combos]
    dropped = -math.inf
    for v, prices in enumerate(price_vectors):
        kept = [np.nonzero(k)[0] for k in keep]
        values = [
            _ChoiceValues(
                price_yearly(problem, prices),
                [quarter_combos[j] for j in rows],
                settle_others,
                every_choice and v == 0,
                None if parents is None else parents[q].values[v][parents[q].of[rows]],
            )
            for q, (problem, quarter_combos, rows) in enumerate(
                zip(quarters, combos, kept, strict=True)
            )
        ]
        best = [quarter.best() for quarter in values]
        constant = float(np.dot([prices[key] for key in yearly], year_caps))
        for q, quarter in enumerate(values):
            others = sum(best[:q] + best[q + 1 :])
            if repeat > 1:
                others += (repeat - 1) * best[q]
            floor = threshold - others - constant  # what h(J) must beat
            alive, group_best = quarter.groups(floor)
            dropped = max(dropped, group_best + others + constant)
            bounds = np.full(len(alive), -np.inf)
            bounds[alive] = quarter.bounds(np.nonzero(alive)[0], floor) + others + constant
            above = bounds > threshold
            cut = alive & ~above
            if cut.any():
                dropped = max(dropped, float(bounds[cut].max()))
            keep[q][kept[q]] = above
            settled[q][v][kept[q]] = quarter.values
    listed = [
        [combo for combo, keep_it in zip(quarter_combos, keep_q, strict=True) if keep_it]
        for quarter_combos, keep_q in zip(combos, keep, strict=True)
    ]
    return listed, Kept(keep, dropped, settled)


@dataclass
class Kept:
    """What `promising` keeps: per quarter, which choices; the highest bound of a choice
    dropped; per quarter and price vector, h of each choice where it was settled (every kept
    choice's at every price vector: nan elsewhere)."""

    keep: list[np.ndarray]
    dropped: float
    values: list[list[np.ndarray]]


@dataclass
class Parents:
    """Choices expanded from others (`expand`): the index of each one's parent, and per price
    vector the parents' h (each child's h is at most its parent's)."""

    of: np.ndarray
    values: list[np.ndarray]


class _ChoiceValues:
    """h(J) of one quarter problem for each choice J, settled only where it is needed.

    With `settle_others` (only the pick-top rules are in the choices) h is a branch and bound
    per choice, else one LP (exact for the choice). Choices are cut in groups first, and with
    `settle_others` by the LP with the other rules relaxed (an upper bound of h in a fraction
    of a branch and bound's time). The groups: with `every_choice` (the choices are all of
    the quarter's) the choices sharing one option of the first rule that has several, whose
    best h is a branch and bound with that option fixed and the others free (Venmo's two
    pick-top rules: 10 groups of 45 choices); with `parent_values`, the choices expanded from
    one parent, whose h bounds theirs.
    """

    def __init__(
        self,
        problem: Problem,
        choices: Sequence[tuple[tuple[int, ...], ...]],
        settle_others: bool,
        every_choice: bool = False,
        parent_values: np.ndarray | None = None,
    ) -> None:
        self.problem, self.choices, self.settle_others = problem, choices, settle_others
        self.upper = np.full(len(choices), np.nan)  # (nan: not computed yet)
        self.values = np.full(len(choices), np.nan)
        self.group_values = parent_values
        if parent_values is None and every_choice:
            self.group_values = self._group_values()

    def _group_values(self) -> np.ndarray:
        """Each choice's group's best h (by the first rule with several options: one branch
        and bound per option); with a single group, the quarter's optimum."""
        rules = range(len(self.choices[0])) if self.choices else range(0)
        split = next((r for r in rules if len({c[r] for c in self.choices}) > 1), None)
        free = tuple(tuple(rule.useful) for rule in self.problem.rules)
        best: dict[tuple[int, ...] | None, float] = {}
        values = np.empty(len(self.choices))
        for j, choice in enumerate(self.choices):
            option = None if split is None else choice[split]
            if option not in best:
                fixed = free if split is None else free[:split] + (option,) + free[split + 1 :]
                try:
                    best[option] = solve_problem(pin_choices(self.problem, fixed), rows=False).value
                except lp.Infeasible:
                    best[option] = -math.inf
            values[j] = best[option]
        return values

    def exact(self, rows: np.ndarray) -> np.ndarray:
        """h of these choices (settled now where not yet)."""
        todo = [int(j) for j in rows if math.isnan(self.values[j])]
        if todo:
            listed = [self.choices[j] for j in todo]
            self.values[todo] = quarter_values(self.problem, listed, self.settle_others)
            if not self.settle_others:
                self.upper[todo] = self.values[todo]
        return self.values[rows]

    def relaxed(self, rows: np.ndarray) -> np.ndarray:
        """Upper bounds of h for these choices (h itself without `settle_others`)."""
        if not self.settle_others:
            return self.exact(rows)
        todo = [int(j) for j in rows if math.isnan(self.upper[j])]
        if todo:
            listed = [self.choices[j] for j in todo]
            self.upper[todo] = quarter_values(self.problem, listed, False)
        return self.upper[rows]

    def bounds(self, rows: np.ndarray, floor: float) -> np.ndarray:
        """h of these choices where an upper bound of it is above `floor`, else that bound
        (at most `floor`)."""
        values = self.relaxed(rows)
        passed = values > floor
        values[passed] = self.exact(rows[passed])
        return values

    def groups(self, floor: float) -> tuple[np.ndarray, float]:
        """Which choices' groups can have an h above `floor` (all without groups), and the
        best h of the groups that cannot (-inf: none)."""
        if self.group_values is None:
            return np.ones(len(self.choices), dtype=bool), -math.inf
        alive = self.group_values > floor
        cut = self.group_values[~alive]
        return alive, float(cut.max()) if len(cut) else -math.inf

    def best(self) -> float:
        """An upper bound of max h (exact with `every_choice`: the quarter's optimum, the
        best group's h); without groups the choices are settled in order of their upper
        bounds until none left can beat the best."""
        if not len(self.choices):
            return -math.inf
        if self.group_values is not None:
            return float(self.group_values.max())
        rows = np.arange(len(self.choices))
        upper = self.relaxed(rows)
        best = -math.inf
        for j in np.argsort(-upper, kind="stable"):
            if upper[j] <= best:
                break
            best = max(best, float(self.exact(np.array([j]))[0]))
        return best


def distinct_prices(
    yearly: Sequence[PoolKey], candidates: Sequence[Mapping[PoolKey, float]]
) -> list[dict[PoolKey, float]]:
    """The price vectors a cut tries, each over every yearly pool: the first candidate always
    (every choice is valued at it), each later one when it prices something and is new."""
    vectors: list[dict[PoolKey, float]] = []
    for prices in candidates:
        vector = {key: prices.get(key, 0.0) for key in yearly}
        if not vectors or (any(vector.values()) and vector not in vectors):
            vectors.append(vector)
    return vectors


# How many of each differing quarter's most valuable choices are listed for a first bar.
_FEW_CHOICES = 8


def most_valuable(
    quarters: Sequence[Problem],
    combos: list[list[tuple[tuple[int, ...], ...]]],
    settle_others: bool,
) -> list[list[tuple[tuple[int, ...], ...]]]:
    """Each quarter's _FEW_CHOICES choices worth most on their own (yearly caps as Y/4)."""
    few = []
    for problem, quarter_combos in zip(quarters, combos, strict=True):
        values = quarter_values(problem, quarter_combos, settle_others)
        order = np.argsort(-values, kind="stable")[:_FEW_CHOICES]
        few.append([quarter_combos[j] for j in order if values[j] > -math.inf])
    return few


def even_split_prices(
    problem: Problem, even: QuarterResult, yearly: Sequence[PoolKey]
) -> dict[PoolKey, float]:
    """The yearly pools' dual prices in the even split (one quarter's optimum, its choices
    fixed); none when its choices are not known."""
    if even.chosen is None:
        return {}
    solved = solve_fixed(problem, even.chosen, yearly)
    return {} if solved is None else {key: solved.duals.get(key, 0.0) for key in yearly}


def expand(
    problem: Problem, combos: Sequence[tuple[tuple[int, ...], ...]]
) -> tuple[list[tuple[tuple[int, ...], ...]], np.ndarray]:
    """Each choice of the pick-top rules with every N-subset of the other rules' options,
    and the index in `combos` each one comes from."""
    per_rule = [
        None if rule.top_lp else list(itertools.combinations(rule.useful, rule.choice.rule.n))
        for rule in problem.rules
    ]
    full: list[tuple[tuple[int, ...], ...]] = []
    of: list[int] = []
    for j, combo in enumerate(combos):
        options = [
            [chosen] if subsets is None else subsets
            for chosen, subsets in zip(combo, per_rule, strict=True)
        ]
        start = len(full)
        full += itertools.product(*options)
        of += [j] * (len(full) - start)
    return full, np.array(of, dtype=np.intp)


def solve_fixed(
    problem: Problem,
    fixed: tuple[tuple[int, ...], ...],
    priced: Sequence[PoolKey],
    rows: bool = False,
) -> QuarterResult | None:
    """The problem with each rule's options fixed (None: infeasible), with dual prices.

    An LP problem is solved by the dense simplex, whose duals come with it. A flow problem
    becomes plain pools (one transport problem); the dual prices of the pools in `priced` are
    then their marginal values, measured by adding a little capacity (any prices >= 0 keep
    the Lagrangian bounds valid: they need not be exact).
    """
    if problem.any_lp:
        return solve_lp(problem, fixed)
    plain = plain_pools(problem, fixed)
    caps = plain.caps
    result = solve_problem(plain, rows)
    for key in priced:
        cap = caps.get(key, math.inf)
        if math.isfinite(cap):
            step = 1e-4 * max(1.0, cap)
            more = replace(plain, caps={**caps, key: cap + step})
            result.duals[key] = max(
                0.0, (solve_problem(more, rows=False).value - result.value) / step
            )
    return result


class YearBound:
    """Upper bounds on a quarter's share of the year when quarters are alike (Lagrangian).

    `problem` is the one-quarter problem with each yearly cap Y as Y/4 and `result` its exact
    optimum. Pricing each yearly pool's dollars at μ_p >= 0 and dropping its cap bounds the
    year: year <= 4·g(μ) + Σ_p μ_p·Y_p, where g is the best quarter (every choice allowed) under
    those prices; per quarter that is g(μ) + Σ_p μ_p·Y_p/4. With μ the pools' dual prices in the
    optimum's LP the bound equals the optimum whenever no uneven use of the caps pays, which
    certifies the even split without the four-quarter problem. Any μ >= 0 keeps it a bound.
    The prices tried lie on the ray t·μ_dual, t >= 0; `bound` is the lowest bound found.
    `target`: below it, a bound needs no more precision (the search only asks "below?").
    """

    def __init__(
        self, cards: Sequence[PricedCard], problem: Problem, result: QuarterResult, target: float
    ) -> None:
        self.problem, self.result, self.target = problem, result, target
        yearly = yearly_keys(cards)
        duals = result.duals
        if not duals and result.chosen is not None:
            solved = solve_fixed(problem, result.chosen, sorted(yearly & set(problem.caps)))
            duals = {} if solved is None else solved.duals
        self.dual = {key: duals.get(key, 0.0) for key in sorted(yearly)}
        self.known = bool(duals)
        self.margin = CERTIFY * max(1.0, abs(result.value))
        # What a bound must fall below to decide: the target when it is above the even split
        # (a bound under it is all the search asks), else the even split (certified exact).
        self.goal = target if target > result.value else result.value + self.margin
        self.found: dict[float, float] = {}
        # The optimum's dual prices (t = 1) first: they certify the even split whenever it
        # is the year's optimum and the choices do not get in the way. When they do not, the
        # yearly caps dropped (t = 0) can bound far lower: the duals are those of the
        # optimum's choices, and priced at them other choices gain more than the caps give
        # back (Blue Cash Preferred's binding grocery cap beside Venmo, Cash+ and Custom Cash
        # on the typical household: $1,143.60 at the duals, $1,058.04 with the caps dropped,
        # against a target of $1,089.35). Only when a target above the even split may be
        # decided by it: else the caps dropped only bound the choices, in the cut (on the
        # foodie profile with Venmo's card held, trying them for every wallet cost 23 % more
        # transport problems and decided none).
        if self.known:
            self.at(1.0)
            if not self.decided() and any(self.dual.values()) and target > result.value:
                # First the relaxation with every choice allowed (one flow problem): on the
                # foodie profile with Venmo's card held the branch and bound at t = 0 decided
                # none of the 6 wallets it was tried on (8 % more transport problems).
                relaxed = solve_problem(price_yearly(problem, self.prices(0.0)), bound_only=True)
                if relaxed.value < target:
                    self.found[0.0] = relaxed.value

    def at(self, t: float) -> float:
        """The bound at prices t·μ_dual (a quarter's branch and bound)."""
        if t not in self.found:
            prices = self.prices(t)
            constant = sum(price * self.problem.caps.get(key, 0.0) for key, price in prices.items())
            priced = price_yearly(self.problem, prices)
            solved = solve_problem(priced, rows=False, target=self.goal - constant)
            self.found[t] = solved.value + constant
        return self.found[t]

    @property
    def bound(self) -> float:
        return min(self.found.values(), default=math.inf)

    def decided(self) -> bool:
        """True when the bound certifies the even split or is below the target."""
        bound = self.bound
        return bound <= self.result.value + self.margin or bound < self.target

    def prices(self, t: float | None = None) -> dict[PoolKey, float]:
        """The prices at t (default: where the lowest bound was found)."""
        if t is None:
            t = min(self.found, key=self.found.__getitem__) if self.found else 0.0
        return {key: price * t for key, price in self.dual.items()}

    def search(self, steps: int) -> None:
        """Lower the bound along the ray: it is convex in t, so a golden-section search over
        [0, 1] finds its lowest point (each step a branch and bound: a few ms for most
        wallets, 0.5 s for Custom Cash, Venmo and Cash+ beside Blue Cash Preferred). Worth
        it only before cutting choices (`promising`): with the lowest bound's prices first,
        the cut is tightest."""
        if not self.known or not any(self.dual.values()) or self.decided():
            return
        self.at(0.0)
        low, high = 0.0, 1.0
        ratio = (math.sqrt(5) - 1) / 2
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        for _ in range(steps):
            if self.decided():
                return
            if self.at(left) <= self.at(right):
                high, right = right, left
                left = high - ratio * (high - low)
            else:
                low, left = left, right
                right = low + ratio * (high - low)


# Golden-section steps of `YearBound.search` before the choices are cut (each one a quarter's
# branch and bound, two more for the first step). On the typical household with Venmo's card
# held: 2 steps, 0.43 s for Blue Cash Preferred, Freedom Unlimited, Venmo and Cash+ (0.85 s
# without); 6 cost more than they saved where each step took 0.5 s.
LINE_STEPS = 2
