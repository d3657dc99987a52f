"""Money at the engine's edges: dollar floats rounded half up to whole cents.

The engine computes in float dollars; everything it reports, and every ranking, goes through
these two functions, so a value and its rank agree to the cent. Its own module so that the
engine (rewards.engine) and the roadmap (rewards.roadmap), which the engine uses for year-one
values, can both use it without importing each other.
"""

from __future__ import annotations

import math
from decimal import Decimal

_ZERO = Decimal("0.00")
# Below 2**40 millionths (about $1.1 million) a product is within 2**-13 of the exact one,
# under _TIE: away from a tie, rounding it rounds the exact product.
_FAST = 2.0**40
_TIE = 1e-3


def cents(value: float) -> int:
    """A dollar float as whole cents, half up (after trimming float noise).

    The same as int(Decimal(f"{value:.6f}").quantize(Decimal("0.01"), ROUND_HALF_UP) * 100),
    done on millionths of a dollar (it is called for every wallet ranked and figure shown).
    """
    micro = float(value) * 1_000_000.0  # (a numpy float too: the result is a plain int)
    if -_FAST < micro < _FAST:
        whole = math.floor(micro)
        if abs(micro - whole - 0.5) > _TIE:
            # Not near a tie between two millionths: rounding the product is rounding the
            # value to six decimals, as the text would be.
            rounded = int(whole) + (micro - whole > 0.5)
            if rounded >= 0:
                return (rounded + 5_000) // 10_000
            return -((-rounded + 5_000) // 10_000)
    return _cents_by_text(value)


def _cents_by_text(value: float) -> int:
    """`cents` on the six-decimal text (exact for every float, ties included)."""
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
    return _ZERO if amount == 0 else Decimal(amount).scaleb(-2)
