"""A wallet's year (`solve_wallet`): its quarters alike, independent, or coupled by a yearly cap.

How the year is cut:

- quarters alike (no rotating rule in the wallet) and no yearly cap that can bind: one quarter,
  times four (each cap's quarter: monthly 3M, quarterly Q, yearly Y/4);
- quarters that differ, no binding yearly cap: four independent quarters;
- a binding yearly cap: first the quarters solved on their own, each yearly cap Y as Y/4 (a
  feasible year). With quarters alike that is exact when the quarter reaches its root bound
  (always without a choice to make: the year's LP is then symmetric in the quarters and
  concave, so some optimum uses the cap evenly), or when a Lagrangian bound certifies it: price
  each yearly pool's dollars at its dual price μ and drop the cap; the best quarter under those
  prices (every choice allowed) plus μ·Y/4 bounds a quarter's share of the year
  (`_YearBound`). Otherwise the year is one problem over the four quarters, each yearly cap
  one pool over the nodes of all four (it may be used unevenly: a rotating 5 % groceries
  quarter on one card lets another card's yearly groceries cap last for the other quarters;
  choices made each quarter can make uneven use pay even with alike quarters). It is solved by
  the quarters' choices (`_solve_by_choices`): for fixed choices the year is one LP, each
  combination of the four quarters' choices (only their multiset when quarters are alike) is
  bounded by the same Lagrangian prices, and LPs are solved best bound first. With too many
  combinations, by branch and bound over the four-quarter problem.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from rewards import lp
from rewards.allocation.explicit_lp import Warm, lp_value, solve_lp
from rewards.allocation.problem import (
    PricedCard,
    Problem,
    QuarterResult,
    build_problem,
    plain_pools,
)
from rewards.allocation.solver import solve_problem
from rewards.flow import PoolKey
from rewards.model import N_LEAVES, QUARTERS

# How far below its root bound a one-quarter optimum may be and still stand for the year.
_CERTIFY = 1e-7


@dataclass
class WalletResult:
    """Annual reward value and plan rows (leaf, card position) -> ($ spend, $ value)."""

    value: float
    rows: dict[tuple[int, int], tuple[float, float]]
    exact: bool = True  # False: `value` is only an upper bound, below the target asked for
    # Quarters alike: the one quarter's own optimum, each yearly cap Y as Y/4 (the year is four
    # copies of it unless uneven use of a yearly cap pays). A month of the same wallet is a
    # third of it (rewards.roadmap.months): every cap and amount scales with the spend.
    quarter: QuarterResult | None = None
    # Quarters that differ (a rotating rule) with no yearly cap to couple them: each quarter's
    # own optimum, by slot (Q1..Q4). A month of quarter q is a third of quarters[q], likewise.
    quarters: tuple[QuarterResult, ...] | None = None


def coupled_caps(cards: Sequence[PricedCard]) -> bool:
    """True when a yearly cap of the wallet can bind (its quarters are then not independent)."""
    return any(
        year and math.isfinite(cap)
        for card in cards
        for year, cap in zip(card.pool_year, card.pool_caps, strict=True)
    )


def solve_wallet(
    cards: Sequence[PricedCard],
    quarterly: Sequence[float],
    leaves: Sequence[int],
    rows: bool = True,
    bound_only: bool = False,
    target: float = -math.inf,
) -> WalletResult:
    """Best allocation over the year (see the module's docstring for how the year is cut).

    With a `target` (a yearly value), the result may stop at an upper bound below it (`exact`
    False) instead of the optimum.
    """
    if not leaves:
        return WalletResult(0.0, {})
    alike = all(card.rotating is None for card in cards)
    coupled = coupled_caps(cards)
    if alike:
        problem = build_problem(cards, (0,), quarterly, leaves, coupled=False)
        result = solve_problem(problem, rows, bound_only, target / QUARTERS)
        solved = _alike_year(
            cards, problem, result, quarterly, leaves, rows, bound_only, target, coupled
        )
        if solved is not None:
            if rows and not bound_only and result.exact:
                solved.quarter = result
            return solved
    elif not coupled:
        results = [
            solve_problem(
                build_problem(cards, (q,), quarterly, leaves, coupled=False), rows, bound_only
            )
            for q in range(QUARTERS)
        ]
        year = _year(results)
        if rows and not bound_only:
            year.quarters = tuple(results)
        return year
    problem = build_problem(cards, range(QUARTERS), quarterly, leaves, coupled=True)
    if bound_only:
        return WalletResult(solve_problem(problem, rows, bound_only, target).value, {})
    if target > -math.inf and not alike:
        # The year's relaxation (one flow problem, every choice allowed) first: asked only
        # whether the year is below a target, it often says so before any choice is listed
        # (Blue Cash Preferred + Freedom Flex + Venmo + Cash+ in break-even's transit search
        # on the typical household: below $1,517.91 after 4.3 s of listing choices).
        relaxed = solve_problem(problem, rows=False, bound_only=True).value
        if relaxed < target:
            return WalletResult(relaxed, {}, exact=False)
    quarters = [
        build_problem(cards, (q,), quarterly, leaves, coupled=False) for q in range(QUARTERS)
    ]
    solved = _solve_by_choices(cards, quarters, problem, target)
    if solved is not None:
        return solved
    result = solve_problem(problem, rows, bound_only, target)
    if not result.exact:
        return WalletResult(result.value, {}, exact=False)
    return _year([result])


def _alike_year(
    cards: Sequence[PricedCard],
    problem: Problem,
    result: QuarterResult,
    quarterly: Sequence[float],
    leaves: Sequence[int],
    rows: bool,
    bound_only: bool,
    target: float,
    coupled: bool,
) -> WalletResult | None:
    """The year of a wallet whose quarters are alike, from its one quarter's `result` (None:
    a yearly cap couples the quarters and their choices are too many to list; the caller
    then solves the four-quarter problem). `coupled`: a yearly cap of the wallet can bind."""
    # Without a binding yearly cap the quarters are four copies of this one. With one, the
    # year's LP with every choice allowed is symmetric in the quarters, so the root bound
    # (times four) bounds the year too: a value reaching it is the year's optimum / 4.
    if (
        not coupled
        or bound_only
        or (result.exact and result.value >= result.root - _CERTIFY * max(1.0, result.root))
        or (not result.exact and not result.branched)
    ):
        if not result.exact:
            return WalletResult(result.value * QUARTERS, {}, exact=False)
        return _year([result] * QUARTERS)
    if not result.exact:
        result = solve_problem(problem, rows)
    year_bound = _YearBound(cards, problem, result, target / QUARTERS)
    bound = year_bound.bound
    if bound <= result.value + _CERTIFY * max(1.0, abs(result.value)):
        return _year([result] * QUARTERS)
    if bound * QUARTERS < target:
        return WalletResult(bound * QUARTERS, {}, exact=False)
    coupled_problem = build_problem(cards, range(QUARTERS), quarterly, leaves, coupled=True)
    return _solve_by_choices(
        cards, [problem], coupled_problem, target, even=result, year_bound=year_bound
    )


# The largest number of combinations of the four quarters' choices that `_solve_by_choices`
# bounds (above it, a coupled wallet is solved by the four-quarter branch and bound).
# (Multisets are listed in Python, sequences built by numpy: hence two limits. 4 million
# sequences take about 100 MB for a moment while they are bounded.)
_COMBINATIONS = 200_000
_SEQUENCES = 4_000_000
# At most this many price vectors per wallet: each costs one LP per quarter choice.
_PRICES = 6
# When the quarters differ and every rule's choices are listed, at most this many of their
# sequences are solved before the pick-top rules alone are listed instead (see
# `_solve_by_choices`).
_EVERY_RULE_SOLVES = 3_000


def _yearly_keys(cards: Sequence[PricedCard]) -> set[PoolKey]:
    """The one-quarter problem's pool keys of the yearly caps that can bind."""
    return {
        (pos, p, 0)
        for pos, card in enumerate(cards)
        for p, (year, cap) in enumerate(zip(card.pool_year, card.pool_caps, strict=True))
        if year and math.isfinite(cap)
    }


def _combos(problem: Problem, every_rule: bool) -> list[tuple[tuple[int, ...], ...]]:
    """Every choice of one quarter: per rule, N of its useful options.

    In an LP problem with `every_rule` False only the overlapping pick-top rules are
    enumerated (their "receives most" rows need a fixed choice); every other rule keeps all
    its useful options, which the LP relaxes and the branch and bound settles.
    """
    per_rule = [
        list(itertools.combinations(rule.useful, rule.choice.rule.n))
        if every_rule or rule.top_lp or not problem.any_lp
        else [tuple(rule.useful)]
        for rule in problem.rules
    ]
    return list(itertools.product(*per_rule))


def _count(combos: Sequence[Sequence[object]], alike: bool) -> int:
    """How many combinations of the four quarters' choices: multisets when the quarters are
    alike (interchangeable), sequences when they differ."""
    if alike:
        return math.comb(len(combos[0]) + QUARTERS - 1, QUARTERS)
    return math.prod(len(c) for c in combos)


def _priced(problem: Problem, prices: Mapping[PoolKey, float]) -> Problem:
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


def _solve_by_choices(
    cards: Sequence[PricedCard],
    quarters: Sequence[Problem],
    coupled: Problem,
    target: float,
    even: QuarterResult | None = None,
    year_bound: _YearBound | None = None,
) -> WalletResult | None:
    """The year of a wallet whose yearly cap couples the quarters, by the quarters' choices.

    `quarters` holds one one-quarter problem (quarters alike) or four (quarters that differ);
    each yearly cap Y is Y/4 in them. For fixed choices J_1..J_4 the year is an LP, and pricing
    the yearly pools at μ >= 0 bounds it by Σ_q h_q(J_q, μ) + Σ_p μ_p·Y_p (h_q: the best
    quarter q with choice J, its yearly pools uncapped and charged μ). Each combination of the
    quarters' choices gets the lowest such bound over the prices tried (the dual prices of
    every LP solved) and combinations are solved best bound first until the best value found
    reaches every remaining bound. Alike quarters are interchangeable, so only the multiset of
    their choices matters. None when there are too many combinations (the caller then uses the
    four-quarter branch and bound).

    `even`: with alike quarters, the one quarter's exact optimum (each yearly cap Y as Y/4):
    four copies of it are a feasible year, the incumbent to beat. With too many combinations
    it lets the choices that cannot be in a better one be dropped first (`_promising`).
    `year_bound`: with alike quarters, the Lagrangian bounds of the year already found
    (`_YearBound`): before the cut its prices are searched for the lowest bound, whose prices
    cut the choices best.
    """
    alike = len(quarters) == 1
    yearly_all = _yearly_keys(cards)
    limit = _COMBINATIONS if alike else _SEQUENCES
    # Every rule's choice listed when the combinations stay few: each quarter's bound h is
    # then exact for its whole choice and each combination is one LP. With only the pick-top
    # rules listed, a choice card beside them (Citi Custom Cash beside a held Venmo card and a
    # binding yearly cap) stayed relaxed in h, whose bound then sat 3 % above every
    # combination's value: all 495 were solved by four-quarter branch and bounds (60 s).
    # When the quarters differ, the Lagrangian bounds of a few price vectors can leave
    # thousands of sequences to solve, one LP each (three cards with three choice rules and
    # rotating quarters: 36 choices a quarter, 1.7 million sequences, 32,788 LPs, 42 s); with
    # the pick-top rules alone listed (81 sequences) and the others settled by branch and bound
    # inside each h, the same year took 0.2 s. As many sequences of a wallet with Venmo held
    # (foodie profile) are settled in 0.3 s this way and do not finish in a minute the other:
    # so every rule is listed first, and after _EVERY_RULE_SOLVES solves the pick-top rules
    # alone. (Alike quarters have `_promising` to cut their many multisets instead.)
    combos = [_combos(problem, every_rule=True) for problem in quarters]
    count = _count(combos, alike)
    settle_others = False
    if count > limit and quarters[0].any_lp:
        combos = [_combos(problem, every_rule=False) for problem in quarters]
        count = _count(combos, alike)
        # The rules not listed are settled by branch and bound inside each h (not relaxed).
        settle_others = True
    # (Every pool of a card, a choice rule's included, is in `caps`: Y/4 for a yearly one.)
    caps = {k: v for k, v in quarters[0].caps.items() if k in yearly_all}
    yearly = sorted(caps)
    year_caps = np.array([caps[key] * QUARTERS for key in yearly])
    # The even split is a feasible year: what a combination must beat to be worth listing.
    # (It is not the search's first incumbent: a combination that cannot beat it stops early
    # without the dual prices that bound the others; seeded with it, Venmo, Blue Cash
    # Preferred, Freedom Unlimited and Custom Cash on the foodie profile took 14 s, not 0.2.)
    incumbent = -math.inf if even is None else even.value * QUARTERS
    even_prices = {} if even is None else _even_prices(quarters[0], even, yearly)
    even_year = None if even is None else [even] * QUARTERS
    # An upper bound of every year holding a choice cut before listing (-inf: none cut, or
    # none that could beat the incumbent). A choice is cut when its bound cannot beat the
    # incumbent or reach `target`, whichever is higher: with a target above the incumbent,
    # the search only asks whether the year is below it, and most choices cannot reach it
    # (Blue Cash Preferred's binding cap beside Venmo, Cash+ and Custom Cash on the typical
    # household: 450 pick-top choices, then their 4,620 full choices, valued against the
    # incumbent; against the target the first cut leaves none).
    beyond = -math.inf

    def threshold() -> float:
        return max(incumbent + _CERTIFY * max(1.0, abs(incumbent)), target)

    def best_listed(
        combos: list[list[tuple[tuple[int, ...], ...]]], target: float, budget: float = math.inf
    ) -> tuple[QuarterResult | None, float, tuple[tuple[int, ...], ...]] | WalletResult | None:
        """The best combination of `combos` (best, its value, its choices), solved best bound
        first; a WalletResult (an upper bound) when none can reach `target`; None when more
        than `budget` combinations would have to be solved."""
        if alike:
            sets = _multisets(len(combos[0]))
            # Each quarter's column as a contiguous index array, converted once for every price
            # vector's sum below.
            columns = [np.ascontiguousarray(sets[:, q], dtype=np.intp) for q in range(QUARTERS)]
            size = len(sets)

            def cell(i: int) -> Sequence[int]:
                return sets[i]

        else:
            # Sequences are the cells of a four-dimensional grid (one axis per quarter), kept as
            # flat indices: a sequence's bound is a sum over its quarters, so every one of them
            # is one broadcast sum, with no table of sequences (1.7 million of them for
            # Venmo's card beside Freedom Flex and Custom Cash: building the table cost about a
            # price vector's sum over its columns, which the broadcast does 2.5-4 times faster).
            grid = tuple(len(c) for c in combos)
            size = math.prod(grid)

            def cell(i: int) -> Sequence[int]:
                return np.unravel_index(i, grid)

        bounds = np.full(size, np.inf)
        tried: list[tuple[float, ...]] = []
        # Every price vector uncaps the same yearly pools: per quarter, one set of LPs whose
        # objectives change (`lp_value`); `settle_others` solves by branch and bound instead.
        warm: list[Warm] = [{} for _ in quarters]

        def add_prices(duals: Mapping[PoolKey, float]) -> None:
            mu = tuple(round(duals.get(key, 0.0), 12) for key in yearly)
            if mu in tried or len(tried) >= _PRICES:
                return
            tried.append(mu)
            prices = dict(zip(yearly, mu, strict=True))
            h = []
            for problem, quarter_combos, lps in zip(quarters, combos, warm, strict=True):
                priced = _priced(problem, prices)
                h.append(_quarter_values(priced, quarter_combos, settle_others, lps))
            if alike:  # (the one quarter's values for every quarter)
                total = sum(h[0][columns[q]] for q in range(QUARTERS))
            else:
                total = (
                    h[0][:, None, None, None]
                    + h[1][None, :, None, None]
                    + h[2][None, None, :, None]
                    + h[3][None, None, None, :]
                ).reshape(-1)
            total += float(np.dot(mu, year_caps))  # (in place: a fresh array, maybe millions)
            np.minimum(bounds, total, out=bounds)

        add_prices({})
        add_prices(even_prices)
        best: QuarterResult | None = None
        best_value = -math.inf
        best_fixed: tuple[tuple[int, ...], ...] = ()
        while True:
            i = int(np.argmax(bounds))
            top = float(bounds[i])
            if top == -math.inf or top <= best_value + _CERTIFY * max(1.0, abs(best_value)):
                break
            if max(top, best_value, incumbent, beyond) < target:
                return WalletResult(max(top, best_value, incumbent, beyond), {}, exact=False)
            bounds[i] = -np.inf
            budget -= 1
            if budget < 0:
                return None
            fixed = tuple(
                choice for q, j in enumerate(cell(i)) for choice in combos[0 if alike else q][j]
            )
            if coupled.any_lp:
                # The pick-top choices pinned; the other rules settled by branch and bound, which
                # stops as soon as it cannot beat the incumbent.
                pinned = _pinned(coupled, fixed)
                try:
                    solved = solve_problem(pinned, target=best_value + _CERTIFY)
                except lp.Infeasible:
                    continue
                if not solved.exact:
                    continue
            else:
                solved = _solve_fixed(coupled, fixed, [(key[0], key[1], -1) for key in yearly])
                if solved is None:
                    continue
            if solved.value > best_value:
                # The incumbent's dual prices: the ones that bound its rivals best.
                best, best_value, best_fixed = solved, solved.value, fixed
                duals = solved.duals
                if coupled.any_lp and not duals and solved.chosen is not None:
                    # Settled from its flow relaxation, the optimum came without duals; the LP
                    # with its choices fixed has the same optimum and gives them (without them
                    # only μ = 0, the yearly caps dropped, bounded the rivals).
                    again = solve_lp(pinned, solved.chosen)
                    duals = {} if again is None else again.duals
                add_prices({(key[0], key[1], 0): price for key, price in duals.items()})
        return best, best_value, best_fixed

    def year_of(best: QuarterResult, fixed: tuple[tuple[int, ...], ...]) -> WalletResult:
        if not coupled.any_lp:
            best = _solve_fixed(coupled, fixed, (), rows=True)
        return _year([best])

    bar: WalletResult | None = None  # the year to beat when it is not the even split's
    if count > limit and not alike:
        # Quarters that differ, too many sequences: each quarter's own optimum with each
        # yearly cap as Y/4 is a feasible year, and the choices that cannot be in a better one
        # are cut quarter by quarter, as alike quarters' are (`_promising_sequences`).
        even_year = [solve_problem(problem) for problem in quarters]
        incumbent = sum(result.value for result in even_year)
        combos, beyond = _promising_sequences(
            quarters, even_year, combos, yearly, year_caps, threshold(), settle_others, True
        )
        count = _count(combos, alike)
        if count > limit:
            # Still too many: the best year among each quarter's most valuable choices is a
            # higher bar, and the cut against it keeps far fewer.
            found = best_listed(_most_valuable(quarters, combos, settle_others), -math.inf)
            assert found is not None and not isinstance(found, WalletResult)  # (no target)
            if found[0] is not None and found[1] > incumbent:
                bar, incumbent = year_of(found[0], found[2]), found[1]
                combos, dropped = _promising_sequences(
                    quarters,
                    even_year,
                    combos,
                    yearly,
                    year_caps,
                    threshold(),
                    settle_others,
                    False,
                )
                beyond = max(beyond, dropped)
                count = _count(combos, alike)
        if count == 0:
            # (no sequence of choices can beat the bar, or reach the target)
            return _best_known(bar or _year(even_year), incumbent, beyond)
    if count > limit and alike and even is not None:
        # Prices that bound the choices: the lowest bound's first (with each choice's h at
        # them the cut is tightest), then the yearly caps dropped and the even split's duals.
        price_vectors: list[Mapping[PoolKey, float]] = []
        lagrange: Mapping[PoolKey, float] = {}
        if year_bound is not None:
            year_bound.search(_LINE_STEPS)
            if year_bound.bound <= even.value + _CERTIFY * max(1.0, abs(even.value)):
                return _year([even] * QUARTERS)
            if year_bound.bound * QUARTERS < target:
                return WalletResult(year_bound.bound * QUARTERS, {}, exact=False)
            lagrange = year_bound.prices()
        for prices in (lagrange, dict.fromkeys(yearly, 0.0), even_prices):
            vector = {key: prices.get(key, 0.0) for key in yearly}
            if vector not in price_vectors and (not price_vectors or any(vector.values())):
                price_vectors.append(vector)
        kept, found = _promising(
            quarters[0],
            combos[0],
            yearly,
            year_caps,
            threshold(),
            price_vectors,
            settle_others,
            True,
        )
        combos, beyond = [kept], found.dropped
        if settle_others and kept:
            # The few pick-top choices left, each with every N-subset of the other rules:
            # filtered again with each h one LP, and each combination of them is one LP. A
            # pick-top choice's h (the other rules settled) bounds each of its expansions':
            # the expansions of a choice that cannot pass are not valued.
            expanded, of = _expand(quarters[0], kept)
            rows = np.nonzero(found.keep[0])[0]
            parents = _Parents(of, [values[rows] for values in found.values[0]])
            full, again = _promising(
                quarters[0],
                expanded,
                yearly,
                year_caps,
                threshold(),
                price_vectors,
                False,
                False,
                parents,
            )
            if _count([full], alike) <= limit:
                combos, settle_others = [full], False
                beyond = max(beyond, again.dropped)
        count = _count(combos, alike)
        if count == 0:
            # (no choice can beat the even split, or reach the target)
            return _best_known(_year([even] * QUARTERS), incumbent, beyond)
    if count > limit or count == 0:
        return None
    fallback = not alike and not settle_others and quarters[0].any_lp
    found = best_listed(combos, target, _EVERY_RULE_SOLVES if fallback else math.inf)
    if found is None:
        # Every rule listed, too many sequences left to solve: the pick-top rules alone (all
        # of them: none is cut).
        combos = [_combos(problem, every_rule=False) for problem in quarters]
        settle_others = True
        beyond = -math.inf
        if _count(combos, alike) > limit:
            return None
        found = best_listed(combos, target)
    assert found is not None  # (no budget)
    if isinstance(found, WalletResult):
        return found
    best, best_value, best_fixed = found
    if bar is not None and best_value <= incumbent:
        return _best_known(bar, incumbent, beyond)
    if even_year is not None and best_value <= incumbent:
        return _best_known(_year(even_year), incumbent, beyond)
    if best is None:
        if beyond > -math.inf:
            return WalletResult(beyond, {}, exact=False)
        raise lp.Infeasible("no choice of categories is feasible")
    return _best_known(year_of(best, best_fixed), best_value, beyond)


def _best_known(year: WalletResult, value: float, beyond: float) -> WalletResult:
    """`year` (worth `value`), the best of the choices listed, or when a year holding a
    choice that was cut may be worth more (up to `beyond`, which is then below the target:
    choices are cut above the best known only when they cannot reach it), that upper bound."""
    if beyond > value + _CERTIFY * max(1.0, abs(value)):
        return WalletResult(beyond, {}, exact=False)
    return year


@functools.lru_cache(maxsize=64)
def _multisets(choices: int) -> np.ndarray:
    """Every multiset of four quarters' choices out of `choices`, as sorted rows in
    lexicographic order (read-only, shared: one list of them took 6 ms to build for 36
    choices, and a ranking with Venmo held built it 27 times)."""
    sets = np.array(
        list(itertools.combinations_with_replacement(range(choices), QUARTERS)), dtype=np.int16
    ).reshape(-1, QUARTERS)
    sets.setflags(write=False)
    return sets


def _pinned(problem: Problem, fixed: tuple[tuple[int, ...], ...]) -> Problem:
    """The problem with each rule's options narrowed to `fixed` (a rule left with more than
    N of them is still settled by its branch and bound)."""
    rules = [
        replace(rule, useful=list(options))
        for rule, options in zip(problem.rules, fixed, strict=True)
    ]
    return replace(problem, rules=rules)


def _quarter_values(
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
                values[j] = solve_problem(_pinned(problem, combo), rows=False).value
        elif warm is not None and problem.any_lp:
            values[j] = lp_value(problem, combo, warm)
        elif (solved := _solve_fixed(problem, combo, ())) is not None:
            values[j] = solved.value
    return values


def _kept_by_bound(
    quarters: Sequence[Problem],
    repeat: int,
    combos: Sequence[Sequence[tuple[tuple[int, ...], ...]]],
    price_vectors: Sequence[Mapping[PoolKey, float]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    threshold: float,
    settle_others: bool,
    every_choice: bool,
    parents: Sequence[_Parents] | None = None,
) -> _Kept:
    """For each quarter problem (each standing for `repeat` quarters: 4 when alike, else 1),
    which of its choices J can be in a year above `threshold`: h_q(J, μ) + the other quarters
    at their best + μ·Y must be above it for every μ in `price_vectors` (the Lagrangian bound
    of `_solve_by_choices`); and the highest bound of a dropped choice (-inf: none dropped),
    which bounds every year holding a dropped choice. `every_choice`: `combos` lists every
    choice of each quarter (h's best over them is then the quarter's optimum). `parents`: per
    quarter, the choice each one was expanded from and the parents' h at each price vector
    (each an upper bound of its children's h).

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
                _priced(problem, prices),
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
    return _Kept(keep, dropped, settled)


@dataclass
class _Kept:
    """What `_kept_by_bound` keeps: per quarter, which choices; the highest bound of a choice
    dropped; per quarter and price vector, h of each choice where it was settled (every kept
    choice's at every price vector: nan elsewhere)."""

    keep: list[np.ndarray]
    dropped: float
    values: list[list[np.ndarray]]


@dataclass
class _Parents:
    """Choices expanded from others (`_expand`): the index of each one's parent, and per price
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
        self.group_values = parent_values if parent_values is not None else None
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
                    best[option] = solve_problem(_pinned(self.problem, fixed), rows=False).value
                except lp.Infeasible:
                    best[option] = -math.inf
            values[j] = best[option]
        return values

    def exact(self, rows: np.ndarray) -> np.ndarray:
        """h of these choices (settled now where not yet)."""
        todo = [int(j) for j in rows if math.isnan(self.values[j])]
        if todo:
            listed = [self.choices[j] for j in todo]
            self.values[todo] = _quarter_values(self.problem, listed, self.settle_others)
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
            self.upper[todo] = _quarter_values(self.problem, listed, False)
        return self.upper[rows]

    def bounds(self, rows: np.ndarray, floor: float) -> np.ndarray:
        """h of these choices where it is above `floor`; at most `floor` where it is not."""
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


def _promising(
    problem: Problem,
    combos: list[tuple[tuple[int, ...], ...]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    threshold: float,
    price_vectors: Sequence[Mapping[PoolKey, float]],
    settle_others: bool,
    every_choice: bool,
    parents: _Parents | None = None,
) -> tuple[list[tuple[tuple[int, ...], ...]], _Kept]:
    """The choices of alike quarters that can be in a year above `threshold`, and what
    `_kept_by_bound` found (`parents` as there).

    A year with choice J in one quarter is worth at most h(J, μ) + 3·max h(·, μ) + μ·Y for any
    prices μ >= 0 (the Lagrangian bound of `_solve_by_choices` with the best choice in the
    other three quarters); J is dropped when that is not above the threshold for one of
    `price_vectors` (each over every yearly pool). `every_choice`: `combos` lists every choice
    of the quarter. Venmo's card beside Blue Cash
    Preferred's binding cap, Freedom Unlimited and Custom Cash on the typical household: 450
    choices a quarter, C(453, 4) = 1.7e9 multisets, of which 9 choices stay. `settle_others`:
    as for `_quarter_values`."""
    # The one quarter stands for all four: the other three at their best.
    found = _kept_by_bound(
        [problem],
        QUARTERS,
        [combos],
        price_vectors,
        yearly,
        year_caps,
        threshold,
        settle_others,
        every_choice,
        None if parents is None else [parents],
    )
    [keep] = found.keep
    return [combo for combo, kept in zip(combos, keep, strict=True) if kept], found


# How many of each differing quarter's most valuable choices are listed for a first bar.
_FEW_CHOICES = 8


def _most_valuable(
    quarters: Sequence[Problem],
    combos: list[list[tuple[tuple[int, ...], ...]]],
    settle_others: bool,
) -> list[list[tuple[tuple[int, ...], ...]]]:
    """Each quarter's _FEW_CHOICES choices worth most on their own (yearly caps as Y/4)."""
    few = []
    for problem, quarter_combos in zip(quarters, combos, strict=True):
        values = _quarter_values(problem, quarter_combos, settle_others)
        order = np.argsort(-values, kind="stable")[:_FEW_CHOICES]
        few.append([quarter_combos[j] for j in order if values[j] > -math.inf])
    return few


def _promising_sequences(
    quarters: Sequence[Problem],
    even_year: Sequence[QuarterResult],
    combos: list[list[tuple[tuple[int, ...], ...]]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    threshold: float,
    settle_others: bool,
    every_choice: bool,
) -> tuple[list[list[tuple[tuple[int, ...], ...]]], float]:
    """Each differing quarter's choices that can be in a year above `threshold`, and the
    highest bound of the choices dropped (as `_kept_by_bound`).

    A year with choice J in quarter q is worth at most h_q(J, μ) + Σ_{q' ≠ q} max h_q'(·, μ)
    + μ·Y for any prices μ >= 0; J is dropped when that is not above the threshold for μ = 0
    and for each quarter's own dual prices in the even split. Three small cards of the year-one
    property test, all three choice rules pick-top: 72 choices a quarter, 27 million
    sequences, which the four-quarter branch and bound did not finish in minutes."""
    price_vectors = [dict.fromkeys(yearly, 0.0)]
    for problem, result in zip(quarters, even_year, strict=True):
        prices = _even_prices(problem, result, yearly)
        if any(prices.values()) and prices not in price_vectors:
            price_vectors.append(prices)
    found = _kept_by_bound(
        quarters,
        1,
        combos,
        price_vectors,
        yearly,
        year_caps,
        threshold,
        settle_others,
        every_choice,
    )
    kept_combos = [
        [combo for combo, kept in zip(quarter_combos, kept_q, strict=True) if kept]
        for quarter_combos, kept_q in zip(combos, found.keep, strict=True)
    ]
    return kept_combos, found.dropped


def _even_prices(
    problem: Problem, even: QuarterResult, yearly: Sequence[PoolKey]
) -> dict[PoolKey, float]:
    """The yearly pools' dual prices in the even split (one quarter's optimum, its choices
    fixed); none when its choices are not known."""
    if even.chosen is None:
        return {}
    solved = _solve_fixed(problem, even.chosen, yearly)
    return {} if solved is None else {key: solved.duals.get(key, 0.0) for key in yearly}


def _expand(
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


def _solve_fixed(
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


class _YearBound:
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
        yearly = _yearly_keys(cards)
        duals = result.duals
        if not duals and result.chosen is not None:
            solved = _solve_fixed(problem, result.chosen, sorted(yearly & set(problem.caps)))
            duals = {} if solved is None else solved.duals
        self.dual = {key: duals.get(key, 0.0) for key in sorted(yearly)}
        self.known = bool(duals)
        self.margin = _CERTIFY * max(1.0, abs(result.value))
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
                relaxed = solve_problem(_priced(problem, self.prices(0.0)), bound_only=True)
                if relaxed.value < target:
                    self.found[0.0] = relaxed.value

    def at(self, t: float) -> float:
        """The bound at prices t·μ_dual (a quarter's branch and bound)."""
        if t not in self.found:
            prices = self.prices(t)
            constant = sum(price * self.problem.caps.get(key, 0.0) for key, price in prices.items())
            priced = _priced(self.problem, prices)
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
        it only before cutting choices (`_promising`): with the lowest bound's prices first,
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


# Golden-section steps of `_YearBound.search` before the choices are cut (each one a quarter's
# branch and bound, two more for the first step). On the typical household with Venmo's card
# held: 2 steps, 0.43 s for Blue Cash Preferred, Freedom Unlimited, Venmo and Cash+ (0.85 s
# without); 6 cost more than they saved where each step took 0.5 s.
_LINE_STEPS = 2


def _year(results: Sequence[QuarterResult]) -> WalletResult:
    """The year's value and plan rows by (leaf, card position) from problems' results."""
    plan: dict[tuple[int, int], tuple[float, float]] = {}
    for result in results:
        for (node, pos), (spend, value) in result.rows.items():
            key = (node % N_LEAVES, pos)
            old_spend, old_value = plan.get(key, (0.0, 0.0))
            plan[key] = (old_spend + spend, old_value + value)
    return WalletResult(sum(result.value for result in results), plan)
