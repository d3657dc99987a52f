"""Max-weight flow of one allocation problem with fixed edges: the transportation problem.

Every card can take any amount of a category at its uncapped rate, so the best uncapped rate in
the wallet is each category's *outside option*, and only capped bonus edges compete:

    value = Σ_node supply·outside + max Σ advantage·flow
            s.t. Σ_pools flow(node) ≤ supply(node), Σ_nodes flow(pool) ≤ cap(pool)

where advantage = edge value − outside option. A node is a category in one quarter (or in the
one quarter that stands for four alike ones); a pool is a cap, or an uncapped choice rule. Pools
that share no node are independent and a lone pool is a fractional knapsack (fill by advantage,
exact); pools that do share nodes are solved exactly by successive longest augmenting paths (a
min-cost flow). A yearly cap over four quarters is one pool over the nodes of all four.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_EPS = 1e-9
# (position of the card in the wallet, pool index or -1 - choice number, quarter or -1 for a
# pool over the whole year)
PoolKey = tuple[int, ...]


def _knapsack(
    pool: PoolKey,
    leaves: list[tuple[float, int]],
    cap: float,
    supply: Sequence[float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    gain = 0.0
    for adv, node in sorted(leaves, reverse=True):
        if cap <= _EPS:
            break
        amount = min(cap, supply[node])
        flows[(pool, node)] = amount
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

    Residual graph: node -> pool along an edge (gain +advantage, unlimited), pool -> node
    back along an edge carrying flow (gain -advantage). Each round finds the best path from a
    node with spend left to a pool with room and stops when no path gains; no positive cycle
    stays, so the flow is optimal for its size. Paths alternate leaves and pools, so they are
    found on the pools alone (a component has a few): a node with spend left enters a pool
    directly; moving a node's dollars from pool p to pool q gains adv(node, q) − adv(node, p);
    Bellman-Ford over the pools finds the best chain.
    """
    pool_index = {pool: i for i, pool in enumerate(pools)}
    n_pools = len(pools)
    by_node: dict[int, dict[int, float]] = {}
    for (pool, node), a in adv.items():
        p = pool_index.get(pool)
        if p is not None:
            by_node.setdefault(node, {})[p] = a
    left = {node: supply[node] for node in by_node}
    room = [caps[pool] for pool in pools]
    carried: list[dict[int, float]] = [{} for _ in pools]  # pool -> {node: dollars}
    neg = -math.inf
    for _ in range(4 * (len(adv) + len(by_node) + n_pools + 1)):
        dist = [neg] * n_pools
        start = [-1] * n_pools  # the node entering the chain, for chains starting at the pool
        pred = [-1] * n_pools  # previous pool in the chain
        via = [-1] * n_pools  # the node moved from pred into this pool
        for node, gains in by_node.items():
            if left[node] > _EPS:
                for p, a in gains.items():
                    if a > dist[p] + _EPS:
                        dist[p], start[p] = a, node
        moves: list[tuple[int, int, float, int]] = []  # (from pool, to pool, gain, node)
        for p in range(n_pools):
            best: dict[int, tuple[float, int]] = {}
            for node in carried[p]:
                gains = by_node[node]
                base = gains[p]
                for q, a in gains.items():
                    if q != p and (q not in best or a - base > best[q][0]):
                        best[q] = (a - base, node)
            moves += [(p, q, g, node) for q, (g, node) in best.items()]
        for _ in range(n_pools):
            changed = False
            for p, q, g, node in moves:
                if dist[p] != neg and dist[p] + g > dist[q] + _EPS:
                    dist[q], pred[q], via[q] = dist[p] + g, p, node
                    changed = True
            if not changed:
                break
        end, best_gain = -1, _EPS
        for p in range(n_pools):
            if room[p] > _EPS and dist[p] > best_gain:
                end, best_gain = p, dist[p]
        if end < 0:
            break
        chain: list[tuple[int, int, int]] = []  # (node, from pool, to pool)
        q = end
        while pred[q] >= 0 and len(chain) <= n_pools:
            chain.append((via[q], pred[q], q))
            q = pred[q]
        first, source = q, start[q]
        amount = min(room[end], left[source])
        for node, p, _ in chain:
            amount = min(amount, carried[p][node])
        carried[first][source] = carried[first].get(source, 0.0) + amount
        left[source] -= amount
        for node, p, q in chain:
            carried[p][node] -= amount
            if carried[p][node] <= _EPS:
                del carried[p][node]
            carried[q][node] = carried[q].get(node, 0.0) + amount
        room[end] -= amount
    gain = 0.0
    for p, pool in enumerate(pools):
        for node, amount in carried[p].items():
            if amount > _EPS:
                flows[(pool, node)] = amount
                gain += adv[(pool, node)] * amount
    return gain


def _two_pools(
    pools: list[PoolKey],
    adv: dict[tuple[PoolKey, int], float],
    caps: dict[PoolKey, float],
    supply: Sequence[float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """`_augmenting_paths` for a component of two pools, the common case, without the graph.

    With two pools an augmenting path is a node with spend left entering a pool with room, or
    entering the other pool and moving dollars of a node it carries into the one with room.
    """
    gains: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for (pool, node), a in adv.items():
        if pool == pools[0]:
            gains[0][node] = a
        elif pool == pools[1]:
            gains[1][node] = a
    left = {node: supply[node] for node in (*gains[0], *gains[1])}
    room = [caps[pools[0]], caps[pools[1]]]
    carried: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for _ in range(4 * (len(gains[0]) + len(gains[1]) + len(left) + 3)):
        best, path = _EPS, None
        for t in (0, 1):
            if room[t] <= _EPS:
                continue
            here, there = gains[t], gains[1 - t]
            for node, a in here.items():
                if a > best and left[node] > _EPS:
                    best, path = a, (t, node, -1)
            if not carried[1 - t]:
                continue
            # The two best leaves to enter the other pool: a node moved out of it must not be
            # the one entering (that path is the direct one, and would move nothing).
            enter, source, second, runner_up = -math.inf, -1, -math.inf, -1
            for node, a in there.items():
                if left[node] > _EPS and a > second:
                    if a > enter:
                        second, runner_up, enter, source = enter, source, a, node
                    else:
                        second, runner_up = a, node
            if source < 0:
                continue
            for node in carried[1 - t]:
                a = here.get(node)
                if a is None:
                    continue
                entry, by = (enter, source) if node != source else (second, runner_up)
                if by >= 0 and entry + a - there[node] > best + _EPS:
                    best, path = entry + a - there[node], (t, by, node)
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
        for node, amount in carried[t].items():
            if amount > _EPS:
                flows[(pool, node)] = amount
                gain += gains[t][node] * amount
    return gain


def transport(
    supply: Sequence[float],
    outside: Sequence[float],
    edges: list[tuple[PoolKey, int, float]],
    caps: dict[PoolKey, float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """Extra value of capped edges over the outside options; fills `flows` (pool, node) -> $.

    `flows` must start empty. A pool without a cap (an uncapped choice) limits nothing: its
    best edge on a node is one more uncapped rate for it. So those pools leave the flow
    problem: their best advantage per node raises the outside option, the capped pools are
    solved against that, and what they leave of each such node goes to that pool.
    """
    adv: dict[tuple[PoolKey, int], float] = {}
    for pool, node, val in edges:
        a = val - outside[node]
        if a > _EPS and supply[node] > _EPS and a > adv.get((pool, node), 0.0):
            adv[(pool, node)] = a
    if not adv:
        return 0.0
    lift: dict[int, tuple[float, PoolKey]] = {}
    for (pool, node), a in adv.items():
        if caps[pool] == math.inf and a > lift.get(node, (0.0, pool))[0]:
            lift[node] = (a, pool)
    if not lift:
        return _capped(supply, adv, caps, flows)
    rest = {
        key: reduced
        for key, a in adv.items()
        if caps[key[0]] != math.inf and (reduced := a - lift.get(key[1], (0.0, key[0]))[0]) > _EPS
    }
    gain = _capped(supply, rest, caps, flows) if rest else 0.0
    placed = dict.fromkeys(lift, 0.0)
    for (_, node), amount in flows.items():
        if node in placed:
            placed[node] += amount
    for node, (a, pool) in lift.items():
        gain += a * supply[node]
        left = supply[node] - placed[node]
        if left > _EPS:
            flows[(pool, node)] = left
    return gain


def _capped(
    supply: Sequence[float],
    adv: dict[tuple[PoolKey, int], float],
    caps: dict[PoolKey, float],
    flows: dict[tuple[PoolKey, int], float],
) -> float:
    """`transport` on positive advantages: lone pools by knapsack, shared ones by paths."""
    pools_of_node: dict[int, list[PoolKey]] = {}
    leaves_of_pool: dict[PoolKey, list[tuple[float, int]]] = {}
    for (pool, node), a in adv.items():
        pools_of_node.setdefault(node, []).append(pool)
        leaves_of_pool.setdefault(pool, []).append((a, node))
    if all(len(pools) == 1 for pools in pools_of_node.values()):
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
            for _, node in leaves_of_pool[pool]:
                for other in pools_of_node[node]:
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
