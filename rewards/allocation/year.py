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
  (`YearBound`). Otherwise the year is one problem over the four quarters, each yearly cap
  one pool over the nodes of all four (it may be used unevenly: a rotating 5 % groceries
  quarter on one card lets another card's yearly groceries cap last for the other quarters;
  choices made each quarter can make uneven use pay even with alike quarters). It is solved by
  the quarters' choices (`_solve_by_choices`): for fixed choices the year is one LP, each
  combination of the four quarters' choices (only their multiset when quarters are alike) is
  bounded by the same Lagrangian prices, and LPs are solved best bound first. With too many
  combinations, by branch and bound over the four-quarter problem.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rewards import lp
from rewards.allocation.explicit_lp import Warm, solve_lp
from rewards.allocation.lagrange import (
    CERTIFY,
    LINE_STEPS,
    Kept,
    Parents,
    YearBound,
    distinct_prices,
    even_split_prices,
    expand,
    most_valuable,
    pin_choices,
    price_yearly,
    promising,
    quarter_values,
    solve_fixed,
    yearly_keys,
)
from rewards.allocation.problem import (
    PricedCard,
    Problem,
    QuarterResult,
    build_problem,
)
from rewards.allocation.solver import solve_problem
from rewards.flow import PoolKey
from rewards.model import N_LEAVES, QUARTERS


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
        or (result.exact and result.value >= result.root - CERTIFY * max(1.0, result.root))
        or (not result.exact and not result.branched)
    ):
        if not result.exact:
            return WalletResult(result.value * QUARTERS, {}, exact=False)
        return _year([result] * QUARTERS)
    if not result.exact:
        result = solve_problem(problem, rows)
    year_bound = YearBound(cards, problem, result, target / QUARTERS)
    bound = year_bound.bound
    if bound <= result.value + CERTIFY * max(1.0, abs(result.value)):
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


def _solve_by_choices(
    cards: Sequence[PricedCard],
    quarters: Sequence[Problem],
    coupled: Problem,
    target: float,
    even: QuarterResult | None = None,
    year_bound: YearBound | None = None,
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
    it lets the choices that cannot be in a better one be dropped first (`promising`).
    `year_bound`: with alike quarters, the Lagrangian bounds of the year already found
    (`YearBound`): before the cut its prices are searched for the lowest bound, whose prices
    cut the choices best.
    """
    alike = len(quarters) == 1
    yearly_all = yearly_keys(cards)
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
    # alone. (Alike quarters have `promising` to cut their many multisets instead.)
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
    even_prices = {} if even is None else even_split_prices(quarters[0], even, yearly)
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
        return max(incumbent + CERTIFY * max(1.0, abs(incumbent)), target)

    def cut(
        combos: Sequence[Sequence[tuple[tuple[int, ...], ...]]],
        price_vectors: Sequence[Mapping[PoolKey, float]],
        settle_others: bool,
        every_choice: bool,
        parents: Sequence[Parents] | None = None,
    ) -> tuple[list[list[tuple[tuple[int, ...], ...]]], Kept]:
        """`promising` against the current threshold (one alike quarter stands for four)."""
        repeat = QUARTERS if alike else 1
        return promising(
            quarters,
            repeat,
            combos,
            price_vectors,
            yearly,
            year_caps,
            threshold(),
            settle_others,
            every_choice,
            parents,
        )

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
                priced = price_yearly(problem, prices)
                h.append(quarter_values(priced, quarter_combos, settle_others, lps))
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
            if top == -math.inf or top <= best_value + CERTIFY * max(1.0, abs(best_value)):
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
                pinned = pin_choices(coupled, fixed)
                try:
                    solved = solve_problem(pinned, target=best_value + CERTIFY)
                except lp.Infeasible:
                    continue
                if not solved.exact:
                    continue
            else:
                solved = solve_fixed(coupled, fixed, [(key[0], key[1], -1) for key in yearly])
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
            best = solve_fixed(coupled, fixed, (), rows=True)
        return _year([best])

    bar: WalletResult | None = None  # the year to beat when it is not the even split's
    if count > limit and not alike:
        # Quarters that differ, too many sequences: each quarter's own optimum with each
        # yearly cap as Y/4 is a feasible year, and the choices that cannot be in a better one
        # are cut quarter by quarter, as alike quarters' are (`promising`), at μ = 0 and at
        # each quarter's own dual prices in the even split.
        even_year = [solve_problem(problem) for problem in quarters]
        incumbent = sum(result.value for result in even_year)
        price_vectors = distinct_prices(
            yearly,
            [{}]
            + [
                even_split_prices(problem, result, yearly)
                for problem, result in zip(quarters, even_year, strict=True)
            ],
        )
        combos, found_cut = cut(combos, price_vectors, settle_others, True)
        beyond = found_cut.dropped
        count = _count(combos, alike)
        if count > limit:
            # Still too many: the best year among each quarter's most valuable choices is a
            # higher bar, and the cut against it keeps far fewer.
            found = best_listed(most_valuable(quarters, combos, settle_others), -math.inf)
            assert found is not None and not isinstance(found, WalletResult)  # (no target)
            if found[0] is not None and found[1] > incumbent:
                bar, incumbent = year_of(found[0], found[2]), found[1]
                combos, found_cut = cut(combos, price_vectors, settle_others, False)
                beyond = max(beyond, found_cut.dropped)
                count = _count(combos, alike)
        if count == 0:
            # (no sequence of choices can beat the bar, or reach the target)
            return _best_known(bar or _year(even_year), incumbent, beyond)
    if count > limit and alike and even is not None:
        # Prices that bound the choices: the lowest bound's first (with each choice's h at
        # them the cut is tightest), then the yearly caps dropped and the even split's duals.
        lagrange: Mapping[PoolKey, float] = {}
        if year_bound is not None:
            year_bound.search(LINE_STEPS)
            if year_bound.bound <= even.value + CERTIFY * max(1.0, abs(even.value)):
                return _year([even] * QUARTERS)
            if year_bound.bound * QUARTERS < target:
                return WalletResult(year_bound.bound * QUARTERS, {}, exact=False)
            lagrange = year_bound.prices()
        price_vectors = distinct_prices(yearly, [lagrange, {}, even_prices])
        combos, found = cut(combos, price_vectors, settle_others, True)
        [kept], beyond = combos, found.dropped
        if settle_others and kept:
            # The few pick-top choices left, each with every N-subset of the other rules:
            # filtered again with each h one LP, and each combination of them is one LP. A
            # pick-top choice's h (the other rules settled) bounds each of its expansions':
            # the expansions of a choice that cannot pass are not valued.
            expanded, of = expand(quarters[0], kept)
            rows = np.nonzero(found.keep[0])[0]
            parents = Parents(of, [values[rows] for values in found.values[0]])
            [full], again = cut([expanded], price_vectors, False, False, [parents])
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
    if beyond > value + CERTIFY * max(1.0, abs(value)):
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


def _year(results: Sequence[QuarterResult]) -> WalletResult:
    """The year's value and plan rows by (leaf, card position) from problems' results."""
    plan: dict[tuple[int, int], tuple[float, float]] = {}
    for result in results:
        for (node, pos), (spend, value) in result.rows.items():
            key = (node % N_LEAVES, pos)
            old_spend, old_value = plan.get(key, (0.0, 0.0))
            plan[key] = (old_spend + spend, old_value + value)
    return WalletResult(sum(result.value for result in results), plan)
