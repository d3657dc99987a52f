"""One allocation problem solved exactly (`solve_problem`), and one quarter (`solve_quarter`).

For fixed choices the problem is a transportation problem (rewards.flow). Choices (choose-N,
pick-top) are exact by best-first branch and bound: relax every undecided choice to "all
options chosen" (an upper bound), and branch on a rule (in one quarter) only when the relaxed
optimum uses more options than it may. A pick-top rule is a choose-N made afresh each quarter
(the card rewards the options it receives most of; the allocation decides what it receives,
and moving a bonus to the option it receives most never lowers the value), except when another
rule of the same card covers one of its categories: then the "receives most" constraint can
bind and those nodes are solved as an explicit LP with the constraint
(`rewards.allocation.explicit_lp`). Minimum receipts (a sign-up bonus's minimum spend in a
roadmap's month) are priced where they can be (`rewards.allocation.minimums`), else the LP.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rewards import lp
from rewards.allocation.explicit_lp import solve_lp
from rewards.allocation.minimums import solve_minimums_by_price
from rewards.allocation.problem import (
    EPS,
    PricedCard,
    Problem,
    QuarterResult,
    build_problem,
    outside_value,
    plain_pools,
)
from rewards.flow import PoolKey, transport


def solve_problem(
    problem: Problem,
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
        value = outside_value(supply, outside, nodes) + gain
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
            if gains[n] > EPS:
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
            if amount <= EPS:
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
            if rest > EPS:
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
            used = {o: amount for o, amount in usage(r, node, flows).items() if amount > EPS}
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
                sorted(set(node[r][0]) | {o for o, a in usage(r, node, flows).items() if a > EPS})
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

    def feasible(node: Node, flows: dict, node_edges: list, gain: float) -> QuarterResult:
        """The optimum: a node whose relaxed optimum meets every constraint (its value, and
        its plan unless only the value is asked for)."""
        if not rows:
            result = QuarterResult(base + gain, {}, True, root_bound, branched)
        else:
            result = _result(problem, node_edges, flows, gain)
            result.root, result.branched = root_bound, branched
        result.chosen = chosen(node, flows)
        return result

    base = outside_value(supply, outside, nodes)

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
                return feasible(node, flows, node_edges, -neg_gain)
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
                return feasible(node, flows, node_edges, -neg_gain)
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


def _result(
    problem: Problem,
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
        if amount <= EPS:
            continue
        spend, value = rows.get((node, pool[0]), (0.0, 0.0))
        rows[(node, pool[0])] = (spend + amount, value + amount * best_val[(pool, node)])
        placed[node] += amount
    for node in nodes:
        rest = supply[node] - placed[node]
        if rest > EPS:
            spend, value = rows.get((node, who[node]), (0.0, 0.0))
            rows[(node, who[node])] = (spend + rest, value + rest * outside[node])
    return QuarterResult(outside_value(supply, outside, nodes) + gain, rows)


def _solve_settled(
    problem: Problem, fixed: tuple[tuple[int, ...], ...], rows: bool
) -> QuarterResult | None:
    """An LP problem with each rule's options fixed (None: infeasible): by the explicit LP, or,
    for its value alone when only minimum receipts made it one (no "receives most" rows), as
    plain pools with the minimums priced (the optimum's flows say which options it uses, as
    the LP's would)."""
    if not rows and problem.lower and not problem.pick_top_lp:
        plain = plain_pools(problem, fixed) if problem.rules else problem
        priced = solve_minimums_by_price(plain)
        if priced is not None:
            return priced
    return solve_lp(problem, fixed)


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
    problem = build_problem(cards, (q,), supply, leaves, coupled=False, lower=lower)
    return solve_problem(problem, rows, bound_only, target)
