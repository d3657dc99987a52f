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
  (`_year_bound`). Otherwise the year is one problem over the four quarters, each yearly cap
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
    bound = _year_bound(cards, problem, result, target / QUARTERS)
    if bound <= result.value + _CERTIFY * max(1.0, abs(result.value)):
        return _year([result] * QUARTERS)
    if bound * QUARTERS < target:
        return WalletResult(bound * QUARTERS, {}, exact=False)
    coupled_problem = build_problem(cards, range(QUARTERS), quarterly, leaves, coupled=True)
    return _solve_by_choices(cards, [problem], coupled_problem, target, even=result)


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
        kept, beyond = _promising(
            quarters[0], combos[0], yearly, year_caps, threshold(), even_prices, settle_others, True
        )
        combos = [kept]
        if settle_others and kept:
            # The few pick-top choices left, each with every N-subset of the other rules:
            # filtered again with each h one LP, and each combination of them is one LP.
            full, dropped = _promising(
                quarters[0],
                _expand(quarters[0], kept),
                yearly,
                year_caps,
                threshold(),
                even_prices,
                False,
                False,
            )
            if _count([full], alike) <= limit:
                combos, settle_others = [full], False
                beyond = max(beyond, dropped)
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
) -> tuple[list[np.ndarray], float]:
    """For each quarter problem (each standing for `repeat` quarters: 4 when alike, else 1),
    which of its choices J can be in a year above `threshold`: h_q(J, μ) + the other quarters
    at their best + μ·Y must be above it for every μ in `price_vectors` (the Lagrangian bound
    of `_solve_by_choices`); and the highest bound of a dropped choice (-inf: none dropped),
    which bounds every year holding a dropped choice. `every_choice`: `combos` lists every
    choice of each quarter (h's best over them is then the quarter's optimum, one solve).

    Each price vector after the first values only the choices still kept, and bounds the
    other quarters by their best kept choice: a year with a choice dropped already is bounded
    by that choice's bound, so only years made of kept choices are left to bound. (The
    typical household with Venmo's card held: Blue Cash Preferred's binding yearly cap beside
    Cash+ and Custom Cash listed 9,242 choices, each an LP at both price vectors, 20 s.)
    """
    keep = [np.ones(len(c), dtype=bool) for c in combos]
    dropped = -math.inf
    for prices in price_vectors:
        kept = [np.nonzero(k)[0] for k in keep]
        listed = [
            [quarter_combos[j] for j in rows]
            for quarter_combos, rows in zip(combos, kept, strict=True)
        ]
        values = [
            _ChoiceValues(_priced(problem, prices), choices, settle_others)
            for problem, choices in zip(quarters, listed, strict=True)
        ]
        whole = every_choice and prices is price_vectors[0]
        best = [quarter.best(whole) for quarter in values]
        constant = float(np.dot([prices[key] for key in yearly], year_caps))
        for q, quarter in enumerate(values):
            others = sum(best[:q] + best[q + 1 :])
            if repeat > 1:
                others += (repeat - 1) * best[q]
            # Bounded first by the relaxed h (an upper bound of it); only the choices that
            # pass are settled.
            bounds = quarter.upper + others + constant
            above = bounds > threshold
            bounds[above] = quarter.exact(np.nonzero(above)[0]) + others + constant
            above = bounds > threshold
            if not above.all():
                dropped = max(dropped, float(bounds[~above].max()))
            keep[q][kept[q]] = above
    return keep, dropped


class _ChoiceValues:
    """h(J) of one quarter problem for each choice J, settled only where it is needed.

    With `settle_others` (only the pick-top rules are in the choices) h is a branch and bound
    per choice; the LP with the other rules relaxed bounds it from above in a fraction of the
    time, and most choices are cut by that bound alone. Without, the LP is exact: `upper`
    is h itself.
    """

    def __init__(
        self, problem: Problem, choices: Sequence[tuple[tuple[int, ...], ...]], settle_others: bool
    ) -> None:
        self.problem, self.choices = problem, choices
        self.upper = _quarter_values(problem, choices, False)
        self.values = self.upper.copy() if not settle_others else np.full(len(choices), np.nan)

    def exact(self, rows: np.ndarray) -> np.ndarray:
        """h of these choices (settled now where not yet)."""
        todo = [j for j in rows if math.isnan(self.values[j])]
        if todo:
            settled = _quarter_values(self.problem, [self.choices[j] for j in todo], True)
            self.values[todo] = settled
        return self.values[rows]

    def best(self, every_choice: bool) -> float:
        """max h. `every_choice`: the choices are all of the quarter's, so it is the quarter's
        optimum (one branch and bound where the choices' would be hundreds); else the choices
        are settled in order of their upper bounds until none left can beat the best."""
        if not np.isnan(self.values).any():
            return float(self.values.max()) if len(self.values) else -math.inf
        if every_choice:
            try:
                return solve_problem(self.problem, rows=False).value
            except lp.Infeasible:
                return -math.inf
        best = -math.inf
        for j in np.argsort(-self.upper, kind="stable"):
            if self.upper[j] <= best:
                break
            best = max(best, float(self.exact(np.array([j]))[0]))
        return best


def _promising(
    problem: Problem,
    combos: list[tuple[tuple[int, ...], ...]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    threshold: float,
    even_prices: Mapping[PoolKey, float],
    settle_others: bool,
    every_choice: bool,
) -> tuple[list[tuple[tuple[int, ...], ...]], float]:
    """The choices of alike quarters that can be in a year above `threshold`, and the
    highest bound of the choices dropped (as `_kept_by_bound`).

    A year with choice J in one quarter is worth at most h(J, μ) + 3·max h(·, μ) + μ·Y for any
    prices μ >= 0 (the Lagrangian bound of `_solve_by_choices` with the best choice in the
    other three quarters); J is dropped when that is not above the threshold for μ = 0 (the
    yearly caps dropped) or for the even split's dual prices. `every_choice`: `combos` lists
    every choice of the quarter. Venmo's card beside Blue Cash
    Preferred's binding cap, Freedom Unlimited and Custom Cash on the typical household: 450
    choices a quarter, C(453, 4) = 1.7e9 multisets, of which 9 choices stay. `settle_others`:
    as for `_quarter_values`."""
    price_vectors = [dict.fromkeys(yearly, 0.0)]
    if any(even_prices.values()):
        price_vectors.append(dict(even_prices))
    # The one quarter stands for all four: the other three at their best.
    [keep], dropped = _kept_by_bound(
        [problem],
        QUARTERS,
        [combos],
        price_vectors,
        yearly,
        year_caps,
        threshold,
        settle_others,
        every_choice,
    )
    return [combo for combo, kept in zip(combos, keep, strict=True) if kept], dropped


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
    keep, dropped = _kept_by_bound(
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
        for quarter_combos, kept_q in zip(combos, keep, strict=True)
    ]
    return kept_combos, dropped


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
) -> list[tuple[tuple[int, ...], ...]]:
    """Each choice of the pick-top rules with every N-subset of the other rules' options."""
    per_rule = [
        None if rule.top_lp else list(itertools.combinations(rule.useful, rule.choice.rule.n))
        for rule in problem.rules
    ]
    full = []
    for combo in combos:
        options = [
            [chosen] if subsets is None else subsets
            for chosen, subsets in zip(combo, per_rule, strict=True)
        ]
        full += itertools.product(*options)
    return full


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


def _year_bound(
    cards: Sequence[PricedCard], problem: Problem, result: QuarterResult, target: float
) -> float:
    """An upper bound on a quarter's share of the year when quarters are alike (Lagrangian).

    `problem` is the one-quarter problem with each yearly cap Y as Y/4 and `result` its exact
    optimum. Pricing each yearly pool's dollars at μ_p >= 0 and dropping its cap bounds the
    year: year <= 4·g(μ) + Σ_p μ_p·Y_p, where g is the best quarter (every choice allowed) under
    those prices; per quarter that is g(μ) + Σ_p μ_p·Y_p/4. With μ the pools' dual prices in the
    optimum's LP the bound equals the optimum whenever no uneven use of the caps pays, which
    certifies the even split without the four-quarter problem. Any μ >= 0 keeps it a bound.
    `target`: below it, the bound needs no more precision (the search only asks "below?").
    """
    yearly = _yearly_keys(cards)
    duals = result.duals
    if not duals:
        if result.chosen is None:
            return math.inf
        solved = _solve_fixed(problem, result.chosen, sorted(yearly & set(problem.caps)))
        if solved is None:
            return math.inf
        duals = solved.duals
    prices = {key: duals.get(key, 0.0) for key in yearly}
    constant = sum(price * problem.caps.get(key, 0.0) for key, price in prices.items())
    priced = _priced(problem, prices)
    goal = min(result.value, target) - constant + _CERTIFY * max(1.0, abs(result.value))
    return solve_problem(priced, rows=False, target=goal).value + constant


def _year(results: Sequence[QuarterResult]) -> WalletResult:
    """The year's value and plan rows by (leaf, card position) from problems' results."""
    plan: dict[tuple[int, int], tuple[float, float]] = {}
    for result in results:
        for (node, pos), (spend, value) in result.rows.items():
            key = (node % N_LEAVES, pos)
            old_spend, old_value = plan.get(key, (0.0, 0.0))
            plan[key] = (old_spend + spend, old_value + value)
    return WalletResult(sum(result.value for result in results), plan)
