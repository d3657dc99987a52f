"""Stream leases (the per-address limit on live results streams) after a worker crash."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from wizard.models import SpendingProfile, StreamLease
from wizard.stream import _events, _take_lease
from wizard.streaming import compute_slots


@pytest.mark.django_db
def test_a_crashed_workers_lease_stops_counting_within_a_minute(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_STREAMS_PER_IP = 1
    lease = _take_lease("192.0.2.7", "t" * 22)
    assert lease is not None
    assert _take_lease("192.0.2.7", "u" * 22) is None
    # The worker holding it was killed: nobody releases it. It lapses on its own, and soon:
    # twice the heartbeat interval plus a margin (40 s), not the stream's whole life (150 s).
    left = (lease.expires_at - timezone.now()).total_seconds()
    assert left <= 2 * settings.RESULTS_STREAM_HEARTBEAT_SECONDS + 10
    assert left < settings.RESULTS_STREAM_MAX_SECONDS
    StreamLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _take_lease("192.0.2.7", "u" * 22) is not None


@pytest.mark.django_db(transaction=True)
def test_a_live_stream_renews_its_lease_while_it_waits_and_computes(
    settings, shipped_catalog: None
) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_STREAM_HEARTBEAT_SECONDS = 1
    profile = SpendingProfile()
    profile.set_spend({"groceries": Decimal("500")})
    profile.save()
    lease = _take_lease("192.0.2.9", profile.token)
    assert lease is not None
    seen: list[object] = []

    async def main() -> None:
        slots = compute_slots()
        for _ in range(settings.RESULTS_COMPUTATIONS_PER_WORKER):
            await slots.acquire()
        events = _events(profile, lease, 0)
        try:
            async with asyncio.timeout(3.5):
                async for _ in events:
                    expiry = await asyncio.to_thread(
                        lambda: StreamLease.objects.get(pk=lease.pk).expires_at
                    )
                    seen.append(expiry)
        except TimeoutError:
            pass
        finally:
            await events.aclose()

    asyncio.run(main())
    assert len(set(seen)) >= 2, seen  # renewed at least once while the stream was open
    assert max(seen) > lease.expires_at
