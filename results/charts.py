"""Geometry for the results page's pictures, drawn by the template as inline SVG.

No chart library and no script: the server works out every bar's x and width in a fixed
viewBox (so the picture's size is known before anything arrives: no layout shift), and the
template draws rectangles. Colours come from CSS classes (the CSP allows no inline styles).
Every picture sits next to words or a table that say the same, for people who cannot see it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# The bars' drawing width in viewBox units; the SVG scales to the column's width.
WIDTH = 300
# Categories drawn in their own colour; the rest share one "other categories" segment.
MAX_SEGMENTS = 6


def _x(value: Decimal, scale: Decimal) -> float:
    return 0.0 if scale <= 0 else round(float(value / scale) * WIDTH, 1)


def wallet_values(wallets: list[dict[str, Any]], current: Decimal | None) -> dict[str, Any]:
    """A bar per wallet: rewards and credits a year, the fees drawn as the part taken away,
    and a mark at what the current cards already earn."""
    rows = []
    gross = [Decimal(w["reward_value"]) + Decimal(w["credits"]) for w in wallets]
    scale = max([*gross, current or Decimal(0), Decimal(1)])
    for wallet, total in zip(wallets, gross, strict=True):
        net = Decimal(wallet["ongoing_value"])
        kept = max(net, Decimal(0))
        rows.append(
            {
                "names": wallet["names"],
                "value": wallet["ongoing_value"],
                "gross": str(total),
                "fees": wallet["annual_fees"],
                "kept_width": _x(kept, scale),
                "fee_x": _x(kept, scale),
                "fee_width": max(_x(total, scale) - _x(kept, scale), 0.0),
            }
        )
    return {
        "width": WIDTH,
        "rows": rows,
        "current": None if current is None else str(current),
        "current_x": None if current is None else _x(max(current, Decimal(0)), scale),
    }


def reward_sources(wallet: dict[str, Any]) -> dict[str, Any]:
    """One stacked bar of where a wallet's rewards come from, by category, biggest first."""
    by_category: dict[str, tuple[str, Decimal]] = {}
    for row in wallet["plan"]:
        label, value = by_category.get(row["category"], (row["label"], Decimal(0)))
        by_category[row["category"]] = (label, value + Decimal(row["value"]))
    parts = sorted(
        ((label, value) for label, value in by_category.values() if value > 0),
        key=lambda part: -part[1],
    )
    if len(parts) > MAX_SEGMENTS:
        rest = sum((value for _, value in parts[MAX_SEGMENTS - 1 :]), Decimal(0))
        parts = [*parts[: MAX_SEGMENTS - 1], ("Other categories", rest)]
    total = sum((value for _, value in parts), Decimal(0))
    segments = []
    x = 0.0
    for index, (label, value) in enumerate(parts):
        width = _x(value, total)
        if index == len(parts) - 1:
            width = round(WIDTH - x, 1)  # the last one closes the bar exactly
        percent = 0 if total <= 0 else round(float(value / total) * 100)
        segments.append(
            {
                "label": label,
                "value": str(value),
                "percent": percent,
                "x": x,
                "width": width,
                "colour": index,
            }
        )
        x = round(x + width, 1)
    return {"width": WIDTH, "total": str(total), "segments": segments}
