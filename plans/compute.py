"""The engine run behind a plan, in a results engine process (results.engine_runner).

Plain Python (no Django): the job gets the frozen spend, options and catalog, reports progress
and returns engine records; payloads and the cache are the web side's business.
"""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal
from typing import Any

from results.compute import PROGRESS_INTERVAL_SECONDS, CancelCheck, Cancelled, Report
from rewards.catalog import Catalog
from rewards.options import EngineError, SearchCancelled
from rewards.roadmap import Roadmap, RoadmapOptions, roadmap


def plan_job(
    spend: dict[str, Decimal],
    options: RoadmapOptions,
    catalog: Catalog,
    report: Report,
    cancelled: CancelCheck,
) -> tuple[str, Any]:
    """("plans", Roadmap, Roadmap of no new cards) or ("error", message); reports
    ("progress", orders valued, plans found) while searching, and ("best", Roadmap of the best
    plan alone, Roadmap of no new cards) as soon as the best plan is known."""
    last = 0.0

    def progress(stats: Any, found: list[Any]) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL_SECONDS:
            return
        last = now
        report(("progress", stats.nodes, len(found)))

    try:
        # The month-by-month value of keeping the cards one has (the chart's second line):
        # the same model with no new card, a few month solves. First, so that the best plan
        # can be shown with it while the alternatives are searched.
        keep = roadmap(catalog, spend, replace(options, max_new=0, top=1), cancel=cancelled)
        result: Roadmap = roadmap(
            catalog,
            spend,
            options,
            progress=progress,
            cancel=cancelled,
            on_best=lambda best: report(("best", best, keep)),
        )
    except SearchCancelled:
        raise Cancelled from None
    except EngineError as error:
        return ("error", str(error))
    return ("plans", result, keep)
