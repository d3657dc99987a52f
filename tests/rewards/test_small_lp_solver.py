"""The engine's own simplex (used for overlapping pick-top rules) agrees with HiGHS."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import OptimizeResult, linprog

from rewards import lp


def _highs(
    c: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray
) -> OptimizeResult:
    """HiGHS's answer to max c·x (scipy minimises: its `fun` is the optimum's negative)."""
    return linprog(
        -c,
        A_ub=a_ub if len(a_ub) else None,
        b_ub=b_ub if len(a_ub) else None,
        A_eq=a_eq,
        b_eq=b_eq,
        method="highs",
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 4), st.integers(0, 5))
def test_random_feasible_programs_reach_the_highs_optimum(
    seed: int, n: int, m_eq: int, m_ub: int
) -> None:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=n)
    # Rows like the allocation's: sums of some columns; a feasible point built first.
    point = rng.uniform(0, 10, size=n)
    a_eq = (rng.uniform(size=(m_eq, n)) < 0.6).astype(float)
    a_eq[:, 0] = 1.0
    b_eq = a_eq @ point
    a_ub = rng.integers(-1, 2, size=(m_ub, n)).astype(float)
    b_ub = np.maximum(a_ub @ point, 0) + rng.uniform(0, 3, size=m_ub)
    expected = _highs(c, a_eq, b_eq, a_ub, b_ub)
    if expected.status == 3:
        return  # unbounded: the engine never builds one
    if expected.status == 2:
        # The program is feasible by construction (`point`), so HiGHS's "infeasible" is its
        # presolve meaning "infeasible or unbounded" (seed 333, n 6, m_eq 1, m_ub 4 is such
        # an unbounded program): unbounded, which the engine never builds either.
        with pytest.raises(ArithmeticError):
            lp.solve(c, a_eq, b_eq, a_ub, b_ub)
        return
    assert expected.status == 0
    optimum = lp.solve(c, a_eq, b_eq, a_ub, b_ub)
    value, x = optimum.value, optimum.x
    assert value == pytest.approx(-expected.fun, abs=1e-6)
    assert np.all(x >= -1e-9)
    assert np.allclose(a_eq @ x, b_eq, atol=1e-6)


def test_an_infeasible_program_is_reported() -> None:
    with pytest.raises(lp.Infeasible):
        lp.solve(
            np.array([1.0, 1.0]),
            np.array([[1.0, 1.0]]),
            np.array([5.0]),
            np.array([[1.0, 0.0], [0.0, 1.0]]),
            np.array([1.0, 1.0]),
        )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 4), st.integers(0, 5))
def test_an_optimum_reoptimised_for_another_objective_reaches_the_highs_optimum(
    seed: int, n: int, m_eq: int, m_ub: int
) -> None:
    """The Lagrangian bounds of the quarters' choices value one program at several price
    vectors: only the objective changes, and each is re-optimised from the last optimum's
    basis. Every objective of a chain must reach HiGHS's optimum for it, at a feasible x."""
    rng = np.random.default_rng(seed)
    point = rng.uniform(0, 10, size=n)
    a_eq = (rng.uniform(size=(m_eq, n)) < 0.6).astype(float)
    a_eq[:, 0] = 1.0
    a_ub = rng.integers(-1, 2, size=(m_ub, n)).astype(float)
    b_ub = np.maximum(a_ub @ point, 0) + rng.uniform(0, 3, size=m_ub)
    # Bounded whatever the objective: every column sits in some equality row (x >= 0).
    a_eq[rng.integers(0, m_eq), a_eq.sum(axis=0) == 0] = 1.0
    b_eq = a_eq @ point
    objectives = [rng.normal(size=n) for _ in range(4)]
    optimum = None
    for c in objectives:
        expected = _highs(c, a_eq, b_eq, a_ub, b_ub)
        assert expected.status == 0
        if optimum is None:
            optimum = lp.solve(c, a_eq, b_eq, a_ub, b_ub)
            value = optimum.value
        else:
            value = optimum.reoptimize(c)
        assert value == pytest.approx(-expected.fun, abs=1e-6)
        x = optimum.x
        assert np.all(x >= -1e-9)
        assert np.allclose(a_eq @ x, b_eq, atol=1e-6)
        assert np.all(a_ub @ x <= b_ub + 1e-6)
        assert float(c @ x) == pytest.approx(value, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 4),
    st.booleans(),
)
def test_programs_started_on_their_own_columns_reach_the_highs_optimum(
    seed: int, nodes: int, per_node: int, m_ub: int, lower: bool
) -> None:
    """Programs shaped like an allocation (each column spends in one spend row, some columns
    in cap or receipts rows, maybe a lower-bound row) solved with `crash`: phase 1 starts on
    the best column each spend row has of its own. The value must be HiGHS's, at a feasible x,
    and a re-optimisation from it too; without `crash` the value is the same."""
    rng = np.random.default_rng(seed)
    n = nodes * per_node
    a_eq = np.zeros((nodes, n))
    a_eq[np.arange(n) % nodes, np.arange(n)] = 1.0
    point = rng.uniform(0, 10, size=n)
    a_ub = rng.integers(-1, 2, size=(m_ub, n)).astype(float) * (rng.uniform(size=(m_ub, n)) < 0.4)
    b_ub = np.maximum(a_ub @ point, 0) + rng.uniform(0, 3, size=m_ub)
    if lower:
        # Σ of some columns − surplus = amount (the surplus column in no other row).
        row = (rng.uniform(size=n) < 0.5).astype(float)
        a_eq = np.vstack([np.hstack([a_eq, np.zeros((nodes, 1))]), np.r_[row, -1.0]])
        a_ub = np.hstack([a_ub, np.zeros((m_ub, 1))])
        point = np.r_[point, 0.0]
        n += 1
    b_eq = a_eq @ point
    for c in (rng.normal(size=n), rng.normal(size=n)):
        expected = _highs(c, a_eq, b_eq, a_ub, b_ub)
        if expected.status != 0:
            return  # (unbounded through the surplus column: the engine's are bounded)
        crashed = lp.solve(c, a_eq, b_eq, a_ub, b_ub, crash=True)
        assert crashed.value == pytest.approx(-expected.fun, abs=1e-6)
        assert lp.solve(c, a_eq, b_eq, a_ub, b_ub).value == pytest.approx(crashed.value, abs=1e-6)
        x = crashed.x
        assert np.all(x >= -1e-9)
        assert np.allclose(a_eq @ x, b_eq, atol=1e-6)
        assert np.all(a_ub @ x <= b_ub + 1e-6)
        again = rng.normal(size=n)
        expected = _highs(again, a_eq, b_eq, a_ub, b_ub)
        if expected.status == 0:
            assert crashed.reoptimize(again) == pytest.approx(-expected.fun, abs=1e-6)


def test_an_infeasible_program_started_on_its_own_columns_is_reported() -> None:
    """A spend row started on its own column, a cap row that cannot hold the rest."""
    with pytest.raises(lp.Infeasible):
        lp.solve(
            np.array([1.0, 2.0, 1.0]),
            np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]),
            np.array([3.0, 5.0]),
            np.array([[0.0, 1.0, 1.0]]),
            np.array([4.0]),
            crash=True,
        )
