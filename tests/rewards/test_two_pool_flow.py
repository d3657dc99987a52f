"""The two-pool flow solver equals the LP optimum (scipy/HiGHS) and the general path solver."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from rewards.flow import _augmenting_paths, _two_pools

POOLS = [(0, 0), (1, -1)]
ADVANTAGES = st.sampled_from([0.01, 0.02, 0.03, 0.04, 0.0075, 0.015])


@st.composite
def problems(draw):
    n = draw(st.integers(1, 8))
    supply = [draw(st.sampled_from([100.0, 250.0, 600.0, 1050.0, 1500.0])) for _ in range(n)]
    adv = {}
    for leaf in range(n):
        for pool in POOLS:
            if draw(st.booleans()):
                adv[(pool, leaf)] = draw(ADVANTAGES)
    caps = {pool: draw(st.sampled_from([0.0, 180.0, 500.0, 2000.0, 4000.0])) for pool in POOLS}
    return supply, adv, caps


def lp_optimum(supply, adv, caps) -> float:
    keys = list(adv)
    if not keys:
        return 0.0
    c = -np.array([adv[key] for key in keys])
    rows, bounds = [], []
    for leaf in range(len(supply)):
        rows.append([1.0 if key[1] == leaf else 0.0 for key in keys])
        bounds.append(supply[leaf])
    for pool in POOLS:
        rows.append([1.0 if key[0] == pool else 0.0 for key in keys])
        bounds.append(caps[pool])
    result = linprog(c, A_ub=np.array(rows), b_ub=np.array(bounds), method="highs")
    return -result.fun


@settings(max_examples=300, deadline=None)
@given(problems())
def test_two_pools_is_the_lp_optimum(problem) -> None:
    supply, adv, caps = problem
    flows: dict = {}
    gain = _two_pools(POOLS, adv, caps, supply, flows)
    assert abs(gain - lp_optimum(supply, adv, caps)) < 1e-6
    assert abs(gain - _augmenting_paths(POOLS, adv, caps, supply, {})) < 1e-6
    # The flows are feasible and earn the gain.
    for pool in POOLS:
        assert sum(v for (p, _), v in flows.items() if p == pool) <= caps[pool] + 1e-6
    for leaf, amount in enumerate(supply):
        assert sum(v for (_, k), v in flows.items() if k == leaf) <= amount + 1e-6
    assert abs(sum(adv[key] * v for key, v in flows.items()) - gain) < 1e-6
