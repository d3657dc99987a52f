"""The one sequence behind a result: what is cached first, then the ranking, then insights.

`result_events` yields plain events; the live stream renders them as Server-Sent Events, and
the page without JavaScript drives the same generator inside its request until its time is up.
Nothing here lives in process memory between requests: every result is cached in the database
as it arrives, so a reconnect may land on any worker or host and resume after its Last-Event-ID.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from catalog.engine_catalog import current_engine_catalog
from results import compute
from results.cache import RANKING_KEY, CachedState, insight_key, lookup, mark_shown, store
from results.engine_runner import NOT_NEEDED, Heartbeat, Progress, run_engine
from results.payloads import (
    failed_insight_payload,
    insight_payload,
    progress_words,
    ranking_payload,
    top_pick,
)
from rewards.catalog import Catalog
from rewards.categories import LEAF_CATEGORIES
from web.db import run_db
from wizard.models import SpendingProfile

# How many wallets of each size the results page lists.
TOP_N = 5

# Event ids, fixed per kind so a reconnect (Last-Event-ID) on any worker can skip what the
# client already has: progress 1..99, the ranking 100, insights 101.., done last.
FIRST_PROGRESS_EVENT_ID = 1
LAST_PROGRESS_EVENT_ID = 99
RESULTS_EVENT_ID = 100
DONE_EVENT_ID = 200


def insight_event_id(category: str) -> int:
    """Insight ids follow the wizard's category order."""
    return RESULTS_EVENT_ID + 1 + LEAF_CATEGORIES.index(category)


@dataclass(frozen=True)
class Status:
    """A progress line (and detail) for the page; `event_id` None for lines not to resume at."""

    message: str
    detail: str | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class Ranking:
    payload: dict[str, Any]


@dataclass(frozen=True)
class Insight:
    category: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Done:
    message: str


Event = Status | Ranking | Insight | Done | Heartbeat

SEARCHING = "Searching the catalog…"
EXPLAINING = "Working out what would change the answer…"
QUEUED = "Busy moment: your search starts shortly…"
ALL_DONE = "All done."


def engine_catalog_key(version: str, catalog: Catalog) -> str:
    """What an engine process keeps this catalog under: the engine version, plus the closed
    cards it still has (a person's closed held cards), which differ between profiles of one
    version; an engine process must never reuse one person's catalog for another's."""
    closed = sorted(card.id for card in catalog.cards if not card.is_open)
    return f"{version}+{','.join(closed)}" if closed else version


async def result_events(
    profile: SpendingProfile, *, resume_after: int = 0
) -> AsyncGenerator[Event, None]:
    """Every event of the profile's result after `resume_after`, computing what is missing.

    Close the generator to stop: the engine run stops with it.
    """
    if resume_after < RESULTS_EVENT_ID:
        # First words at once, before any database or engine work, so the page shows life.
        yield Status(SEARCHING, event_id=FIRST_PROGRESS_EVENT_ID)
    version, catalog, state = await run_db(_catalog_and_cached, profile)
    async for event in _cached_events(profile, state, resume_after):
        yield event
    pending = [c for c in state.pending if insight_event_id(c) > resume_after]
    if state.ranking is not None and not pending:
        yield Done(ALL_DONE)
        return

    async def still_needed() -> bool:
        # After a wait for a computation slot: another stream (a second tab, a reconnect on
        # another worker) may have stored all of it meanwhile.
        fresh = await run_db(lookup, profile, version)
        return fresh.ranking is None or any(
            insight_event_id(c) > resume_after for c in fresh.pending
        )

    engine_input = profile.engine_input(catalog, top_n=TOP_N)
    progress_id = FIRST_PROGRESS_EVENT_ID
    items = run_engine(
        compute.results_job,
        (engine_input, state.ranking is None, pending),
        catalog=(engine_catalog_key(version, catalog), catalog),
        label=f"results {profile.token[:6]}",
        heartbeat_seconds=settings.RESULTS_STREAM_HEARTBEAT_SECONDS,
        waiting=("queued",),
        still_needed=still_needed,
    )
    # aclosing: however this generator ends, the engine run hears about it at once.
    async with aclosing(items):
        async for item in items:
            if isinstance(item, Heartbeat):
                yield item
                continue
            if not isinstance(item, Progress):
                break  # the job's return value: all done
            kind, *data = item.payload
            if kind == "queued":
                yield Status(QUEUED)
            elif kind == "progress":
                if resume_after < RESULTS_EVENT_ID:
                    phase, done, total, best = data
                    message, detail = progress_words(phase, done, total, best, catalog)
                    progress_id = min(progress_id + 1, LAST_PROGRESS_EVENT_ID)
                    yield Status(message, detail, progress_id)
            elif kind == "ranking":
                ranking = ranking_payload(data[0], catalog, engine_input.options)
                await run_db(_store_ranking, profile, version, ranking)
                yield Ranking(ranking)
                if top_pick(ranking) is None:
                    break  # nothing passes the filters: no top pick to explain
                # No id: the client's last id stays at the ranking's, so a reconnect skips it.
                yield Status(EXPLAINING)
            elif kind == "insight":
                category, outcome = data
                if isinstance(outcome, str):
                    payload = failed_insight_payload(
                        category, engine_input.spend[category], outcome
                    )
                else:
                    payload = insight_payload(outcome, catalog)
                await run_db(store, profile, version, insight_key(category), payload)
                yield Insight(category, payload)
    if item is NOT_NEEDED:
        # What the other stream stored and this one has not sent yet.
        fresh = await run_db(lookup, profile, version)
        seen = resume_after if state.ranking is None else max(resume_after, RESULTS_EVENT_ID)
        async for event in _cached_events(profile, fresh, seen, skip=state.insights.keys()):
            yield event
    yield Done(ALL_DONE)


async def _cached_events(
    profile: SpendingProfile,
    state: CachedState,
    resume_after: int,
    skip: Collection[str] = (),
) -> AsyncGenerator[Event, None]:
    """The cached ranking and insights after `resume_after` (insights in `skip` aside)."""
    if state.ranking is None:
        return
    await run_db(mark_shown, profile)
    if resume_after < RESULTS_EVENT_ID:
        yield Ranking(state.ranking)
    for category, payload in state.insights.items():
        if insight_event_id(category) > resume_after and category not in skip:
            yield Insight(category, payload)


def _catalog_and_cached(profile: SpendingProfile) -> tuple[str, Catalog, CachedState]:
    """The engine catalog and what is cached of the profile's result under it: one trip to the
    database (each trip is a thread hand-off, which waits for a core on a busy machine)."""
    version, catalog = current_engine_catalog(tuple(profile.held_cards or ()))
    return version, catalog, lookup(profile, version)


def _store_ranking(profile: SpendingProfile, version: str, ranking: dict[str, Any]) -> None:
    store(profile, version, RANKING_KEY, ranking)
    mark_shown(profile)
