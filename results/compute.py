"""The engine runs behind one result: the ranking, then one break-even insight per category.

Plain Python (no Django): this runs in an engine process, which gets the frozen input and the
catalog and answers with engine records; payloads and the cache are the web side's business.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rewards.catalog import Catalog
from rewards.engine import EngineError, SearchCancelled, break_even, recommend
from wizard.engine_input import EngineInput

# Progress reports are throttled here, where they are made: enough to look alive, few enough to
# cost nothing to send.
PROGRESS_INTERVAL_SECONDS = 0.1


class Cancelled(Exception):
    """The stream's client has gone away: stop computing."""


Report = Callable[[Any], None]
CancelCheck = Callable[[], bool]


def results_job(
    engine_input: EngineInput,
    need_ranking: bool,
    categories: list[str],
    catalog: Catalog,
    report: Report,
    cancelled: CancelCheck,
) -> None:
    """Report ("progress", ...) while ranking, ("ranking", Recommendation), then
    ("insight", category, BreakEven or an error message) for each category in turn."""
    try:
        if need_ranking:
            last = 0.0

            def progress(phase: str, done: int, total: int, best: Any) -> None:
                nonlocal last
                now = time.monotonic()
                if now - last < PROGRESS_INTERVAL_SECONDS:
                    return
                last = now
                summary = None if best is None else (best.cards, best.ongoing_value)
                report(("progress", phase, done, total, summary))

            report(
                (
                    "ranking",
                    recommend(
                        catalog,
                        engine_input.spend,
                        engine_input.options,
                        progress=progress,
                        cancel=cancelled,
                    ),
                )
            )
        one = engine_input.with_top_n(1)
        for category in categories:
            try:
                outcome: Any = break_even(
                    catalog, one.spend, one.options, category, cancel=cancelled
                )
            except EngineError as error:
                outcome = str(error)
            report(("insight", category, outcome))
    except SearchCancelled:
        raise Cancelled from None
