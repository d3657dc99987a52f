"""The one sequence behind a plan: first words, progress, the best plan, the alternatives.

Like results.events (whose event kinds, ids, engine runs and cache this reuses): the live stream
renders these as Server-Sent Events, and the page without JavaScript drives the same generator
inside its request. The plan is cached in the database as soon as it is computed, so a
reconnect on any worker resumes after its Last-Event-ID.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from catalog.engine_catalog import current_engine_catalog
from plans.compute import plan_job
from plans.models import PlanRequest
from plans.payloads import error_payload, plan_payload
from results.cache import mark_shown, store
from results.engine_runner import Heartbeat, Progress, run_engine
from results.events import (
    FIRST_PROGRESS_EVENT_ID,
    LAST_PROGRESS_EVENT_ID,
    QUEUED,
    RESULTS_EVENT_ID,
    Done,
    Status,
    engine_catalog_key,
)
from results.models import CachedResult
from rewards.catalog import Catalog
from web.db import run_db

# The best plan takes the results' id; the alternatives come right after it.
BEST_EVENT_ID = RESULTS_EVENT_ID
ALTERNATIVES_EVENT_ID = RESULTS_EVENT_ID + 1

SEARCHING = "Planning your next cards…"
ALL_DONE = "All done."


@dataclass(frozen=True)
class Best:
    payload: dict[str, Any]


@dataclass(frozen=True)
class Alternatives:
    payload: dict[str, Any]


PlanEvent = Status | Best | Alternatives | Done | Heartbeat


def cached_plan(plan: PlanRequest, version: str) -> dict[str, Any] | None:
    """The plan's cached payload under this catalog version and the profile's answers."""
    profile = plan.profile
    return (
        CachedResult.objects.filter(
            profile=profile,
            fingerprint=profile.fingerprint(),
            catalog_version=version,
            key=plan.cache_key,
        )
        .values_list("payload", flat=True)
        .first()
    )


def _cached(plan: PlanRequest) -> tuple[str, Catalog, dict[str, Any] | None]:
    version, catalog = current_engine_catalog(plan.held_ids())
    return version, catalog, cached_plan(plan, version)


def _store(plan: PlanRequest, version: str, payload: dict[str, Any]) -> None:
    store(plan.profile, version, plan.cache_key, payload)
    mark_shown(plan.profile)


def progress_words(valued: int, found: int, top: int) -> tuple[str, str]:
    return (
        "Comparing orders of cards and months…",
        f"{valued:,} card orders checked; {found} of {top} plans found.",
    )


async def plan_events(
    plan: PlanRequest, *, resume_after: int = 0
) -> AsyncGenerator[PlanEvent, None]:
    """Every event of the plan after `resume_after`, computing it if it is not cached.

    Close the generator to stop: the engine run stops with it.
    """
    if resume_after < BEST_EVENT_ID:
        # First words at once, before any database or engine work, so the page shows life.
        yield Status(SEARCHING, event_id=FIRST_PROGRESS_EVENT_ID)
    version, catalog, payload = await run_db(_cached, plan)
    if payload is None:
        options = await run_db(plan.options, catalog)
        spend = plan.profile.spend()
        progress_id = FIRST_PROGRESS_EVENT_ID
        best_sent = False
        items = run_engine(
            plan_job,
            (spend, options),
            catalog=(engine_catalog_key(version, catalog), catalog),
            label=f"plan {plan.token[:6]}",
            heartbeat_seconds=settings.RESULTS_STREAM_HEARTBEAT_SECONDS,
            waiting=("queued",),
        )
        async with aclosing(items):
            async for item in items:
                if isinstance(item, Heartbeat):
                    yield item
                elif isinstance(item, Progress):
                    kind, *data = item.payload
                    if kind == "queued":
                        yield Status(QUEUED)
                    elif kind == "best":
                        # The best plan while the alternatives are still being searched.
                        if resume_after < BEST_EVENT_ID:
                            best = await run_db(
                                plan_payload, data[0], data[1], catalog, plan.answers
                            )
                            yield Best(best)
                            best_sent = True
                    elif best_sent:
                        # No id: the client's last id stays at the best plan's, so a
                        # reconnect does not send it again.
                        message, detail = progress_words(data[0], data[1], options.top)
                        yield Status(message, detail)
                    elif resume_after < BEST_EVENT_ID:
                        progress_id = min(progress_id + 1, LAST_PROGRESS_EVENT_ID)
                        message, detail = progress_words(data[0], data[1], options.top)
                        yield Status(message, detail, progress_id)
                else:
                    kind, *data = item
                    if kind == "error":
                        payload = error_payload(data[0])
                    else:
                        payload = await run_db(
                            plan_payload, data[0], data[1], catalog, plan.answers
                        )
                    break
        assert payload is not None
        await run_db(_store, plan, version, payload)
        if best_sent:
            resume_after = max(resume_after, BEST_EVENT_ID)
    if resume_after < BEST_EVENT_ID:
        yield Best(payload)
    if resume_after < ALTERNATIVES_EVENT_ID:
        yield Alternatives(payload)
    yield Done(ALL_DONE)
