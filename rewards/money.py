"""Money at the engine's edges: dollar floats rounded half up to whole cents.

The engine computes in float dollars; everything it reports, and every ranking, goes through
these two functions, so a value and its rank agree to the cent. Its own module so that the
engine (rewards.engine) and the roadmap (rewards.roadmap), which the engine uses for year-one
values, can both use it without importing each other.
"""

from __future__ import annotations

from decimal import Decimal

_ZERO = Decimal("0.00")


def cents(value: float) -> int:
    """A dollar float as whole cents, half up (after trimming float noise).

    The same as int(Decimal(f"{value:.6f}").quantize(Decimal("0.01"), ROUND_HALF_UP) * 100),
    done on the six-decimal text directly (it is called for every wallet ranked).
    """
    text = f"{value:.6f}"
    negative = text[0] == "-"
    whole, fraction = (text[1:] if negative else text).split(".")
    amount = int(whole) * 100 + int(fraction[:2]) + (fraction[2] >= "5")
    return -amount if negative else amount


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
