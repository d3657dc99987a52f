"""Rounding to the cent: the fast paths equal the Decimal definitions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rewards.money import cents, money

CENT = Decimal("0.01")

values = st.one_of(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(-(10**6), 10**6).map(lambda n: n / 1000),  # exact half cents and neighbours
    st.integers(-(10**6), 10**6).map(lambda n: n / 200 + 1e-9),
    st.sampled_from([0.0, -0.0, 0.004999999, 0.005, -0.005, 1.005, 2.675, -2.675, 1e-7]),
    # Near a tie between two millionths (the fast path's edge) and near its size limit.
    st.integers(-(10**9), 10**9).map(lambda n: (n + 0.5) / 1e6),
    st.integers(-(10**9), 10**9).map(lambda n: (n + 0.5) / 1e6 + 1e-12),
    st.floats(min_value=1.09e6, max_value=1.11e6).map(lambda v: round(v, 7)),
    st.integers(-(10**6), 10**6).map(lambda n: n / 100 + 0.004995),
)


@given(values)
def test_money_is_decimal_half_up_of_the_six_decimal_text(value: float) -> None:
    expected = Decimal(f"{value:.6f}").quantize(CENT, rounding=ROUND_HALF_UP) + 0
    got = money(value)
    assert got == expected and str(got) == str(expected)


@given(values)
def test_cents_is_the_same_rounding_in_whole_cents(value: float) -> None:
    expected = int(Decimal(f"{value:.6f}").quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    assert cents(value) == expected


@given(values)
def test_numpy_floats_round_the_same_to_plain_ints_and_decimals(value: float) -> None:
    """The engine passes numpy floats too: same cents, as a plain int, and a Decimal."""
    got = cents(np.float64(value))
    assert type(got) is int and got == cents(value)
    assert money(np.float64(value)) == money(value)
