"""Minimum receipts, priced: a flow problem whose cards must each receive at least an amount
(a sign-up bonus's minimum spend in one month of a roadmap), solved by Lagrange prices on
those cards' receipts instead of the explicit LP (docs/roadmap.md, "A month with lower
bounds")."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from rewards.allocation.problem import Problem, QuarterResult, outside_value
from rewards.flow import PoolKey, transport

# Most rounds of one price's search (a handful in practice); beyond it, the LP decides.
_PRICE_ROUNDS = 40
# Dollars: a round whose value is within this of the cutting planes' meeting point is the optimum.
_PRICE_TOL = 1e-7
# At most this many minimums are priced (each nests one more search inside the other's
# rounds: ~5 transport problems for one, ~25 for two); more go to the LP.
_PRICED_MINIMUMS = 2

# (g, dollars each priced card receives at an optimum, that optimum's flows (pool, node) -> $)
_Priced = tuple[float, dict[int, float], dict[tuple[PoolKey, int], float]]


def _with_prices(problem: Problem, prices: Mapping[int, float]) -> _Priced:
    """(value, dollars each priced card receives, flows) of the flow problem with each card's
    price added to every one of its rates (floors, capped and chosen edges); the value counts
    the prices."""
    outside = [-math.inf] * len(problem.outside)
    who = [-1] * len(problem.who)
    for p, node, val in problem.floors:
        val += prices.get(p, 0.0)
        if val > outside[node]:
            outside[node], who[node] = val, p
    edges = [(key, node, val + prices.get(key[0], 0.0)) for key, node, val in problem.edges]
    flows: dict[tuple[PoolKey, int], float] = {}
    supply, nodes = problem.supply, problem.nodes
    gain = transport(supply, outside, edges, problem.caps, flows)
    received = dict.fromkeys(prices, 0.0)
    placed = dict.fromkeys(nodes, 0.0)
    for (pool, node), amount in flows.items():
        placed[node] += amount
        if pool[0] in received:
            received[pool[0]] += amount
    for node in nodes:
        if who[node] in received:
            received[who[node]] += max(0.0, supply[node] - placed[node])
    return outside_value(supply, outside, nodes) + gain, received, flows


def _cheapest(
    evaluate: Callable[[float], _Priced | None], pos: int, low: float, hi_price: float
) -> _Priced | None:
    """min over λ >= 0 of a convex piecewise-linear g, and the receipts of an optimum there.

    `evaluate(λ)` gives g(λ) and the receipts of an optimum at λ, card `pos`'s minus `low`
    being a slope of g at λ; at `hi_price` the card receives all it can. Kelley's cutting
    planes in one dimension: keep a λ where the card receives less than `low` and one where it
    receives at least that, go to where their tangents meet; when g there is no higher than
    the tangents, that is the minimum, and both bracketing optima are optimal there: mixed so
    that the card receives exactly `low`, they are the optimum whose receipts are returned.
    None when the rounds run out or the card cannot receive `low`.
    """
    lo = evaluate(0.0)
    if lo is None or lo[1][pos] >= low - _PRICE_TOL:
        return lo  # (the free optimum meets the minimum already)
    hi = evaluate(hi_price)
    if hi is None or hi[1][pos] < low - _PRICE_TOL:
        return None
    lo_price, (lo_g, lo_r, lo_f) = 0.0, lo
    hi_g, hi_r, hi_f = hi
    for _ in range(_PRICE_ROUNDS):
        lo_slope, hi_slope = lo_r[pos] - low, hi_r[pos] - low
        if hi_slope <= _PRICE_TOL:
            return hi
        price = (hi_g - lo_g + lo_slope * lo_price - hi_slope * hi_price) / (lo_slope - hi_slope)
        meet = lo_g + lo_slope * (price - lo_price)
        at = evaluate(price)
        if at is None:
            return None
        g, received, flows = at
        if g <= meet + _PRICE_TOL:
            w = hi_slope / (hi_slope - lo_slope)
            mixed = {k: w * lo_f.get(k, 0.0) + (1.0 - w) * hi_f.get(k, 0.0) for k in lo_f | hi_f}
            return g, {p: w * lo_r[p] + (1.0 - w) * hi_r[p] for p in lo_r}, mixed
        if received[pos] < low:
            lo_price, lo_g, lo_r, lo_f = price, g, received, flows
        else:
            hi = (g, received, flows)
            hi_price, hi_g, hi_r, hi_f = price, g, received, flows
    return None


def solve_minimums_by_price(problem: Problem) -> QuarterResult | None:
    """Value of a flow problem (no choice to settle) whose cards `problem.lower` must each
    receive at least their minimum (one or two of them).

    By LP duality the optimum is min over λ >= 0 of G(λ) = F(λ) − Σ_c λ_c·L_c, F(λ) the optimum
    with λ_c added to each of card c's rates (one transport problem): G is convex and piecewise
    linear, card c's receipts minus L_c a slope of it along λ_c. One minimum: `_cheapest` over
    its λ. Two: `_cheapest` over the first λ of H(λ_1) = min over λ_2 of G (convex too), each of
    its rounds a `_cheapest` over λ_2, whose optimum (receiving exactly L_2, or λ_2 = 0) gives
    H's slope in λ_1. Value only (no plan rows); None when a search runs out of rounds (the
    LP then solves it).
    """
    positions = list(problem.lower or ())
    if not problem.nodes or not 1 <= len(positions) <= _PRICED_MINIMUMS:
        return None  # (without spend, the LP says whether the minimums are met)
    lows = [problem.lower[pos] for pos in positions]
    top = max([val for _, _, val in problem.floors] + [val for _, _, val in problem.edges])
    own = {pos: min(val for p, _, val in problem.floors if p == pos) for pos in positions}

    def level(i: int, fixed: dict[int, float]) -> _Priced | None:
        if i == len(positions):
            value, received, flows = _with_prices(problem, fixed)
            cost = sum(fixed[pos] * problem.lower[pos] for pos in positions)
            return value - cost, received, flows
        pos = positions[i]
        # Above every rate gap (the other cards' prices included) the card is the best at
        # every node: it receives all the spend the later cards' minimums leave.
        hi = top + max(fixed.values(), default=0.0) - own[pos] + 1.0
        return _cheapest(lambda price: level(i + 1, {**fixed, pos: price}), pos, lows[i], hi)

    found = level(0, {})
    if found is None:
        return None
    return QuarterResult(found[0], {}, root=found[0], flows=found[2], chosen=())
