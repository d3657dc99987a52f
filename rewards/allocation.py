"""Exact reward value of one wallet: the optimal split of each category across its cards.

For one quarter and fixed choices, the allocation LP is a transportation problem. Every card
can take any amount of a category at its uncapped rate, so the best uncapped rate in the wallet
is each category's *outside option*, and only capped bonus edges compete:

    value = Σ_leaf supply·outside + max Σ advantage·flow
            s.t. Σ_pools flow(leaf) ≤ supply(leaf), Σ_leaves flow(pool) ≤ cap(pool)

where advantage = edge value − outside option. Pools that share no category are independent and
a lone pool is a fractional knapsack (fill by advantage, exact); pools that do share categories
are solved exactly by successive longest augmenting paths (a min-cost flow). Uncapped
choose-N rules are pools of unlimited capacity, so every rule variant is an edge or a pool.

Choices (choose-N, pick-top) are exact by best-first branch and bound: relax every undecided
choice to "all options chosen" (an upper bound), and branch on a rule only when the relaxed
optimum uses more options than it may. A pick-top rule is a choose-N made afresh each quarter
(the card rewards the options it receives most of; the allocation decides what it receives, and
moving a bonus to the option it receives most never lowers the value), except when another rule
of the same card covers one of its categories: then the "receives most" constraint can bind and
those nodes are solved as an explicit LP with the constraint (rewards.lp).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rewards import lp
from rewards.model import FOREIGN, QUARTERS, CardModel, Choice

_EPS = 1e-9
PoolKey = tuple[int, int]  # (position of the card in the wallet, pool index or -1 - choice)


@dataclass
class PricedChoice:
    """A choice rule with its options' edge values for this query."""

    rule: Choice
    number: int  # which choice of its card (stable id for pool keys)
    options: list[list[tuple[int, float]]]  # per option: (leaf, value per dollar), spent leaves


@dataclass
class PricedCard:
    """A card's rules as dollar values per dollar of spend, for one query."""

    model: CardModel
    floor: list[float]  # per leaf
    capped: list[tuple[int, int, float]]  # (pool, leaf, value), spent leaves only
    rotating: list[list[tuple[int | None, int, float]]] | None
    choices: list[PricedChoice]
    pool_caps: list[float]


def price_card(
    model: CardModel,
    cpp: float,
    spent: Sequence[bool],
    floor_points: Sequence[float] | None = None,
    folded: frozenset[int] = frozenset(),
    quarterly: Sequence[float] | None = None,
) -> PricedCard:
    """Turn a compiled card's points into dollars per dollar for this query's point value.

    `floor_points` (per leaf) may replace the card's uncapped floor by one that also holds the
    rules this query's spend can never cap (see `Query._fold`), and `folded` lists the choice
    rules folded into it (they are dropped here). With `quarterly` (spend a quarter per leaf),
    a pool whose cap is at least the spend of every category it covers is left uncapped. Each
    of these rewrites leaves the card's value function unchanged; they only make the flow
    problems smaller.
    """
    scale = cpp / 100.0

    def value(leaf: int, points: float) -> float:
        return points * scale - (model.foreign_fee if leaf == FOREIGN else 0.0)

    points_floor = model.floor if floor_points is None else floor_points
    floor = [value(leaf, points) for leaf, points in enumerate(points_floor)]
    capped = [
        (p, leaf, v)
        for p, leaf, pts in model.capped
        if spent[leaf] and (v := value(leaf, pts)) > floor[leaf] + _EPS
    ]
    rotating = None
    if model.rotating is not None:
        rotating = [
            [(p, leaf, value(leaf, pts)) for p, leaf, pts in quarter if spent[leaf]]
            for quarter in model.rotating
        ]
    choices = []
    for number, rule in enumerate(model.choices):
        if number in folded:
            continue
        options = [
            [(leaf, value(leaf, rule.points)) for leaf in option if spent[leaf]]
            for option in rule.options
        ]
        choices.append(PricedChoice(rule, number, options))
    pool_caps = model.pool_caps
    if quarterly is not None and pool_caps:
        # What each pool could ever be asked to carry: the spend of every leaf it covers.
        reach: list[set[int]] = [set() for _ in pool_caps]
        for p, leaf, _ in model.capped:
            reach[p].add(leaf)
        for rule in model.choices:
            if rule.pool is not None:
                reach[rule.pool].update(leaf for option in rule.options for leaf in option)
        rotating_pools = {p for q in model.rotating or [] for p, _, _ in q if p is not None}
        pool_caps = [
            cap
            if p in rotating_pools or cap < sum(quarterly[leaf] for leaf in reach[p]) - _EPS
            else math.inf
            for p, cap in enumerate(pool_caps)
        ]
    return PricedCard(model, floor, capped, rotating, choices, pool_caps)


# --- one quarter, fixed edges: the transportation problem ----------------------------------


def _knapsack(
    pool: PoolKey,
    leaves: list[tuple[float, int]],
    cap: float,
    supply: Sequence[float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    gain = 0.0
    for adv, leaf in sorted(leaves, reverse=True):
        if cap <= _EPS:
            break
        amount = min(cap, supply[leaf])
        flows[(pool, leaf)] = amount
        gain += adv * amount
        cap -= amount
    return gain


def _augmenting_paths(
    pools: list[PoolKey],
    adv: dict[tuple[PoolKey, int], float],
    caps: dict[PoolKey, float],
    supply: Sequence[float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """Max-weight flow on one component by successive longest augmenting paths.

    Residual graph: leaf -> pool along an edge (gain +advantage, unlimited), pool -> leaf
    back along an edge carrying flow (gain -advantage). Each round finds the best path from a
    leaf with spend left to a pool with room and stops when no path gains; no positive cycle
    stays, so the flow is optimal for its size. Paths alternate leaves and pools, so they are
    found on the pools alone (a component has a few): a leaf with spend left enters a pool
    directly; moving a leaf's dollars from pool p to pool q gains adv(leaf, q) − adv(leaf, p);
    Bellman-Ford over the pools finds the best chain.
    """
    pool_index = {pool: i for i, pool in enumerate(pools)}
    n_pools = len(pools)
    by_leaf: dict[int, dict[int, float]] = {}
    for (pool, leaf), a in adv.items():
        p = pool_index.get(pool)
        if p is not None:
            by_leaf.setdefault(leaf, {})[p] = a
    left = {leaf: supply[leaf] for leaf in by_leaf}
    room = [caps[pool] for pool in pools]
    carried: list[dict[int, float]] = [{} for _ in pools]  # pool -> {leaf: dollars}
    neg = -math.inf
    for _ in range(4 * (len(adv) + len(by_leaf) + n_pools + 1)):
        dist = [neg] * n_pools
        start = [-1] * n_pools  # the leaf entering the chain, for chains starting at the pool
        pred = [-1] * n_pools  # previous pool in the chain
        via = [-1] * n_pools  # the leaf moved from pred into this pool
        for leaf, gains in by_leaf.items():
            if left[leaf] > _EPS:
                for p, a in gains.items():
                    if a > dist[p] + _EPS:
                        dist[p], start[p] = a, leaf
        moves: list[tuple[int, int, float, int]] = []  # (from pool, to pool, gain, leaf)
        for p in range(n_pools):
            best: dict[int, tuple[float, int]] = {}
            for leaf in carried[p]:
                gains = by_leaf[leaf]
                base = gains[p]
                for q, a in gains.items():
                    if q != p and (q not in best or a - base > best[q][0]):
                        best[q] = (a - base, leaf)
            moves += [(p, q, g, leaf) for q, (g, leaf) in best.items()]
        for _ in range(n_pools):
            changed = False
            for p, q, g, leaf in moves:
                if dist[p] != neg and dist[p] + g > dist[q] + _EPS:
                    dist[q], pred[q], via[q] = dist[p] + g, p, leaf
                    changed = True
            if not changed:
                break
        end, best_gain = -1, _EPS
        for p in range(n_pools):
            if room[p] > _EPS and dist[p] > best_gain:
                end, best_gain = p, dist[p]
        if end < 0:
            break
        chain: list[tuple[int, int, int]] = []  # (leaf, from pool, to pool)
        q = end
        while pred[q] >= 0 and len(chain) <= n_pools:
            chain.append((via[q], pred[q], q))
            q = pred[q]
        first, source = q, start[q]
        amount = min(room[end], left[source])
        for leaf, p, _ in chain:
            amount = min(amount, carried[p][leaf])
        carried[first][source] = carried[first].get(source, 0.0) + amount
        left[source] -= amount
        for leaf, p, q in chain:
            carried[p][leaf] -= amount
            if carried[p][leaf] <= _EPS:
                del carried[p][leaf]
            carried[q][leaf] = carried[q].get(leaf, 0.0) + amount
        room[end] -= amount
    gain = 0.0
    for p, pool in enumerate(pools):
        for leaf, amount in carried[p].items():
            if amount > _EPS:
                flows[(pool, leaf)] = amount
                gain += adv[(pool, leaf)] * amount
    return gain


def _two_pools(
    pools: list[PoolKey],
    adv: dict[tuple[PoolKey, int], float],
    caps: dict[PoolKey, float],
    supply: Sequence[float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """`_augmenting_paths` for a component of two pools, the common case, without the graph.

    With two pools an augmenting path is a leaf with spend left entering a pool with room, or
    entering the other pool and moving dollars of a leaf it carries into the one with room.
    """
    gains: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for (pool, leaf), a in adv.items():
        if pool == pools[0]:
            gains[0][leaf] = a
        elif pool == pools[1]:
            gains[1][leaf] = a
    left = {leaf: supply[leaf] for leaf in (*gains[0], *gains[1])}
    room = [caps[pools[0]], caps[pools[1]]]
    carried: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for _ in range(4 * (len(gains[0]) + len(gains[1]) + len(left) + 3)):
        best, path = _EPS, None
        for t in (0, 1):
            if room[t] <= _EPS:
                continue
            here, there = gains[t], gains[1 - t]
            for leaf, a in here.items():
                if a > best and left[leaf] > _EPS:
                    best, path = a, (t, leaf, -1)
            if not carried[1 - t]:
                continue
            # The two best leaves to enter the other pool: a leaf moved out of it must not be
            # the one entering (that path is the direct one, and would move nothing).
            enter, source, second, runner_up = -math.inf, -1, -math.inf, -1
            for leaf, a in there.items():
                if left[leaf] > _EPS and a > second:
                    if a > enter:
                        second, runner_up, enter, source = enter, source, a, leaf
                    else:
                        second, runner_up = a, leaf
            if source < 0:
                continue
            for leaf in carried[1 - t]:
                a = here.get(leaf)
                if a is None:
                    continue
                entry, by = (enter, source) if leaf != source else (second, runner_up)
                if by >= 0 and entry + a - there[leaf] > best + _EPS:
                    best, path = entry + a - there[leaf], (t, by, leaf)
        if path is None:
            break
        t, source, moved = path
        amount = min(room[t], left[source])
        if moved < 0:
            carried[t][source] = carried[t].get(source, 0.0) + amount
        else:
            other = carried[1 - t]
            amount = min(amount, other[moved])
            other[source] = other.get(source, 0.0) + amount
            other[moved] -= amount
            if other[moved] <= _EPS:
                del other[moved]
            carried[t][moved] = carried[t].get(moved, 0.0) + amount
        left[source] -= amount
        room[t] -= amount
    gain = 0.0
    for t, pool in enumerate(pools):
        for leaf, amount in carried[t].items():
            if amount > _EPS:
                flows[(pool, leaf)] = amount
                gain += gains[t][leaf] * amount
    return gain


def transport(
    supply: Sequence[float],
    outside: Sequence[float],
    edges: list[tuple[PoolKey, int, float]],
    caps: dict[PoolKey, float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """Extra value of capped edges over the outside options; fills `flows` (pool, leaf) -> $.

    `flows` must start empty. A pool without a cap (an uncapped choice) limits nothing: its
    best edge on a leaf is one more uncapped rate for it. So those pools leave the flow
    problem: their best advantage per leaf raises the outside option, the capped pools are
    solved against that, and what they leave of each such leaf goes to that pool.
    """
    adv: dict[tuple[PoolKey, int], float] = {}
    for pool, leaf, val in edges:
        a = val - outside[leaf]
        if a > _EPS and supply[leaf] > _EPS and a > adv.get((pool, leaf), 0.0):
            adv[(pool, leaf)] = a
    if not adv:
        return 0.0
    lift: dict[int, tuple[float, PoolKey]] = {}
    for (pool, leaf), a in adv.items():
        if caps[pool] == math.inf and a > lift.get(leaf, (0.0, pool))[0]:
            lift[leaf] = (a, pool)
    if not lift:
        return _capped(supply, adv, caps, flows)
    rest = {
        key: reduced
        for key, a in adv.items()
        if caps[key[0]] != math.inf and (reduced := a - lift.get(key[1], (0.0, key[0]))[0]) > _EPS
    }
    gain = _capped(supply, rest, caps, flows) if rest else 0.0
    placed = dict.fromkeys(lift, 0.0)
    for (_, leaf), amount in flows.items():
        if leaf in placed:
            placed[leaf] += amount
    for leaf, (a, pool) in lift.items():
        gain += a * supply[leaf]
        left = supply[leaf] - placed[leaf]
        if left > _EPS:
            flows[(pool, leaf)] = left
    return gain


def _capped(
    supply: Sequence[float],
    adv: dict[tuple[PoolKey, int], float],
    caps: dict[PoolKey, float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """`transport` on positive advantages: lone pools by knapsack, shared ones by paths."""
    pools_of_leaf: dict[int, list[PoolKey]] = {}
    leaves_of_pool: dict[PoolKey, list[tuple[float, int]]] = {}
    for (pool, leaf), a in adv.items():
        pools_of_leaf.setdefault(leaf, []).append(pool)
        leaves_of_pool.setdefault(pool, []).append((a, leaf))
    if all(len(pools) == 1 for pools in pools_of_leaf.values()):
        # No category is wanted by two pools: each pool is its own fractional knapsack.
        return sum(
            _knapsack(pool, leaves, caps[pool], supply, flows)
            for pool, leaves in leaves_of_pool.items()
        )
    gain = 0.0
    seen: set[PoolKey] = set()
    for start in leaves_of_pool:
        if start in seen:
            continue
        component, stack = [], [start]
        seen.add(start)
        while stack:
            pool = stack.pop()
            component.append(pool)
            for _, leaf in leaves_of_pool[pool]:
                for other in pools_of_leaf[leaf]:
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
        if len(component) == 1:
            gain += _knapsack(start, leaves_of_pool[start], caps[start], supply, flows)
        elif len(component) == 2:
            gain += _two_pools(component, adv, caps, supply, flows)
        else:
            gain += _augmenting_paths(component, adv, caps, supply, flows)
    return gain


# --- one quarter with choices: branch and bound ----------------------------------------------


@dataclass
class QuarterResult:
    """Value of one quarter and who gets what: (leaf, card position) -> ($ spend, $ value)."""

    value: float
    rows: dict[tuple[int, int], tuple[float, float]]
    exact: bool = True  # False: `value` is only an upper bound, below the target asked for


def _base_options(
    cards: Sequence[PricedCard], q: int, leaves: Sequence[int]
) -> tuple[list[float], list[int]]:
    outside = [-math.inf] * len(cards[0].floor)
    who = [-1] * len(outside)
    for pos, card in enumerate(cards):
        for leaf in leaves:
            if card.floor[leaf] > outside[leaf]:
                outside[leaf], who[leaf] = card.floor[leaf], pos
        if card.rotating is not None:
            for pool, leaf, val in card.rotating[q]:
                if pool is None and val > outside[leaf]:
                    outside[leaf], who[leaf] = val, pos
    return outside, who


def _choice_key(pos: int, choice: PricedChoice) -> PoolKey:
    """The pool a choice rule's bonus counts against: its cap (own or shared), or its own key."""
    if choice.rule.pool is not None:
        return (pos, choice.rule.pool)
    return (pos, -1 - choice.number)


def solve_quarter(
    cards: Sequence[PricedCard],
    q: int,
    supply: Sequence[float],
    leaves: Sequence[int],
    rows: bool = True,
    bound_only: bool = False,
    target: float = -math.inf,
    lower: Mapping[int, float] | None = None,
) -> QuarterResult:
    """Exact optimum of one quarter: allocation and every choice rule's choice.

    With rows=False only the value is filled in (the plan is skipped: searches need values).
    With bound_only=True the value is the relaxation with every choice allowed: an upper bound
    that costs one flow problem. With a `target`, settling the choices stops as soon as every
    open node's bound is below it: the result is then that bound, marked not exact.
    With `lower` (card position -> dollars), each of those cards receives at least that much of
    the spend in all (a sign-up bonus's minimum spend, rewards.roadmap): solved as the explicit
    LP with those rows, the flow relaxations without them still bounding the choices.
    """
    outside, who = _base_options(cards, q, leaves)
    edges: list[tuple[PoolKey, int, float]] = []
    caps: dict[PoolKey, float] = {}
    for pos, card in enumerate(cards):
        for pool, cap in enumerate(card.pool_caps):
            caps[(pos, pool)] = cap
        edges += [((pos, pool), leaf, val) for pool, leaf, val in card.capped]
        if card.rotating is not None:
            edges += [((pos, p), leaf, val) for p, leaf, val in card.rotating[q] if p is not None]

    # Choice rules and, for each, the options that can matter. With an overlapping pick-top rule
    # in the wallet, leaves are solved as an explicit LP in which a card's receipts are
    # constrained, so an option's worth cannot be judged from the outside options: every spent
    # option stays a candidate and every choice is fixed before the LP. Otherwise an option
    # only matters where it beats the outside option.
    any_lp = bool(lower) or any(
        card.model.needs_lp and any(choice.rule.top for choice in card.choices) for card in cards
    )
    rules: list[tuple[int, PricedChoice, list[int], bool]] = []
    for pos, card in enumerate(cards):
        for choice in card.choices:
            useful = [
                i
                for i, option in enumerate(choice.options)
                if option and (any_lp or any(val > outside[leaf] + _EPS for leaf, val in option))
            ]
            if len(useful) > choice.rule.n:
                rules.append((pos, choice, useful, any_lp))
            else:
                # Few enough options to take them all (in the LP too): a plain pool.
                key = _choice_key(pos, choice)
                caps[key] = _choice_cap(card, choice)
                edges += [(key, leaf, val) for i in useful for leaf, val in choice.options[i]]
    if any_lp:
        if not rules:
            solved = _solve_lp(cards, q, supply, leaves, rules, (), lower)
            if solved is None:
                raise lp.Infeasible("the wallet's allocation is infeasible")
            return solved
    elif not rules:
        flows: dict[tuple[PoolKey, int], float] = {}
        gain = transport(supply, outside, edges, caps, flows)
        if not rows:
            return QuarterResult(_base(supply, outside, leaves) + gain, {})
        return _result(cards, supply, leaves, outside, who, edges, flows, gain)

    # A node fixes, per rule, options forced in and options excluded; the rest stay allowed.
    # Branching is binary (exclude an option, or force it in), which narrows the relaxation
    # much faster than listing every N-subset when two choice cards compete.
    Node = tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]

    def allowed(r: int, node: Node) -> list[int]:
        forced, excluded = node[r]
        if len(forced) >= rules[r][1].rule.n:
            return list(forced)
        return [i for i in rules[r][2] if i not in excluded]

    # Pools that only one choice rule draws on: for those, the rule's bonus can never exceed
    # the spend of its N largest allowed options, which tightens the relaxation.
    drawn: dict[PoolKey, int] = {}
    for pool, _, _ in edges:
        drawn[pool] = drawn.get(pool, 0) + 2
    for pos, choice, _, _ in rules:
        key = _choice_key(pos, choice)
        drawn[key] = drawn.get(key, 0) + 1

    def relaxed(node: Node) -> tuple[float, dict, list]:
        node_edges = list(edges)
        node_caps = dict(caps)
        for r, (pos, choice, _, _) in enumerate(rules):
            key = _choice_key(pos, choice)
            options = allowed(r, node)
            cap = _choice_cap(cards[pos], choice)
            if drawn[key] == 1 and len(options) > choice.rule.n:
                spends = sorted(sum(supply[leaf] for leaf, _ in choice.options[i]) for i in options)
                cap = min(cap, sum(spends[-choice.rule.n :]))
            node_caps[key] = cap
            for i in options:
                node_edges += [(key, leaf, val) for leaf, val in choice.options[i]]
        node_flows: dict[tuple[PoolKey, int], float] = {}
        gain = transport(supply, outside, node_edges, node_caps, node_flows)
        if not any_lp and base + gain >= target:
            # (Below the target the relaxation alone settles the node: no second bound.)
            gain = min(gain, lagrangian(node, node_flows, node_edges, node_caps, gain))
        return gain, node_flows, node_edges

    def lagrangian(
        node: Node, flows: dict, node_edges: list, node_caps: dict, gain: float
    ) -> float:
        """A second bound: the relaxation with each rule's "at most N options" priced in.

        Charging λ_r / S_o on every dollar earning through option o of rule r (S_o: the
        option's spend, so an option costs at most λ_r) and adding λ_r·N keeps an upper bound
        for any λ >= 0; λ_r is the (N+1)-th largest gain of the rule's options in the
        relaxed optimum, which makes the bound nearly exact when the relaxation spreads a
        rule over too many options. Still one flow problem.
        """
        lams: dict[int, float] = {}
        for r, (pos, choice, _, _) in enumerate(rules):
            options = allowed(r, node)
            n = choice.rule.n
            if len(options) <= n:
                continue
            key = _choice_key(pos, choice)
            gains = sorted(
                (
                    sum(flows.get((key, leaf), 0.0) * (val - outside[leaf]) for leaf, val in opt)
                    for opt in (choice.options[i] for i in options)
                ),
                reverse=True,
            )
            if gains[n] > _EPS:
                lams[r] = gains[n]
        if not lams:
            return gain
        # Every rule's option edges carry its own price (a fixed edge in the same pool is
        # untouched); each edge stays separate, the flow takes the best per pool and leaf.
        reduced = list(edges)
        constant = 0.0
        for r, (pos, choice, _, _) in enumerate(rules):
            key = _choice_key(pos, choice)
            lam = lams.get(r, 0.0)
            constant += lam * choice.rule.n
            for i in allowed(r, node):
                option = choice.options[i]
                charge = lam / sum(supply[leaf] for leaf, _ in option) if lam else 0.0
                reduced += [(key, leaf, val - charge) for leaf, val in option]
        scratch: dict[tuple[PoolKey, int], float] = {}
        return transport(supply, outside, reduced, node_caps, scratch) + constant

    def branch_on(node: Node, flows: dict) -> tuple[int, int] | None:
        """(rule, option) to branch on, or None when the relaxed optimum is feasible."""
        for r, (pos, choice, _, _) in enumerate(rules):
            forced, _ = node[r]
            options = allowed(r, node)
            if any_lp:
                # The LP needs every choice settled: at most N options left allowed.
                if len(options) > choice.rule.n:
                    return r, next(i for i in options if i not in forced)
                continue
            key = _choice_key(pos, choice)
            used = {
                i: sum(flows.get((key, leaf), 0.0) for leaf, _ in choice.options[i])
                for i in options
            }
            used = {i: amount for i, amount in used.items() if amount > _EPS}
            if len(set(used) | set(forced)) > choice.rule.n:
                # Branch on the most used free option: forcing it in usually settles the
                # rule (a third of the nodes of branching on the least used one).
                free = [i for i in used if i not in forced]
                return r, max(free, key=lambda i: (used[i], -i))
        return None

    base = _base(supply, outside, leaves)

    # Best-first: a node's key is its relaxed gain, an upper bound for every node below it, so
    # the first node popped with all constraints met is the optimum.
    counter = itertools.count()
    root: Node = tuple(((), ()) for _ in rules)
    gain, flows, node_edges = relaxed(root)
    if bound_only:
        return QuarterResult(base + gain, {})
    heap: list[tuple[float, int, Node, object]] = [
        (-gain, next(counter), root, (flows, node_edges))
    ]
    while heap:
        neg_gain, _, node, payload = heapq.heappop(heap)
        if base - neg_gain < target:
            # Best-first: no open node (so no choice) can reach the target.
            return QuarterResult(base - neg_gain, {}, exact=False)
        if isinstance(payload, QuarterResult):
            return payload
        flows, node_edges = payload
        choice_to_split = branch_on(node, flows)
        if choice_to_split is None:
            if not any_lp:
                if not rows:
                    return QuarterResult(base - neg_gain, {})
                return _result(cards, supply, leaves, outside, who, node_edges, flows, -neg_gain)
            chosen = tuple(tuple(allowed(r, node)) for r in range(len(rules)))
            solved = _solve_lp(cards, q, supply, leaves, rules, chosen, lower)
            if solved is not None:
                heapq.heappush(heap, (-(solved.value - base), next(counter), node, solved))
            continue
        r, option = choice_to_split
        forced, excluded = node[r]
        for child_rule in (((forced, excluded + (option,))), ((forced + (option,), excluded))):
            child = node[:r] + (child_rule,) + node[r + 1 :]
            gain, child_flows, child_edges = relaxed(child)
            heapq.heappush(heap, (-gain, next(counter), child, (child_flows, child_edges)))
    raise lp.Infeasible("no choice of categories is feasible")


def _base(supply: Sequence[float], outside: Sequence[float], leaves: Sequence[int]) -> float:
    return sum(supply[leaf] * outside[leaf] for leaf in leaves)


def _choice_cap(card: PricedCard, choice: PricedChoice) -> float:
    return math.inf if choice.rule.pool is None else card.pool_caps[choice.rule.pool]


def _result(
    cards: Sequence[PricedCard],
    supply: Sequence[float],
    leaves: Sequence[int],
    outside: Sequence[float],
    who: Sequence[int],
    edges: list[tuple[PoolKey, int, float]],
    flows: dict[tuple[PoolKey, int], float],
    gain: float,
) -> QuarterResult:
    best_val: dict[tuple[PoolKey, int], float] = {}
    for pool, leaf, val in edges:
        if val > best_val.get((pool, leaf), -math.inf):
            best_val[(pool, leaf)] = val
    rows: dict[tuple[int, int], tuple[float, float]] = {}
    placed = dict.fromkeys(leaves, 0.0)
    for (pool, leaf), amount in flows.items():
        if amount <= _EPS:
            continue
        spend, value = rows.get((leaf, pool[0]), (0.0, 0.0))
        rows[(leaf, pool[0])] = (spend + amount, value + amount * best_val[(pool, leaf)])
        placed[leaf] += amount
    for leaf in leaves:
        rest = supply[leaf] - placed[leaf]
        if rest > _EPS:
            spend, value = rows.get((leaf, who[leaf]), (0.0, 0.0))
            rows[(leaf, who[leaf])] = (spend + rest, value + rest * outside[leaf])
    return QuarterResult(_base(supply, outside, leaves) + gain, rows)


# --- the explicit LP for overlapping pick-top rules ------------------------------------------


def _solve_lp(
    cards: Sequence[PricedCard],
    q: int,
    supply: Sequence[float],
    leaves: Sequence[int],
    rules: list[tuple[int, PricedChoice, list[int], bool]],
    fixed: tuple[tuple[int, ...] | None, ...],
    lower: Mapping[int, float] | None = None,
) -> QuarterResult | None:
    """The quarter as an explicit LP, with "receives most" rows for pick-top rules.

    `lower`: card position -> dollars it receives at least (a row with a surplus column each).
    """
    # Variables: (card, leaf, earning option) -> value per dollar, option key for its pool.
    columns: list[tuple[int, int, PoolKey | None, float]] = []
    for pos, card in enumerate(cards):
        floor = {leaf: card.floor[leaf] for leaf in leaves}
        if card.rotating is not None:
            for pool, leaf, val in card.rotating[q]:
                if pool is None:
                    floor[leaf] = max(floor[leaf], val)
        columns += [(pos, leaf, None, val) for leaf, val in floor.items()]
        columns += [(pos, leaf, (pos, pool), val) for pool, leaf, val in card.capped]
        if card.rotating is not None:
            columns += [
                (pos, leaf, (pos, p), v) for p, leaf, v in card.rotating[q] if p is not None
            ]
        for choice in card.choices:
            # A rule with more spent options than it may choose was fixed by the branching;
            # any other rule simply gets all of its spent options.
            ruled = [r for r, rule in enumerate(rules) if rule[0] == pos and rule[1] is choice]
            chosen = fixed[ruled[0]] if ruled else None
            if chosen is None:
                chosen = tuple(i for i, option in enumerate(choice.options) if option)
            key = _choice_key(pos, choice)
            for i in chosen:
                columns += [(pos, leaf, key, val) for leaf, val in choice.options[i]]
    caps: dict[PoolKey, float] = {}
    for pos, card in enumerate(cards):
        for pool, cap in enumerate(card.pool_caps):
            caps[(pos, pool)] = cap
        for choice in card.choices:
            caps[_choice_key(pos, choice)] = _choice_cap(card, choice)
    n = len(columns)
    c = np.array([val for *_, val in columns])
    leaf_row = {leaf: i for i, leaf in enumerate(leaves)}
    a_eq = np.zeros((len(leaves), n))
    for j, (_, leaf, _, _) in enumerate(columns):
        a_eq[leaf_row[leaf], j] = 1.0
    b_eq = np.array([supply[leaf] for leaf in leaves])
    ub_rows: list[np.ndarray] = []
    b_ub: list[float] = []
    finite = [key for key, cap in caps.items() if math.isfinite(cap)]
    for key in finite:
        row = np.array([1.0 if col[2] == key else 0.0 for col in columns])
        if row.any():
            ub_rows.append(row)
            b_ub.append(caps[key])
    for (pos, choice, _, _), chosen in zip(rules, fixed, strict=True):
        if not (choice.rule.top and cards[pos].model.needs_lp):
            continue
        assert chosen is not None
        receipts = []
        for option in choice.rule.options:
            receipts.append(
                np.array([1.0 if col[0] == pos and col[1] in option else 0.0 for col in columns])
            )
        for j in chosen:
            for k in range(len(receipts)):
                if k not in chosen:
                    ub_rows.append(receipts[k] - receipts[j])
                    b_ub.append(0.0)
    a_ub = np.array(ub_rows) if ub_rows else np.zeros((0, n))
    if lower:
        # Σ receipts − surplus = amount: an equality with b >= 0, as lp.maximize wants.
        owner = np.array([col[0] for col in columns])
        k = len(lower)
        rows_lb = np.zeros((k, n + k))
        for i, pos in enumerate(lower):
            rows_lb[i, :n] = owner == pos
            rows_lb[i, n + i] = -1.0
        c = np.concatenate([c, np.zeros(k)])
        a_eq = np.vstack([np.hstack([a_eq, np.zeros((a_eq.shape[0], k))]), rows_lb])
        b_eq = np.concatenate([b_eq, np.array(list(lower.values()), dtype=float)])
        a_ub = np.hstack([a_ub, np.zeros((a_ub.shape[0], k))])
    try:
        value, x = lp.maximize(c, a_eq, b_eq, a_ub, np.array(b_ub))
    except lp.Infeasible:
        return None
    rows: dict[tuple[int, int], tuple[float, float]] = {}
    for j, (pos, leaf, _, val) in enumerate(columns):
        if x[j] > _EPS:
            spend, total = rows.get((leaf, pos), (0.0, 0.0))
            rows[(leaf, pos)] = (spend + x[j], total + x[j] * val)
    return QuarterResult(value, rows)


# --- a whole wallet ----------------------------------------------------------------------------


@dataclass
class WalletResult:
    """Annual reward value and plan rows (leaf, card position) -> ($ spend, $ value)."""

    value: float
    rows: dict[tuple[int, int], tuple[float, float]]
    exact: bool = True  # False: `value` is only an upper bound, below the target asked for


def solve_wallet(
    cards: Sequence[PricedCard],
    quarterly: Sequence[float],
    leaves: Sequence[int],
    rows: bool = True,
    bound_only: bool = False,
    target: float = -math.inf,
) -> WalletResult:
    """Best allocation over the year: four quarters, or one times four when all are alike.

    With a `target` (a yearly value; used when the quarters are alike), the result may stop
    at an upper bound below it (`exact` False) instead of the optimum.
    """
    if not leaves:
        return WalletResult(0.0, {})
    invariant = all(card.rotating is None for card in cards)
    if invariant:
        result = solve_quarter(cards, 0, quarterly, leaves, rows, bound_only, target / QUARTERS)
        if not result.exact:
            return WalletResult(result.value * QUARTERS, {}, exact=False)
        results = [result] * QUARTERS
    else:
        results = [
            solve_quarter(cards, q, quarterly, leaves, rows, bound_only) for q in range(QUARTERS)
        ]
    plan: dict[tuple[int, int], tuple[float, float]] = {}
    for result in results:
        for key, (spend, value) in result.rows.items():
            old_spend, old_value = plan.get(key, (0.0, 0.0))
            plan[key] = (old_spend + spend, old_value + value)
    return WalletResult(sum(result.value for result in results), plan)
