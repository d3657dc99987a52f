"""Roadmaps: which new cards to open, in what order and when (docs/roadmap.md).

Public API: `roadmap(catalog, spend, RoadmapOptions(...)) -> Roadmap`.
"""

from rewards.roadmap.plans import (
    Application,
    Blocked,
    MonthRow,
    Plan,
    Roadmap,
    RoadmapOptions,
    Route,
    roadmap,
)

__all__ = [
    "Application",
    "Blocked",
    "MonthRow",
    "Plan",
    "Roadmap",
    "RoadmapOptions",
    "Route",
    "roadmap",
]
