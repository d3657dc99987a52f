"""A results stream that waited for a computation slot sends what another stream stored
meanwhile (a second tab, a reconnect on another worker) instead of computing it again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from results.cache import store
from results.engine_runner import run_engine
from results.events import QUEUED, SEARCHING, Done, Insight, Ranking, Status, result_events
from results.models import CachedResult
from tests.results import engine_jobs
from tests.results.asyncio_helpers import run
from web.db import run_db
from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY
from wizard.models import SpendingProfile


async def _all(items: Any) -> list[Any]:
    return [item async for item in items]


@pytest.mark.django_db(transaction=True)
def test_a_queued_stream_sends_what_another_stream_stored_while_it_waited(  # type: ignore[no-untyped-def]
    shipped_catalog: None, settings, tmp_path: Path, caplog
) -> None:
    settings.RESULTS_COMPUTATIONS_PER_WORKER = 1
    profile = SpendingProfile()
    profile.set_spend(dict(TYPICAL_US_HOUSEHOLD_MONTHLY))
    profile.save()
    # As the stream view has it: read by its token (plain values, not the model's enums).
    profile = SpendingProfile.with_token(profile.token)
    # The whole result, computed once as the other stream would, then taken out of the cache.
    computed = run(lambda: _all(result_events(profile)))
    rows = CachedResult.objects.filter(profile=profile)
    stored = [(row.catalog_version, row.key, row.payload) for row in rows]
    assert len(stored) > 1  # the ranking and insights
    rows.delete()
    release = tmp_path / "release"

    def store_all() -> None:
        for version, key, payload in stored:
            store(profile, version, key, payload)

    async def main() -> list[Any]:
        # Another computation holds the one slot.
        busy = run_engine(
            engine_jobs.wait_for_file, (str(release), "x"), label="busy", heartbeat_seconds=5
        )
        busy_done = asyncio.ensure_future(_all(busy))
        await asyncio.sleep(0.1)
        events = result_events(profile)
        assert await anext(events) == Status(SEARCHING, event_id=1)
        assert await anext(events) == Status(QUEUED)
        await run_db(store_all)  # the other stream finishes first
        release.touch()
        rest = await _all(events)
        await busy_done
        return rest

    caplog.clear()
    with caplog.at_level("INFO", logger="results"):
        rest = run(main)
    token = profile.token[:6]
    assert f"computation not needed after its wait: results {token}" in caplog.text
    assert f"computation started: results {token}" not in caplog.text
    # The same ranking and insights as computing them, then done.
    sent = [event for event in computed if isinstance(event, Ranking | Insight)]
    assert rest == [*sent, Done("All done.")]
