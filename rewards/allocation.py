"""Exact reward value of one wallet: the optimal split of each category across its cards.

For fixed choices the allocation LP is a transportation problem (rewards.flow) over *nodes*
(a category in a quarter) and *pools* (caps, and uncapped choice rules). How the year is cut:

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

Choices (choose-N, pick-top) are exact by best-first branch and bound: relax every undecided
choice to "all options chosen" (an upper bound), and branch on a rule (in one quarter) only when
the relaxed optimum uses more options than it may. A pick-top rule is a choose-N made afresh each
quarter (the card rewards the options it receives most of; the allocation decides what it
receives, and moving a bonus to the option it receives most never lowers the value), except when
another rule of the same card covers one of its categories: then the "receives most" constraint
can bind and those nodes are solved as an explicit LP with the constraint (rewards.lp).
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rewards import lp
from rewards.flow import PoolKey, transport
from rewards.model import FOREIGN, N_LEAVES, QUARTERS, CardModel, Choice

_EPS = 1e-9
# How far below its root bound a one-quarter optimum may be and still stand for the year.
_CERTIFY = 1e-7


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
    pool_caps: list[float]  # dollars a quarter (a yearly cap's quarter: Y/4); inf: never binds
    pool_year: list[bool]  # per pool: a yearly cap, one amount over the four quarters


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
    return PricedCard(model, floor, capped, rotating, choices, pool_caps, list(model.pool_year))


# --- one problem: nodes, pools, edges and choice rules -----------------------------------------


@dataclass
class _Rule:
    """One choice rule in one quarter of a problem, with more useful options than it may choose."""

    pos: int
    choice: PricedChoice
    options: list[list[tuple[int, float]]]  # per option: (node, value per dollar)
    receipts: list[frozenset[int]]  # per option: the nodes of all its leaves (pick-top rows)
    useful: list[int]  # options that can matter
    key: PoolKey
    cap: float
    top_lp: bool  # an overlapping pick-top rule: "receives most" rows in the LP
    # `receipts` as a table (option, node) -> bool, for the LP's rows (top_lp rules only).
    receipt_table: np.ndarray | None = None


@dataclass
class _Problem:
    """An allocation problem over one or more quarters (node = quarter number × leaves + leaf)."""

    supply: list[float]
    nodes: list[int]  # nodes with spend
    outside: list[float]
    who: list[int]  # the card giving each node its outside option
    floors: list[tuple[int, int, float]]  # (card position, node, best uncapped rate): the LP's
    edges: list[tuple[PoolKey, int, float]]
    caps: dict[PoolKey, float]
    rules: list[_Rule]
    any_lp: bool
    # Card position -> dollars it receives at least, over the whole problem (a sign-up bonus's
    # minimum spend in one month of a roadmap, rewards.roadmap); such problems are solved as the
    # explicit LP with those rows, the flow relaxations without them still bounding the choices.
    lower: Mapping[int, float] | None = None
    # An overlapping pick-top rule needs the LP's "receives most" rows (`lower` aside).
    pick_top_lp: bool = False


def _problem(
    cards: Sequence[PricedCard],
    quarters: Sequence[int],
    quarterly: Sequence[float],
    leaves: Sequence[int],
    coupled: bool,
    lower: Mapping[int, float] | None = None,
) -> _Problem:
    """The problem of these quarters; `coupled`: yearly caps are one pool over all of them."""
    size = len(quarters) * N_LEAVES
    supply = [0.0] * size
    outside = [-math.inf] * size
    who = [-1] * size
    nodes: list[int] = []
    floors: list[tuple[int, int, float]] = []
    edges: list[tuple[PoolKey, int, float]] = []
    caps: dict[PoolKey, float] = {}
    rules: list[_Rule] = []
    # With an overlapping pick-top rule in the wallet, the nodes are solved as an explicit LP in
    # which a card's receipts are constrained, so an option's worth cannot be judged from the
    # outside options: every spent option stays a candidate and every choice is fixed before
    # the LP. Otherwise an option only matters where it beats the outside option.
    # An overlapping pick-top card none of whose rates beats another card's uncapped rate on a
    # spent leaf adds only its floors: giving it nothing else meets every "receives most" row
    # and loses nothing, so its other rules are left out (a Venmo card beside a flat 3 % card
    # made every one of its choices tie, and the branch and bound listed them all). Not a card
    # that must receive a minimum spend (`lower`). Judged over all four quarters, so that every
    # problem of one wallet (a quarter's, the coupled year's) has the same rules.
    outclassed = [
        card.model.needs_lp
        and pos not in (lower or {})
        and _outclassed(pos, cards, range(QUARTERS), leaves, quarterly)
        for pos, card in enumerate(cards)
    ]
    pick_top_lp = any(
        card.model.needs_lp
        and not outclassed[pos]
        and any(choice.rule.top for choice in card.choices)
        for pos, card in enumerate(cards)
    )
    any_lp = bool(lower) or pick_top_lp

    def pool(pos: int, card: PricedCard, p: int, qi: int) -> tuple[PoolKey, float]:
        if coupled and card.pool_year[p]:
            return (pos, p, -1), card.pool_caps[p] * QUARTERS
        return (pos, p, qi), card.pool_caps[p]

    for qi, q in enumerate(quarters):
        off = qi * N_LEAVES
        for leaf in leaves:
            supply[off + leaf] = quarterly[leaf]
            nodes.append(off + leaf)
        for pos, card in enumerate(cards):
            own = {leaf: card.floor[leaf] for leaf in leaves}
            if card.rotating is not None:
                for p, leaf, val in card.rotating[q]:
                    if p is None and val > own[leaf]:
                        own[leaf] = val
            for leaf, val in own.items():
                floors.append((pos, off + leaf, val))
                if val > outside[off + leaf]:
                    outside[off + leaf], who[off + leaf] = val, pos
        for pos, card in enumerate(cards):
            for p in range(len(card.pool_caps)):
                key, cap = pool(pos, card, p, qi)
                caps[key] = cap
            if outclassed[pos]:
                continue
            for p, leaf, val in card.capped:
                edges.append((pool(pos, card, p, qi)[0], off + leaf, val))
            if card.rotating is not None:
                for p, leaf, val in card.rotating[q]:
                    if p is not None:
                        edges.append((pool(pos, card, p, qi)[0], off + leaf, val))
        for pos, card in enumerate(cards):
            for choice in [] if outclassed[pos] else card.choices:
                if choice.rule.pool is None:
                    key, cap = (pos, -1 - choice.number, qi), math.inf
                else:
                    key, cap = pool(pos, card, choice.rule.pool, qi)
                options = [[(off + leaf, val) for leaf, val in option] for option in choice.options]
                useful = [
                    i
                    for i, option in enumerate(options)
                    if option and (any_lp or any(val > outside[n] + _EPS for n, val in option))
                ]
                if len(useful) > choice.rule.n:
                    receipts = [frozenset(off + leaf for leaf in o) for o in choice.rule.options]
                    top_lp = choice.rule.top and card.model.needs_lp
                    table = None
                    if top_lp:
                        table = np.zeros((len(receipts), size), dtype=bool)
                        for k, option_nodes in enumerate(receipts):
                            table[k, list(option_nodes)] = True
                    rules.append(
                        _Rule(pos, choice, options, receipts, useful, key, cap, top_lp, table)
                    )
                else:
                    # Few enough options to take them all (in the LP too): a plain pool.
                    caps[key] = cap
                    edges += [(key, n, val) for i in useful for n, val in options[i]]
    return _Problem(
        supply, nodes, outside, who, floors, edges, caps, rules, any_lp, lower, pick_top_lp
    )


def _outclassed(
    pos: int,
    cards: Sequence[PricedCard],
    quarters: Sequence[int],
    leaves: Sequence[int],
    quarterly: Sequence[float],
) -> bool:
    """True when on every spent leaf of every quarter some other card pays at least the best
    rate card `pos` pays there, uncapped."""
    mine = cards[pos]
    for q in quarters:
        best = {leaf: mine.floor[leaf] for leaf in leaves}
        rates = [(leaf, val) for _, leaf, val in mine.capped]
        if mine.rotating is not None:
            rates += [(leaf, val) for _, leaf, val in mine.rotating[q]]
        rates += [(leaf, val) for c in mine.choices for o in c.options for leaf, val in o]
        for leaf, val in rates:
            if leaf in best:
                best[leaf] = max(best[leaf], val)
        for leaf in leaves:
            if quarterly[leaf] <= 0:
                continue
            other = -math.inf
            for i, card in enumerate(cards):
                if i == pos:
                    continue
                rate = card.floor[leaf]
                if card.rotating is not None:
                    uncapped = [v for p, f, v in card.rotating[q] if p is None and f == leaf]
                    rate = max([rate, *uncapped])
                other = max(other, rate)
            if best[leaf] > other + _EPS:
                return False
    return True


# --- one problem with choices: branch and bound ------------------------------------------------


@dataclass
class QuarterResult:
    """Value of one problem and who gets what: (node, card position) -> ($ spend, $ value)."""

    value: float
    rows: dict[tuple[int, int], tuple[float, float]]
    exact: bool = True  # False: `value` is only an upper bound, below the target asked for
    root: float = math.inf  # the root's bound (every choice allowed): an upper bound
    branched: bool = False  # False: `value`, if not exact, is the root's bound
    # An LP's flow through each (pool, node): how much each choice option is used.
    flows: dict[tuple[PoolKey, int], float] = field(default_factory=dict)
    # The options of each of the problem's rules that the optimum uses (None: not recorded).
    chosen: tuple[tuple[int, ...], ...] | None = None
    # An LP's dual price of each finite cap (pool key -> $ per dollar of cap).
    duals: dict[PoolKey, float] = field(default_factory=dict)


def _solve(
    problem: _Problem,
    rows: bool = True,
    bound_only: bool = False,
    target: float = -math.inf,
) -> QuarterResult:
    """Exact optimum of one problem: allocation and every choice rule's choice.

    With rows=False only the value is filled in (the plan is skipped: searches need values).
    With bound_only=True the value is the relaxation with every choice allowed: an upper bound
    that costs one flow problem. With a `target`, settling the choices stops as soon as every
    open node's bound is below it: the result is then that bound, marked not exact.
    """
    supply, nodes, outside = problem.supply, problem.nodes, problem.outside
    edges, caps, rules, any_lp = problem.edges, problem.caps, problem.rules, problem.any_lp
    who = problem.who
    # Every pool's own cap (as the LP states them): what a flow optimum is checked against
    # (only LP problems are; the flow problems on the search's hot path skip it).
    pool_caps = {**caps, **{rule.key: rule.cap for rule in rules}} if any_lp else {}
    if any_lp:
        if not rules:
            solved = _solve_settled(problem, (), rows)
            if solved is None:
                raise lp.Infeasible("the wallet's allocation is infeasible")
            solved.root = solved.value
            solved.chosen = ()
            return solved
    elif not rules:
        flows: dict[tuple[PoolKey, int], float] = {}
        gain = transport(supply, outside, edges, caps, flows)
        value = _base(supply, outside, nodes) + gain
        if not rows:
            return QuarterResult(value, {}, root=value, chosen=())
        result = _result(problem, edges, flows, gain)
        result.root = value
        result.chosen = ()
        return result

    # A node fixes, per rule, options forced in and options excluded; the rest stay allowed.
    # Branching is binary (exclude an option, or force it in), which narrows the relaxation
    # much faster than listing every N-subset when two choice cards compete.
    Node = tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]

    def allowed(r: int, node: Node) -> list[int]:
        forced, excluded = node[r]
        if len(forced) >= rules[r].choice.rule.n:
            return list(forced)
        return [i for i in rules[r].useful if i not in excluded]

    # Pools that only one choice rule draws on: for those, the rule's bonus can never exceed
    # the spend of its N largest allowed options, which tightens the relaxation.
    drawn: dict[PoolKey, int] = {}
    for pool, _, _ in edges:
        drawn[pool] = drawn.get(pool, 0) + 2
    for rule in rules:
        drawn[rule.key] = drawn.get(rule.key, 0) + 1

    def relaxed(node: Node) -> tuple[float, dict, list]:
        node_edges = list(edges)
        node_caps = dict(caps)
        for r, rule in enumerate(rules):
            options = allowed(r, node)
            cap = rule.cap
            n = rule.choice.rule.n
            if drawn[rule.key] == 1 and len(options) > n:
                spends = sorted(sum(supply[i] for i, _ in rule.options[o]) for o in options)
                cap = min(cap, sum(spends[-n:]))
            node_caps[rule.key] = cap
            for o in options:
                node_edges += [(rule.key, i, val) for i, val in rule.options[o]]
        limits = receipt_limits(node) if any_lp else {}
        node_edges = _limit_receipts(node_edges, node_caps, limits)
        node_flows: dict[tuple[PoolKey, int], float] = {}
        gain = transport(supply, outside, node_edges, node_caps, node_flows)
        if base + gain >= target:
            # (Below the target the relaxation alone settles the node: no second bound.)
            gain = min(gain, lagrangian(node, node_flows, node_caps, gain, limits))
        return gain, node_flows, node_edges

    def receipt_limits(node: Node) -> dict[tuple[int, int], float]:
        """(card position, node) -> the most the card can receive there, from the "receives
        most" rows of its overlapping pick-top rules.

        The card receives at least as much on each chosen option as on any option not chosen,
        and at most a chosen option's spend. The options a node no longer allows are not
        chosen, and whichever N allowed options (the forced ones among them) are, the smallest
        of their spends is at most the N-th largest allowed spend (and at most each forced
        option's): so that much at most on an option not allowed. Without these limits the
        flow relaxation pays the card's other rates on big categories as if the rows were not
        there, every choice bounds about as high as the best one, and a wallet with the Venmo
        card (3 % on its top category, 2 % on the next) took hundreds of LPs.
        """
        limits: dict[tuple[int, int], float] = {}
        for r, rule in enumerate(rules):
            options = allowed(r, node)
            if not rule.top_lp or not options:
                continue
            spent = {o: sum(supply[i] for i in rule.receipts[o]) for o in options}
            ranked = sorted(spent.values(), reverse=True)
            limit = ranked[min(rule.choice.rule.n, len(ranked)) - 1]
            limit = min([limit] + [spent[o] for o in node[r][0]])
            for o, receipts in enumerate(rule.receipts):
                if o not in spent:
                    for i in receipts:
                        key = (rule.pos, i)
                        limits[key] = min(limits.get(key, math.inf), limit)
        return limits

    def lagrangian(node: Node, flows: dict, node_caps: dict, gain: float, limits: dict) -> float:
        """A second bound: the relaxation with each rule's "at most N options" priced in.

        Charging λ_r / S_o on every dollar earning through option o of rule r (S_o: the
        option's spend, so an option costs at most λ_r) and adding λ_r·N keeps an upper bound
        for any λ >= 0; λ_r is the (N+1)-th largest gain of the rule's options in the
        relaxed optimum, which makes the bound nearly exact when the relaxation spreads a
        rule over too many options. Still one flow problem.
        """
        lams: dict[int, float] = {}
        for r, rule in enumerate(rules):
            options = allowed(r, node)
            n = rule.choice.rule.n
            if len(options) <= n:
                continue
            gains = sorted(
                (
                    sum(flows.get((rule.key, i), 0.0) * (val - outside[i]) for i, val in opt)
                    for opt in (rule.options[o] for o in options)
                ),
                reverse=True,
            )
            if gains[n] > _EPS:
                lams[r] = gains[n]
        if not lams:
            return gain
        # Every rule's option edges carry its own price (a fixed edge in the same pool is
        # untouched); each edge stays separate, the flow takes the best per pool and node.
        reduced = list(edges)
        constant = 0.0
        for r, rule in enumerate(rules):
            lam = lams.get(r, 0.0)
            constant += lam * rule.choice.rule.n
            for o in allowed(r, node):
                option = rule.options[o]
                charge = lam / sum(supply[i] for i, _ in option) if lam else 0.0
                reduced += [(rule.key, i, val - charge) for i, val in option]
        reduced = _limit_receipts(reduced, node_caps, limits)
        scratch: dict[tuple[PoolKey, int], float] = {}
        return transport(supply, outside, reduced, node_caps, scratch) + constant

    def usage(r: int, node: Node, flows: dict) -> dict[int, float]:
        """Dollars earning through each allowed option of rule r in a relaxed optimum."""
        rule = rules[r]
        # (An edge in a pool of its own, see `_limit_receipts`, counts too.)
        return {
            o: sum(
                flows.get((rule.key, i), 0.0) + flows.get(((rule.pos, rule.key, i), i), 0.0)
                for i, _ in rule.options[o]
            )
            for o in allowed(r, node)
        }

    def meets_rows(node: Node, flows: dict) -> bool:
        """Whether a settled node's flow optimum also meets what only the LP states: its
        pools' caps (limited edges sit in pools of their own), the "receives most" rows and
        the lower bounds. It is then the LP's optimum too (the flow is its relaxation)."""
        received: dict[tuple[int, int], float] = {}
        placed = dict.fromkeys(nodes, 0.0)
        pooled: dict[PoolKey, float] = {}
        for (key, i), amount in flows.items():
            if amount <= _EPS:
                continue
            received[(key[0], i)] = received.get((key[0], i), 0.0) + amount
            placed[i] += amount
            own = key[1] if isinstance(key[1], tuple) else key
            pooled[own] = pooled.get(own, 0.0) + amount
        for key, amount in pooled.items():
            if amount > pool_caps.get(key, math.inf) + _ROWS_TOL:
                return False
        for i in nodes:
            rest = supply[i] - placed[i]
            if rest > _EPS:
                received[(who[i], i)] = received.get((who[i], i), 0.0) + rest
        for pos, amount in (problem.lower or {}).items():
            if sum(received.get((pos, i), 0.0) for i in nodes) < amount - _ROWS_TOL:
                return False
        for r, rule in enumerate(rules):
            if not rule.top_lp:
                continue
            got = [
                sum(received.get((rule.pos, i), 0.0) for i in nodes_o) for nodes_o in rule.receipts
            ]
            chosen_options = allowed(r, node)
            least = min(got[o] for o in chosen_options)
            if any(got[o] > least + _ROWS_TOL for o in range(len(got)) if o not in chosen_options):
                return False
        return True

    def branch_on(node: Node, flows: dict, lp_pass: bool = False) -> tuple[int, int] | None:
        """(rule, option) to branch on, or None when the relaxed optimum is feasible.

        In a problem solved by the LP, a flow relaxation (`lp_pass` False) branches on the
        overlapping pick-top rules, whose "receives most" rows need their choice fixed; the LP
        of a node where those are fixed (`lp_pass` True) branches on the other rules, whose
        options it allows all at once, as a flow relaxation does.
        """
        for r, rule in enumerate(rules):
            forced, _ = node[r]
            n = rule.choice.rule.n
            if any_lp and rule.top_lp == lp_pass:
                continue
            used = {o: amount for o, amount in usage(r, node, flows).items() if amount > _EPS}
            if any_lp and not lp_pass:
                # Fix the choice: force in the most used free option first (the best guess).
                options = allowed(r, node)
                if len(options) > n:
                    free = [o for o in options if o not in forced]
                    return r, max(free, key=lambda o: (used.get(o, 0.0), -o))
                continue
            if len(set(used) | set(forced)) > n:
                # Branch on the most used free option: forcing it in usually settles the
                # rule (a third of the nodes of branching on the least used one).
                free = [o for o in used if o not in forced]
                return r, max(free, key=lambda o: (used[o], -o))
        return None

    def chosen(node: Node, flows: dict) -> tuple[tuple[int, ...], ...]:
        """Per rule, the options a feasible node's optimum uses (forced ones included)."""
        return tuple(
            tuple(allowed(r, node))
            if rule.top_lp
            else tuple(
                sorted(set(node[r][0]) | {o for o, a in usage(r, node, flows).items() if a > _EPS})
            )
            for r, rule in enumerate(rules)
        )

    def settled(node: Node) -> bool:
        """True when every overlapping pick-top rule's choice is fixed (the LP can run)."""
        return all(
            len(allowed(r, node)) <= rule.choice.rule.n
            for r, rule in enumerate(rules)
            if rule.top_lp
        )

    def push(node: Node) -> None:
        """Bound a node by its flow relaxation and queue it (a node whose LP can run is
        marked: its LP is solved only if it is popped, see `refine`)."""
        gain, node_flows, node_edges = relaxed(node)
        heapq.heappush(heap, (-gain, next(counter), node, payload_of(node, node_flows, node_edges)))

    def payload_of(node: Node, node_flows: dict, node_edges: list) -> object:
        if any_lp and settled(node):
            return _Settled(node_flows, node_edges)
        return node_flows, node_edges

    def refine(node: Node) -> None:
        """Queue a settled node again with its LP's value. The flow relaxation (no "receives
        most" rows, no lower bounds) bounds the LP from above, so most settled nodes are
        pruned by it without an LP: with a pick-top card such as Venmo's held, one wallet
        took hundreds of LPs when each settled node was solved as it was queued."""
        fixed = tuple(tuple(allowed(r, node)) for r in range(len(rules)))
        solved = _solve_settled(problem, fixed, rows)
        if solved is not None:
            heapq.heappush(heap, (-(solved.value - base), next(counter), node, solved))

    base = _base(supply, outside, nodes)

    # Best-first: a node's key is its relaxed gain (or its LP's), an upper bound for every node
    # below it, so the first node popped with all constraints met is the optimum.
    counter = itertools.count()
    root: Node = tuple(((), ()) for _ in rules)
    gain, flows, node_edges = relaxed(root)
    root_bound = base + gain
    if bound_only:
        return QuarterResult(root_bound, {}, root=root_bound)
    heap: list[tuple[float, int, Node, object]] = []
    heap.append((-gain, next(counter), root, payload_of(root, flows, node_edges)))
    branched = False
    while heap:
        neg_gain, _, node, payload = heapq.heappop(heap)
        if base - neg_gain < target:
            # Best-first: no open node (so no choice) can reach the target.
            return QuarterResult(base - neg_gain, {}, False, root_bound, branched)
        if isinstance(payload, _Settled) and not meets_rows(node, payload.flows):
            refine(node)
            continue
        if isinstance(payload, _Settled):
            # Its flow optimum is the LP's: go on as with the LP's (the other rules).
            flows, node_edges = payload.flows, payload.edges
            choice_to_split = branch_on(node, flows, lp_pass=True)
            if choice_to_split is None:
                if not rows:
                    result = QuarterResult(base - neg_gain, {}, True, root_bound, branched)
                else:
                    result = _result(problem, node_edges, flows, -neg_gain)
                    result.root, result.branched = root_bound, branched
                result.chosen = chosen(node, flows)
                return result
        elif isinstance(payload, QuarterResult):
            # An LP with the pick-top choices fixed: feasible when the other rules use at most
            # N options each.
            choice_to_split = branch_on(node, payload.flows, lp_pass=True)
            if choice_to_split is None:
                payload.root, payload.branched = root_bound, branched
                payload.chosen = chosen(node, payload.flows)
                return payload
        else:
            flows, node_edges = payload
            choice_to_split = branch_on(node, flows)
            if choice_to_split is None:
                if not rows:
                    result = QuarterResult(base - neg_gain, {}, True, root_bound, branched)
                else:
                    result = _result(problem, node_edges, flows, -neg_gain)
                    result.root, result.branched = root_bound, branched
                result.chosen = chosen(node, flows)
                return result
        branched = True
        r, option = choice_to_split
        forced, excluded = node[r]
        for child_rule in (((forced, excluded + (option,))), ((forced + (option,), excluded))):
            push(node[:r] + (child_rule,) + node[r + 1 :])
    raise lp.Infeasible("no choice of categories is feasible")


def _limit_receipts(
    edges: list[tuple[PoolKey, int, float]],
    caps: dict[PoolKey, float],
    limits: Mapping[tuple[int, int], float],
) -> list[tuple[PoolKey, int, float]]:
    """The edges with each limited (card, node) edge in a pool of its own, capped at the
    limit (and at its pool's cap): a relaxation of both, so still an upper bound. `caps` gets
    the new pools; a new key starts with the card's position like every pool key."""
    if not limits:
        return edges
    out = []
    for key, node, val in edges:
        limit = limits.get((key[0], node))
        if limit is None:
            out.append((key, node, val))
            continue
        own = (key[0], key, node)
        caps[own] = min(caps[key], limit)
        out.append((own, node, val))
    return out


@dataclass
class _Settled:
    """A queued node whose pick-top choices are fixed and whose LP is not solved yet: its flow
    relaxation (receipt limits included)."""

    flows: dict[tuple[PoolKey, int], float]
    edges: list[tuple[PoolKey, int, float]]


# Slack when checking a flow optimum against the LP's rows (dollars).
_ROWS_TOL = 1e-7


def _base(supply: Sequence[float], outside: Sequence[float], nodes: Sequence[int]) -> float:
    return sum(supply[node] * outside[node] for node in nodes)


def _result(
    problem: _Problem,
    edges: list[tuple[PoolKey, int, float]],
    flows: dict[tuple[PoolKey, int], float],
    gain: float,
) -> QuarterResult:
    supply, nodes, outside, who = problem.supply, problem.nodes, problem.outside, problem.who
    best_val: dict[tuple[PoolKey, int], float] = {}
    for pool, node, val in edges:
        if val > best_val.get((pool, node), -math.inf):
            best_val[(pool, node)] = val
    rows: dict[tuple[int, int], tuple[float, float]] = {}
    placed = dict.fromkeys(nodes, 0.0)
    for (pool, node), amount in flows.items():
        if amount <= _EPS:
            continue
        spend, value = rows.get((node, pool[0]), (0.0, 0.0))
        rows[(node, pool[0])] = (spend + amount, value + amount * best_val[(pool, node)])
        placed[node] += amount
    for node in nodes:
        rest = supply[node] - placed[node]
        if rest > _EPS:
            spend, value = rows.get((node, who[node]), (0.0, 0.0))
            rows[(node, who[node])] = (spend + rest, value + rest * outside[node])
    return QuarterResult(_base(supply, outside, nodes) + gain, rows)


# --- minimum receipts, priced ----------------------------------------------------------------

# Most rounds of one price's search (a handful in practice); beyond it, the LP decides.
_PRICE_ROUNDS = 40
# Dollars: a round whose value is within this of the cutting planes' meeting point is the optimum.
_PRICE_TOL = 1e-7
# At most this many minimums are priced (each nests one more search inside the other's
# rounds: ~5 transport problems for one, ~25 for two); more go to the LP.
_PRICED_MINIMUMS = 2

# (g, dollars each priced card receives at an optimum, that optimum's flows (pool, node) -> $)
_Priced = tuple[float, dict[int, float], dict[tuple[PoolKey, int], float]]


def _with_prices(problem: _Problem, prices: Mapping[int, float]) -> _Priced:
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
    return _base(supply, outside, nodes) + gain, received, flows


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


def _solve_minimums_by_price(problem: _Problem) -> QuarterResult | None:
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


def _solve_settled(
    problem: _Problem, fixed: tuple[tuple[int, ...], ...], rows: bool
) -> QuarterResult | None:
    """An LP problem with each rule's options fixed (None: infeasible): by the explicit LP, or,
    for its value alone when only minimum receipts made it one (no "receives most" rows), as
    plain pools with the minimums priced (the optimum's flows say which options it uses, as
    the LP's would)."""
    if not rows and problem.lower and not problem.pick_top_lp:
        plain = _plain(problem, fixed) if problem.rules else problem
        priced = _solve_minimums_by_price(plain)
        if priced is not None:
            return priced
    return _solve_lp(problem, fixed)


# --- the explicit LP for overlapping pick-top rules ------------------------------------------


@dataclass
class _Columns:
    """The explicit LP's variables, as parallel lists: (card position, node, pool key or None
    for its uncapped rate, value per dollar)."""

    owners: list[int]
    nodes: list[int]
    keys: list[PoolKey | None]
    values: list[float]


def _lp_columns(problem: _Problem, fixed: tuple[tuple[int, ...], ...]) -> _Columns:
    owners = [pos for pos, _, _ in problem.floors]
    nodes = [node for _, node, _ in problem.floors]
    keys: list[PoolKey | None] = [None] * len(owners)
    values = [val for _, _, val in problem.floors]
    for key, node, val in problem.edges:
        owners.append(key[0])
        nodes.append(node)
        keys.append(key)
        values.append(val)
    for rule, chosen in zip(problem.rules, fixed, strict=True):
        for o in chosen:
            for node, val in rule.options[o]:
                owners.append(rule.pos)
                nodes.append(node)
                keys.append(rule.key)
                values.append(val)
    return _Columns(owners, nodes, keys, values)


def _lp_objective(problem: _Problem, columns: _Columns) -> np.ndarray:
    """c: each column's value (the lower bounds' surplus columns are worth nothing)."""
    c = np.array(columns.values, dtype=float)
    return np.concatenate([c, np.zeros(len(problem.lower))]) if problem.lower else c


def _lp_rows(
    problem: _Problem, fixed: tuple[tuple[int, ...], ...], columns: _Columns
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[PoolKey]]:
    """(a_eq, b_eq, a_ub, b_ub, the pool of each cap row) of the explicit LP.

    Built with numpy: choice cards beside a binding yearly cap solve thousands of these LPs a
    ranking, and rows built column by column in Python took a third of each solve.
    """
    caps = dict(problem.caps)
    for rule in problem.rules:
        caps[rule.key] = rule.cap
    n = len(columns.values)
    owner = np.array(columns.owners, dtype=np.int64)
    node_of = np.array(columns.nodes, dtype=np.int64)
    node_row = np.zeros(len(problem.supply), dtype=np.int64)
    node_row[problem.nodes] = np.arange(len(problem.nodes))
    a_eq = np.zeros((len(problem.nodes), n))
    a_eq[node_row[node_of], np.arange(n)] = 1.0
    b_eq = np.array([problem.supply[node] for node in problem.nodes])
    # A row per finite cap that some column draws on, in the caps' order.
    finite = [key for key, cap in caps.items() if math.isfinite(cap)]
    key_id = {key: i for i, key in enumerate(finite)}
    column_cap = np.array([key_id.get(key, -1) for key in columns.keys], dtype=np.int64)
    hits = column_cap[None, :] == np.arange(len(finite))[:, None]
    drawn = hits.any(axis=1)
    cap_rows = [key for key, used in zip(finite, drawn.tolist(), strict=True) if used]
    blocks = [hits[drawn].astype(float)]
    b_ub = [caps[key] for key in cap_rows]
    for rule, chosen in zip(problem.rules, fixed, strict=True):
        if not (rule.top_lp):
            continue
        assert rule.receipt_table is not None  # (built with every top_lp rule)
        receipts = (rule.receipt_table[:, node_of] & (owner == rule.pos)[None, :]).astype(float)
        others = [k for k in range(len(receipts)) if k not in chosen]
        for j in chosen:
            blocks.append(receipts[others] - receipts[j])
            b_ub += [0.0] * len(others)
    a_ub = np.vstack(blocks)
    if problem.lower:
        # Σ receipts − surplus = amount: an equality with b >= 0, as lp.solve wants.
        k = len(problem.lower)
        rows_lb = np.zeros((k, n + k))
        for i, pos in enumerate(problem.lower):
            rows_lb[i, :n] = owner == pos
            rows_lb[i, n + i] = -1.0
        a_eq = np.vstack([np.hstack([a_eq, np.zeros((a_eq.shape[0], k))]), rows_lb])
        b_eq = np.concatenate([b_eq, np.array(list(problem.lower.values()), dtype=float)])
        a_ub = np.hstack([a_ub, np.zeros((a_ub.shape[0], k))])
    return a_eq, b_eq, a_ub, np.array(b_ub), cap_rows


def _solve_lp(problem: _Problem, fixed: tuple[tuple[int, ...], ...]) -> QuarterResult | None:
    """The problem as an explicit LP, with "receives most" rows for pick-top rules.

    `fixed` holds the options allowed for each of `problem.rules`: exactly the chosen ones for
    an overlapping pick-top rule, any number for the others (their one pool then relaxes "at
    most N options"; every other choice rule is a plain pool of its spent options already).
    """
    columns = _lp_columns(problem, fixed)
    a_eq, b_eq, a_ub, b_ub, cap_rows = _lp_rows(problem, fixed, columns)
    try:
        optimum = lp.solve(_lp_objective(problem, columns), a_eq, b_eq, a_ub, b_ub)
    except lp.Infeasible:
        return None
    x, y = optimum.x, optimum.duals
    rows: dict[tuple[int, int], tuple[float, float]] = {}
    flows: dict[tuple[PoolKey, int], float] = {}
    for j in np.nonzero(x[: len(columns.values)] > _EPS)[0].tolist():
        pos, node, key = columns.owners[j], columns.nodes[j], columns.keys[j]
        val, amount = columns.values[j], x[j]
        spend, total = rows.get((node, pos), (0.0, 0.0))
        rows[(node, pos)] = (spend + amount, total + amount * val)
        if key is not None:
            flows[(key, node)] = flows.get((key, node), 0.0) + amount
    duals = {key: float(y[i]) for i, key in enumerate(cap_rows)}
    return QuarterResult(optimum.value, rows, flows=flows, duals=duals)


# An LP's last optimum per choice, over constraints that do not change (None: infeasible).
Warm = dict[tuple[tuple[int, ...], ...], lp.Optimum | None]


def _lp_value(problem: _Problem, fixed: tuple[tuple[int, ...], ...], warm: Warm) -> float:
    """The explicit LP's optimum value (−inf: infeasible), re-optimised from `warm`'s last
    optimum of the same choice when it has one.

    For the Lagrangian bounds of `_solve_by_choices` each quarter choice is valued at several
    price vectors: the yearly pools are uncapped at every one of them and only the values of
    their columns change, so the constraints are the same and the last optimal basis is still
    feasible; from it a few pivots reach the new optimum instead of a two-phase solve.
    """
    columns = _lp_columns(problem, fixed)
    c = _lp_objective(problem, columns)
    if fixed in warm:
        optimum = warm[fixed]
        return -math.inf if optimum is None else optimum.reoptimize(c)
    a_eq, b_eq, a_ub, b_ub, _ = _lp_rows(problem, fixed, columns)
    try:
        # Only the value is wanted: phase 1 may start from the cards' uncapped rates.
        optimum = lp.solve(c, a_eq, b_eq, a_ub, b_ub, crash=True)
    except lp.Infeasible:
        warm[fixed] = None
        return -math.inf
    warm[fixed] = optimum
    return optimum.value


# --- one quarter (or one month of a roadmap) ----------------------------------------------------


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
    """Exact optimum of one quarter on its own (caps as priced, no yearly coupling).

    The roadmap values one month this way, with `lower` (card position -> dollars it receives at
    least). Plan rows are keyed (leaf, card position).
    """
    problem = _problem(cards, (q,), supply, leaves, coupled=False, lower=lower)
    return _solve(problem, rows, bound_only, target)


# --- a whole wallet ----------------------------------------------------------------------------


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
        problem = _problem(cards, (0,), quarterly, leaves, coupled=False)
        result = _solve(problem, rows, bound_only, target / QUARTERS)
        solved = _alike_year(
            cards, problem, result, quarterly, leaves, rows, bound_only, target, coupled
        )
        if solved is not None:
            if rows and not bound_only and result.exact:
                solved.quarter = result
            return solved
    elif not coupled:
        results = [
            _solve(_problem(cards, (q,), quarterly, leaves, coupled=False), rows, bound_only)
            for q in range(QUARTERS)
        ]
        year = _year(results)
        if rows and not bound_only:
            year.quarters = tuple(results)
        return year
    problem = _problem(cards, range(QUARTERS), quarterly, leaves, coupled=True)
    if bound_only:
        return WalletResult(_solve(problem, rows, bound_only, target).value, {})
    quarters = [_problem(cards, (q,), quarterly, leaves, coupled=False) for q in range(QUARTERS)]
    solved = _solve_by_choices(cards, quarters, problem, target)
    if solved is not None:
        return solved
    result = _solve(problem, rows, bound_only, target)
    if not result.exact:
        return WalletResult(result.value, {}, exact=False)
    return _year([result])


def _alike_year(
    cards: Sequence[PricedCard],
    problem: _Problem,
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
        result = _solve(problem, rows)
    bound = _year_bound(cards, problem, result, target / QUARTERS)
    if bound <= result.value + _CERTIFY * max(1.0, abs(result.value)):
        return _year([result] * QUARTERS)
    if bound * QUARTERS < target:
        return WalletResult(bound * QUARTERS, {}, exact=False)
    coupled_problem = _problem(cards, range(QUARTERS), quarterly, leaves, coupled=True)
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


def _combos(problem: _Problem, every_rule: bool) -> list[tuple[tuple[int, ...], ...]]:
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


def _priced(problem: _Problem, prices: Mapping[PoolKey, float]) -> _Problem:
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
    quarters: Sequence[_Problem],
    coupled: _Problem,
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

    def best_listed(
        combos: list[list[tuple[tuple[int, ...], ...]]], target: float, budget: float = math.inf
    ) -> tuple[QuarterResult | None, float, tuple[tuple[int, ...], ...]] | WalletResult | None:
        """The best combination of `combos` (best, its value, its choices), solved best bound
        first; a WalletResult (an upper bound) when none can reach `target`; None when more
        than `budget` combinations would have to be solved."""
        if alike:
            sets = _multisets(len(combos[0]))
        else:
            grids = np.meshgrid(*(np.arange(len(c), dtype=np.int16) for c in combos), indexing="ij")
            sets = np.stack(grids, axis=-1).reshape(-1, QUARTERS)
        # Each quarter's column as a contiguous index array, converted once for every price
        # vector's sum below.
        columns = [np.ascontiguousarray(sets[:, q], dtype=np.intp) for q in range(QUARTERS)]
        bounds = np.full(len(sets), np.inf)
        tried: list[tuple[float, ...]] = []
        # Every price vector uncaps the same yearly pools: per quarter, one set of LPs whose
        # objectives change (`_lp_value`); `settle_others` solves by branch and bound instead.
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
            h *= QUARTERS if alike else 1  # (alike: the one quarter's values for every quarter)
            total = sum(h[q][columns[q]] for q in range(QUARTERS))
            np.minimum(bounds, total + float(np.dot(mu, year_caps)), out=bounds)

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
            if max(top, best_value, incumbent) < target:
                return WalletResult(max(top, best_value, incumbent), {}, exact=False)
            bounds[i] = -np.inf
            budget -= 1
            if budget < 0:
                return None
            fixed = tuple(
                choice for q, j in enumerate(sets[i]) for choice in combos[0 if alike else q][j]
            )
            if coupled.any_lp:
                # The pick-top choices pinned; the other rules settled by branch and bound, which
                # stops as soon as it cannot beat the incumbent.
                pinned = _pinned(coupled, fixed)
                try:
                    solved = _solve(pinned, target=best_value + _CERTIFY)
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
                    again = _solve_lp(pinned, solved.chosen)
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
        even_year = [_solve(problem) for problem in quarters]
        incumbent = sum(result.value for result in even_year)
        combos = _promising_sequences(
            quarters, even_year, combos, yearly, year_caps, incumbent, settle_others
        )
        count = _count(combos, alike)
        if count > limit:
            # Still too many: the best year among each quarter's most valuable choices is a
            # higher bar, and the cut against it keeps far fewer.
            found = best_listed(_most_valuable(quarters, combos, settle_others), -math.inf)
            assert found is not None and not isinstance(found, WalletResult)  # (no target)
            if found[0] is not None and found[1] > incumbent:
                bar, incumbent = year_of(found[0], found[2]), found[1]
                combos = _promising_sequences(
                    quarters, even_year, combos, yearly, year_caps, incumbent, settle_others
                )
                count = _count(combos, alike)
        if count == 0:
            # (no sequence of choices can beat the bar)
            return bar if bar is not None else _year(even_year)
    if count > limit and alike and even is not None:
        combos = [
            _promising(
                quarters[0], combos[0], yearly, year_caps, incumbent, even_prices, settle_others
            )
        ]
        if settle_others:
            # The few pick-top choices left, each with every N-subset of the other rules:
            # filtered again with each h one LP, and each combination of them is one LP.
            full = _expand(quarters[0], combos[0])
            full = _promising(quarters[0], full, yearly, year_caps, incumbent, even_prices, False)
            if _count([full], alike) <= limit:
                combos, settle_others = [full], False
        count = _count(combos, alike)
        if count == 0:
            return _year([even] * QUARTERS)  # (no choice can beat the even split)
    if count > limit or count == 0:
        return None
    fallback = not alike and not settle_others and quarters[0].any_lp
    found = best_listed(combos, target, _EVERY_RULE_SOLVES if fallback else math.inf)
    if found is None:
        # Every rule listed, too many sequences left to solve: the pick-top rules alone.
        combos = [_combos(problem, every_rule=False) for problem in quarters]
        settle_others = True
        if _count(combos, alike) > limit:
            return None
        found = best_listed(combos, target)
    assert found is not None  # (no budget)
    if isinstance(found, WalletResult):
        return found
    best, best_value, best_fixed = found
    if bar is not None and best_value <= incumbent:
        return bar
    if even_year is not None and best_value <= incumbent:
        return _year(even_year)
    if best is None:
        raise lp.Infeasible("no choice of categories is feasible")
    return year_of(best, best_fixed)


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


def _pinned(problem: _Problem, fixed: tuple[tuple[int, ...], ...]) -> _Problem:
    """The problem with each rule's options narrowed to `fixed` (a rule left with more than
    N of them is still settled by its branch and bound)."""
    rules = [
        replace(rule, useful=list(options))
        for rule, options in zip(problem.rules, fixed, strict=True)
    ]
    return replace(problem, rules=rules)


def _quarter_values(
    problem: _Problem,
    combos: Sequence[tuple[tuple[int, ...], ...]],
    settle_others: bool,
    warm: Warm | None = None,
) -> np.ndarray:
    """The best value of the quarter `problem` for each choice in `combos` (-inf:
    infeasible). `settle_others`: the choices fix only the pick-top rules, and the other rules
    are settled by branch and bound (exact) instead of relaxed (one LP, an upper bound).
    `warm`: the LPs' last optima, when `problem` differs from the last one it was given only
    in its objective (`_lp_value`)."""
    values = np.full(len(combos), -np.inf)
    for j, combo in enumerate(combos):
        if settle_others:
            with contextlib.suppress(lp.Infeasible):
                values[j] = _solve(_pinned(problem, combo), rows=False).value
        elif warm is not None and problem.any_lp:
            values[j] = _lp_value(problem, combo, warm)
        elif (solved := _solve_fixed(problem, combo, ())) is not None:
            values[j] = solved.value
    return values


def _kept_by_bound(
    quarters: Sequence[_Problem],
    repeat: int,
    combos: Sequence[Sequence[tuple[tuple[int, ...], ...]]],
    price_vectors: Sequence[Mapping[PoolKey, float]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    incumbent: float,
    settle_others: bool,
) -> list[np.ndarray]:
    """For each quarter problem (each standing for `repeat` quarters: 4 when alike, else 1),
    which of its choices J can be in a year above `incumbent`: h_q(J, μ) + the other quarters
    at their best + μ·Y must be above it for every μ in `price_vectors` (the Lagrangian bound
    of `_solve_by_choices`)."""
    keep = [np.ones(len(c), dtype=bool) for c in combos]
    margin = _CERTIFY * max(1.0, abs(incumbent))
    for prices in price_vectors:
        h = [
            _quarter_values(_priced(problem, prices), quarter_combos, settle_others)
            for problem, quarter_combos in zip(quarters, combos, strict=True)
        ]
        best = [float(values.max()) if len(values) else -math.inf for values in h]
        constant = float(np.dot([prices[key] for key in yearly], year_caps))
        for q, values in enumerate(h):
            others = sum(best[:q] + best[q + 1 :])
            if repeat > 1:
                others += (repeat - 1) * best[q]
            keep[q] &= values + others + constant > incumbent + margin
    return keep


def _promising(
    problem: _Problem,
    combos: list[tuple[tuple[int, ...], ...]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    incumbent: float,
    even_prices: Mapping[PoolKey, float],
    settle_others: bool,
) -> list[tuple[tuple[int, ...], ...]]:
    """The choices of alike quarters that can be in a year better than `incumbent`.

    A year with choice J in one quarter is worth at most h(J, μ) + 3·max h(·, μ) + μ·Y for any
    prices μ >= 0 (the Lagrangian bound of `_solve_by_choices` with the best choice in the
    other three quarters); J is dropped when that is not above the incumbent for μ = 0 (the
    yearly caps dropped) or for the even split's dual prices. Venmo's card beside Blue Cash
    Preferred's binding cap, Freedom Unlimited and Custom Cash on the typical household: 450
    choices a quarter, C(453, 4) = 1.7e9 multisets, of which 9 choices stay. `settle_others`:
    as for `_quarter_values`."""
    price_vectors = [dict.fromkeys(yearly, 0.0)]
    if any(even_prices.values()):
        price_vectors.append(dict(even_prices))
    # The one quarter stands for all four: the other three at their best.
    [keep] = _kept_by_bound(
        [problem], QUARTERS, [combos], price_vectors, yearly, year_caps, incumbent, settle_others
    )
    return [combo for combo, kept in zip(combos, keep, strict=True) if kept]


# How many of each differing quarter's most valuable choices are listed for a first bar.
_FEW_CHOICES = 8


def _most_valuable(
    quarters: Sequence[_Problem],
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
    quarters: Sequence[_Problem],
    even_year: Sequence[QuarterResult],
    combos: list[list[tuple[tuple[int, ...], ...]]],
    yearly: Sequence[PoolKey],
    year_caps: np.ndarray,
    incumbent: float,
    settle_others: bool,
) -> list[list[tuple[tuple[int, ...], ...]]]:
    """Each differing quarter's choices that can be in a year better than `incumbent`.

    A year with choice J in quarter q is worth at most h_q(J, μ) + Σ_{q' ≠ q} max h_q'(·, μ)
    + μ·Y for any prices μ >= 0; J is dropped when that is not above the incumbent for μ = 0
    and for each quarter's own dual prices in the even split. Three small cards of the year-one
    property test, all three choice rules pick-top: 72 choices a quarter, 27 million
    sequences, which the four-quarter branch and bound did not finish in minutes."""
    price_vectors = [dict.fromkeys(yearly, 0.0)]
    for problem, result in zip(quarters, even_year, strict=True):
        prices = _even_prices(problem, result, yearly)
        if any(prices.values()) and prices not in price_vectors:
            price_vectors.append(prices)
    keep = _kept_by_bound(
        quarters, 1, combos, price_vectors, yearly, year_caps, incumbent, settle_others
    )
    return [
        [combo for combo, kept in zip(quarter_combos, kept_q, strict=True) if kept]
        for quarter_combos, kept_q in zip(combos, keep, strict=True)
    ]


def _even_prices(
    problem: _Problem, even: QuarterResult, yearly: Sequence[PoolKey]
) -> dict[PoolKey, float]:
    """The yearly pools' dual prices in the even split (one quarter's optimum, its choices
    fixed); none when its choices are not known."""
    if even.chosen is None:
        return {}
    solved = _solve_fixed(problem, even.chosen, yearly)
    return {} if solved is None else {key: solved.duals.get(key, 0.0) for key in yearly}


def _expand(
    problem: _Problem, combos: Sequence[tuple[tuple[int, ...], ...]]
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


def _plain(problem: _Problem, fixed: tuple[tuple[int, ...], ...]) -> _Problem:
    """The problem with each rule's options `fixed`, as plain pools (no choice left)."""
    edges = list(problem.edges)
    caps = dict(problem.caps)
    for rule, chosen in zip(problem.rules, fixed, strict=True):
        caps[rule.key] = rule.cap
        edges += [(rule.key, node, val) for o in chosen for node, val in rule.options[o]]
    return replace(problem, edges=edges, caps=caps, rules=[])


def _solve_fixed(
    problem: _Problem,
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
        return _solve_lp(problem, fixed)
    plain = _plain(problem, fixed)
    caps = plain.caps
    result = _solve(plain, rows)
    for key in priced:
        cap = caps.get(key, math.inf)
        if math.isfinite(cap):
            step = 1e-4 * max(1.0, cap)
            more = replace(plain, caps={**caps, key: cap + step})
            result.duals[key] = max(0.0, (_solve(more, rows=False).value - result.value) / step)
    return result


def _year_bound(
    cards: Sequence[PricedCard], problem: _Problem, result: QuarterResult, target: float
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
    return _solve(priced, rows=False, target=goal).value + constant


def _year(results: Sequence[QuarterResult]) -> WalletResult:
    """The year's value and plan rows by (leaf, card position) from problems' results."""
    plan: dict[tuple[int, int], tuple[float, float]] = {}
    for result in results:
        for (node, pos), (spend, value) in result.rows.items():
            key = (node % N_LEAVES, pos)
            old_spend, old_value = plan.get(key, (0.0, 0.0))
            plan[key] = (old_spend + spend, old_value + value)
    return WalletResult(sum(result.value for result in results), plan)
