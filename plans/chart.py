"""The plan's month-by-month chart as server-rendered inline SVG geometry (no JavaScript).

Two lines of cumulative value: the plan, and keeping the cards one has; dots where a card is
applied for. The template draws it from these numbers; the same numbers fill the text table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 10, 28


def _short(month: str) -> str:
    """ "2027-01" → "Jan 2027"."""
    year, number = month.split("-")
    return date(int(year), int(number), 1).strftime("%b %Y")


def _dollars(value: float) -> str:
    return f"−${abs(value):,.0f}" if value < 0 else f"${value:,.0f}"


def _ticks(low: float, high: float) -> list[float]:
    """Zero and the extremes, the labels of the value axis."""
    return sorted({round(low, 2), 0.0, round(high, 2)})


def _spaced(ticks: list[dict[str, Any]], gap: float = 12.0) -> list[dict[str, Any]]:
    """Ticks far enough apart to read: zero gives way to an extreme right next to it."""
    if len(ticks) < 3:
        return ticks
    low, zero, high = sorted(ticks, key=lambda tick: -tick["y"])
    near = abs(zero["y"] - low["y"]) < gap or abs(zero["y"] - high["y"]) < gap
    return [low, high] if near else [low, zero, high]


def chart(
    months: list[str], net: list[Decimal], keep: list[Decimal], applied: list[int]
) -> dict[str, Any]:
    """Coordinates for the SVG and the rows of its text alternative."""
    plan_total, keep_total = Decimal(0), Decimal(0)
    rows = []
    for month, value, kept in zip(months, net, keep, strict=False):
        plan_total += value
        keep_total += kept
        rows.append(
            {
                "month": _short(month),
                "net": str(value),
                "plan": str(plan_total),
                "keep": str(keep_total),
            }
        )
    values = [float(r["plan"]) for r in rows] + [float(r["keep"]) for r in rows] + [0.0]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(rows), 1)

    def x(index: int) -> float:
        return round(LEFT + inner_w * (index + 1) / count, 1)

    def y(value: float) -> float:
        return round(TOP + inner_h * (high - value) / span, 1)

    def line(key: str) -> str:
        points = [f"{LEFT},{y(0.0)}"] + [f"{x(i)},{y(float(r[key]))}" for i, r in enumerate(rows)]
        return " ".join(points)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plan_points": line("plan"),
        "keep_points": line("keep"),
        "zero_y": y(0.0),
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "ticks": _spaced([{"y": y(t), "label": _dollars(t)} for t in _ticks(low, high)]),
        "first_label": rows[0]["month"] if rows else "",
        "last_label": rows[-1]["month"] if rows else "",
        "label_y": HEIGHT - 8,
        "dots": [
            {"x": x(m - 1), "y": y(float(rows[m - 1]["plan"]))}
            for m in applied
            if 0 < m <= len(rows)
        ],
        "rows": rows,
        "plan_total": str(plan_total),
        "keep_total": str(keep_total),
    }
