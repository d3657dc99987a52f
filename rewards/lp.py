"""A small dense two-phase simplex, for the rare allocations that are not a flow problem.

Only wallets holding a pick-top rule that overlaps another rule of its card need it (the "top"
constraint compares what the card receives of each listed category, which a flow cannot say).
Sizes there are tens of rows and columns, so a dense tableau is simple and quick enough.

`solve` returns the optimum with its final tableau: `Optimum.reoptimize` finds the optimum for
another objective over the same constraints from there (phase 2 only). The Lagrangian bounds of
the quarters' choices value one program at several prices that way (rewards.allocation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EPS = 1e-9


class Infeasible(Exception):
    """The constraints admit no solution."""


def _pivot(tableau: np.ndarray, row: int, col: int) -> None:
    tableau[row] /= tableau[row, col]
    column = tableau[:, col].copy()
    column[row] = 0.0
    # (np.outer's own product, without its wrapper: thousands of pivots a ranking)
    tableau -= column[:, None] * tableau[row][None, :]


def _run(tableau: np.ndarray, basis: list[int], allowed: np.ndarray) -> None:
    """Pivot until the objective row (last) has no improving allowed column."""
    m = tableau.shape[0] - 1
    iterations = 0
    while True:
        iterations += 1
        costs = tableau[m, :-1]
        improving = (costs < -_EPS) & allowed
        if not improving.any():
            return
        # Dantzig's rule is fast; Bland's rule (lowest index) after many steps rules out cycling.
        if iterations > 50:
            col = int(improving.argmax())
        else:
            col = int(np.where(improving, costs, np.inf).argmin())
        column = tableau[:m, col]
        positive = column > _EPS
        if not positive.any():
            raise ArithmeticError("unbounded linear program")
        ratios = np.divide(tableau[:m, -1], column, out=np.full(m, np.inf), where=positive)
        best = float(ratios.min())
        ties = np.nonzero(ratios <= best + _EPS * max(1.0, abs(best)))[0].tolist()
        row = ties[0] if len(ties) == 1 else min(ties, key=lambda r: basis[r])
        _pivot(tableau, row, col)
        basis[row] = col


@dataclass
class Optimum:
    """A solved program's final tableau: its value, solution and dual prices, and the optimum
    for another objective over the same constraints (`reoptimize`)."""

    tableau: np.ndarray
    basis: list[int]  # the basic column of each row
    artificial: np.ndarray  # mask of the artificial columns (never to enter again)
    n: int  # the program's own columns (x)
    m_ub: int  # its inequality rows (their slack columns follow x)

    @property
    def value(self) -> float:
        return float(self.tableau[-1, -1])

    @property
    def x(self) -> np.ndarray:
        x = np.zeros(self.tableau.shape[1] - 1)
        x[self.basis] = self.tableau[:-1, -1]
        return x[: self.n]

    @property
    def duals(self) -> np.ndarray:
        """The inequalities' dual prices (>= 0): the reduced costs of their slack columns."""
        return np.maximum(self.tableau[-1, self.n : self.n + self.m_ub], 0.0)

    def reoptimize(self, c: np.ndarray) -> float:
        """max c·x over the same constraints, from this optimum's basis (still feasible: only
        the objective changes, so phase 1 is not needed again); this becomes that optimum."""
        _phase_two(self.tableau, self.basis, self.artificial, c)
        return self.value


def solve(
    c: np.ndarray,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    a_ub: np.ndarray,
    b_ub: np.ndarray,
    crash: bool = False,
) -> Optimum:
    """max c·x subject to a_eq x = b_eq, a_ub x <= b_ub, x >= 0 (b_eq, b_ub >= 0).

    `crash`: start phase 1 with a real column in each equality row that has one of its own
    (`_crash_columns`) instead of the row's artificial. Fewer pivots; the optimum value is the
    same, but where several optima exist the x and duals found may be another of them.
    """
    n = c.size
    m_eq, m_ub = a_eq.shape[0], a_ub.shape[0]
    m = m_eq + m_ub
    # Columns: x (n), slacks for the inequalities (m_ub), artificials for the equalities (m_eq).
    width = n + m_ub + m_eq + 1
    tableau = np.zeros((m + 1, width))
    tableau[:m_eq, :n] = a_eq
    tableau[:m_eq, n + m_ub : n + m_ub + m_eq] = np.eye(m_eq)
    tableau[:m_eq, -1] = b_eq
    tableau[m_eq:m, :n] = a_ub
    tableau[m_eq:m, n : n + m_ub] = np.eye(m_ub)
    tableau[m_eq:m, -1] = b_ub
    basis = [n + m_ub + i for i in range(m_eq)] + [n + i for i in range(m_ub)]
    started = _crash_columns(c, a_eq, a_ub) if crash else {}
    for row, col in started.items():
        basis[row] = col

    # Phase 1: minimise the artificials (maximise their negative sum).
    tableau[m, :] = 0.0
    tableau[m, n + m_ub : n + m_ub + m_eq] = 1.0
    # (Rows started on a real column have no artificial in the basis to price out.)
    tableau[m] -= tableau[[row for row in range(m_eq) if row not in started]].sum(axis=0)
    _run(tableau, basis, np.ones(width - 1, dtype=bool))
    if -tableau[m, -1] > 1e-7 * max(1.0, float(b_eq.sum())):
        raise Infeasible()
    artificial = np.zeros(width - 1, dtype=bool)
    artificial[n + m_ub : n + m_ub + m_eq] = True
    # Drive artificials still basic (at zero) out of the basis where a real column allows it.
    # (A pivot changes only its own row's basic column, so the rows listed first stay listed.)
    for row in np.nonzero(artificial[basis])[0].tolist():
        candidates = np.nonzero((np.abs(tableau[row, :-1]) > _EPS) & ~artificial)[0]
        if candidates.size:
            _pivot(tableau, row, int(candidates[0]))
            basis[row] = int(candidates[0])
    _phase_two(tableau, basis, artificial, c)
    return Optimum(tableau, basis, artificial, n, m_ub)


def _crash_columns(c: np.ndarray, a_eq: np.ndarray, a_ub: np.ndarray) -> dict[int, int]:
    """Per equality row, a column that is 1 there and 0 in every other row, the best by c.

    Basic at b_eq[row] (>= 0) from the start, it keeps the starting basis feasible (no other
    row sees it) and leaves that row no artificial to drive out. An allocation's spend rows
    have one in most rows: a card's uncapped rate on that spend, in no cap or receipts row.
    """
    if not a_eq.size:
        return {}
    unit = (np.count_nonzero(a_eq, axis=0) == 1) & (a_eq.max(axis=0) == 1.0)
    if a_ub.size:
        unit &= ~a_ub.any(axis=0)
    cols = np.nonzero(unit)[0]
    if not len(cols):
        return {}
    rows = a_eq[:, cols].argmax(axis=0)
    order = np.lexsort((cols, -c[cols], rows))  # per row: best c, then the lowest column
    first = np.r_[True, rows[order][1:] != rows[order][:-1]]
    return dict(zip(rows[order][first].tolist(), cols[order][first].tolist(), strict=True))


def _phase_two(
    tableau: np.ndarray, basis: list[int], artificial: np.ndarray, c: np.ndarray
) -> None:
    """Maximise c·x from a feasible basis: the objective expressed in the non-basic columns,
    then pivots until no allowed column improves it."""
    n, m = c.size, tableau.shape[0] - 1
    tableau[m, :] = 0.0
    tableau[m, :n] = -c
    for row in np.nonzero(np.array(basis) < n)[0].tolist():
        col = basis[row]
        if tableau[m, col] != 0.0:
            tableau[m] -= tableau[m, col] * tableau[row]
    _run(tableau, basis, ~artificial)
