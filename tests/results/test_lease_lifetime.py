"""Stream leases after a worker crash: short-lived, and renewed while their stream lives."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from results.engine_runner import compute_slots
from results.leases import take_lease
from results.models import StreamLease
from results.views import _sse
from tests.results.asyncio_helpers import run
from web.db import run_db
from wizard.models import SpendingProfile


@pytest.mark.django_db
def test_a_crashed_workers_lease_stops_counting_within_a_minute(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_STREAMS_PER_IP = 1
    lease = take_lease("192.0.2.7", "t" * 22)
    assert lease is not None
    assert take_lease("192.0.2.7", "u" * 22) is None
    # The worker holding it was killed: nobody releases it. It lapses on its own, and soon:
    # twice the heartbeat interval plus a margin (40 s), not the stream's whole life (150 s).
    left = (lease.expires_at - timezone.now()).total_seconds()
    assert left <= 2 * settings.RESULTS_STREAM_HEARTBEAT_SECONDS + 10
    assert left < settings.RESULTS_STREAM_MAX_SECONDS
    StreamLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert take_lease("192.0.2.7", "u" * 22) is not None


@pytest.mark.django_db(transaction=True)
def test_a_live_stream_renews_its_lease(settings, shipped_catalog: None) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_STREAM_HEARTBEAT_SECONDS = 1
    profile = SpendingProfile()
    profile.set_spend({"groceries": Decimal("500")})
    profile.save()
    seen: list[object] = []

    def expiry() -> object:
        lease = StreamLease.objects.filter(client_ip="192.0.2.9").first()
        return None if lease is None else lease.expires_at

    async def main() -> None:
        # Every computation slot of this worker is busy: the stream waits, sending heartbeats.
        slots = compute_slots()
        for _ in range(settings.RESULTS_COMPUTATIONS_PER_WORKER):
            await slots.acquire()
        # The stream takes its lease itself, right after its first event.
        events = _sse(profile, "192.0.2.9", 0)
        try:
            async with asyncio.timeout(6):  # heartbeats every second; slack for a busy machine
                async for _ in events:
                    if (expires := await run_db(expiry)) is not None:
                        seen.append(expires)
        except TimeoutError:
            pass
        finally:
            await events.aclose()

    run(main)
    assert len(set(seen)) >= 2, seen  # renewed at least once while the stream was open
    assert max(seen) > min(seen)
