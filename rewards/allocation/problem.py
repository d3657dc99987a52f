"""One allocation problem: a wallet's cards priced for a query, the problem they make over one
or more quarters, and what solving it gives.

A problem's *nodes* are a category in a quarter (node = quarter number × leaves + leaf), its
*pools* are caps and uncapped choice rules; each card's uncapped rate on a node is its *floor*,
the best of them the node's *outside option*. Choice rules with more useful options than they
may choose stay rules (`Rule`), settled by `rewards.allocation.solver`; the others become
plain pools.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from rewards.flow import PoolKey
from rewards.model import FOREIGN, N_LEAVES, QUARTERS, CardModel, Choice

EPS = 1e-9


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
        if spent[leaf] and (v := value(leaf, pts)) > floor[leaf] + EPS
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
            if p in rotating_pools or cap < sum(quarterly[leaf] for leaf in reach[p]) - EPS
            else math.inf
            for p, cap in enumerate(pool_caps)
        ]
    return PricedCard(model, floor, capped, rotating, choices, pool_caps, list(model.pool_year))


@dataclass
class Rule:
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
class Problem:
    """An allocation problem over one or more quarters (node = quarter number × leaves + leaf)."""

    supply: list[float]
    nodes: list[int]  # nodes with spend
    outside: list[float]
    who: list[int]  # the card giving each node its outside option
    floors: list[tuple[int, int, float]]  # (card position, node, best uncapped rate): the LP's
    edges: list[tuple[PoolKey, int, float]]
    caps: dict[PoolKey, float]
    rules: list[Rule]
    any_lp: bool
    # Card position -> dollars it receives at least, over the whole problem (a sign-up bonus's
    # minimum spend in one month of a roadmap, rewards.roadmap); such problems are solved as the
    # explicit LP with those rows, the flow relaxations without them still bounding the choices.
    lower: Mapping[int, float] | None = None
    # An overlapping pick-top rule needs the LP's "receives most" rows (`lower` aside).
    pick_top_lp: bool = False


def build_problem(
    cards: Sequence[PricedCard],
    quarters: Sequence[int],
    quarterly: Sequence[float],
    leaves: Sequence[int],
    coupled: bool,
    lower: Mapping[int, float] | None = None,
) -> Problem:
    """The problem of these quarters; `coupled`: yearly caps are one pool over all of them."""
    size = len(quarters) * N_LEAVES
    supply = [0.0] * size
    outside = [-math.inf] * size
    who = [-1] * size
    nodes: list[int] = []
    floors: list[tuple[int, int, float]] = []
    edges: list[tuple[PoolKey, int, float]] = []
    caps: dict[PoolKey, float] = {}
    rules: list[Rule] = []
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
                    if option and (any_lp or any(val > outside[n] + EPS for n, val in option))
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
                        Rule(pos, choice, options, receipts, useful, key, cap, top_lp, table)
                    )
                else:
                    # Few enough options to take them all (in the LP too): a plain pool.
                    caps[key] = cap
                    edges += [(key, n, val) for i in useful for n, val in options[i]]
    return Problem(
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
            if best[leaf] > other + EPS:
                return False
    return True


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


def outside_value(supply: Sequence[float], outside: Sequence[float], nodes: Sequence[int]) -> float:
    return sum(supply[node] * outside[node] for node in nodes)


def plain_pools(problem: Problem, fixed: tuple[tuple[int, ...], ...]) -> Problem:
    """The problem with each rule's options `fixed`, as plain pools (no choice left)."""
    edges = list(problem.edges)
    caps = dict(problem.caps)
    for rule, chosen in zip(problem.rules, fixed, strict=True):
        caps[rule.key] = rule.cap
        edges += [(rule.key, node, val) for o in chosen for node, val in rule.options[o]]
    return replace(problem, edges=edges, caps=caps, rules=[])
