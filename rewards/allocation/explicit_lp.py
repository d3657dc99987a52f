"""The allocation as an explicit LP (rewards.lp): for overlapping pick-top rules, whose
"receives most" rows a flow problem cannot state, and for minimum receipts the prices cannot
settle. `lp_value` re-optimises one choice's LP at new prices from its last optimal basis
(docs/engine.md, "The coupled year by the quarters' choices")."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rewards import lp
from rewards.allocation.problem import EPS, Problem, QuarterResult
from rewards.flow import PoolKey


@dataclass
class _Columns:
    """The explicit LP's variables, as parallel lists: (card position, node, pool key or None
    for its uncapped rate, value per dollar)."""

    owners: list[int]
    nodes: list[int]
    keys: list[PoolKey | None]
    values: list[float]


def _lp_columns(problem: Problem, fixed: tuple[tuple[int, ...], ...]) -> _Columns:
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


def _lp_objective(problem: Problem, columns: _Columns) -> np.ndarray:
    """c: each column's value (the lower bounds' surplus columns are worth nothing)."""
    c = np.array(columns.values, dtype=float)
    return np.concatenate([c, np.zeros(len(problem.lower))]) if problem.lower else c


def _lp_rows(
    problem: Problem, fixed: tuple[tuple[int, ...], ...], columns: _Columns
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


def solve_lp(problem: Problem, fixed: tuple[tuple[int, ...], ...]) -> QuarterResult | None:
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
    for j in np.nonzero(x[: len(columns.values)] > EPS)[0].tolist():
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


def lp_value(problem: Problem, fixed: tuple[tuple[int, ...], ...], warm: Warm) -> float:
    """The explicit LP's optimum value (−inf: infeasible), re-optimised from `warm`'s last
    optimum of the same choice when it has one.

    For the Lagrangian bounds of `year._solve_by_choices` each quarter choice is valued at several
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
