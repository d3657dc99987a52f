"""Money at the engine's edges: dollar floats as Decimals rounded half up to the cent.

Its own module so that the engine (rewards.engine) and the roadmap (rewards.roadmap), which the
engine uses for year-one values, can both use it without importing each other.
"""

from __future__ import annotations

from decimal import Decimal

from rewards.search import cents

_ZERO = Decimal("0.00")


def money(value: float) -> Decimal:
    """Dollars as a Decimal rounded half up to the cent (float noise trimmed first).

    The same as Decimal(f"{value:.6f}").quantize(Decimal("0.01"), ROUND_HALF_UP) + 0 (the
    + 0 turns -0.00 into 0.00), from the whole cents.
    """
    amount = cents(value)
    if amount == 0:
        return _ZERO
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 100)
    return Decimal(f"{sign}{whole}.{part:02d}")
