"""Stream leases: the per-address limit's rows, released however the stream ends."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from results import leases
from results.leases import local_streams, release_lease_surely, take_lease_surely
from results.models import StreamLease
from results.views import TOO_MANY_STREAMS, _sse
from tests.results.asyncio_helpers import run
from web.db import run_db
from wizard.models import SpendingProfile


@pytest.mark.django_db(transaction=True)
def test_a_lease_is_released_even_when_the_client_leaves_during_the_release(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lease = StreamLease.objects.create(
        client_ip="192.0.2.1", token="t" * 22, expires_at=timezone.now()
    )
    release = leases._release_lease

    def slow_release(lease: StreamLease) -> None:
        time.sleep(0.3)  # a database busy with other writers
        release(lease)

    monkeypatch.setattr(leases, "_release_lease", slow_release)

    async def main() -> None:
        # The release is still running when Django cancels the stream's task (the client
        # has gone).
        stream = asyncio.ensure_future(release_lease_surely(lease))
        await asyncio.sleep(0.05)
        stream.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stream
        for _ in range(100):
            # run_db closes the executor thread's connection: PostgreSQL's test database is
            # dropped at the end, which an open connection would prevent.
            if not await run_db(StreamLease.objects.filter(pk=lease.pk).exists):
                return
            await asyncio.sleep(0.02)

    run(main)
    assert not StreamLease.objects.filter(pk=lease.pk).exists()


def _profile_with_spending() -> SpendingProfile:
    profile = SpendingProfile()
    profile.set_spend({"groceries": Decimal("500")})
    profile.save()
    return profile


@pytest.mark.django_db(transaction=True)
def test_a_stream_that_loses_the_last_lease_to_another_worker_ends_saying_so(settings) -> None:  # type: ignore[no-untyped-def]
    # The view's check passed; then another worker took the address's last lease before this
    # stream wrote its own (after its first event). The lease's transaction decides.
    settings.RESULTS_STREAMS_PER_IP = 1
    profile = _profile_with_spending()
    StreamLease.objects.create(
        client_ip="192.0.2.3", token="o" * 22, expires_at=timezone.now() + timedelta(minutes=1)
    )

    async def main() -> list[bytes]:
        return [part async for part in _sse(profile, "192.0.2.3", 0)]

    parts = run(main)
    assert parts[0].startswith(b"id: 1\nevent: progress")
    assert len(parts) == 2 and parts[1].startswith(b"id: 200\nevent: done")
    assert TOO_MANY_STREAMS.split(".")[0].encode() in parts[1]
    assert StreamLease.objects.count() == 1  # only the other worker's
    assert not local_streams.over_limit("192.0.2.3", 0)


@pytest.mark.django_db(transaction=True)
def test_a_stream_counts_against_its_address_before_its_lease_is_written(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_STREAMS_PER_IP = 1
    profile = _profile_with_spending()

    async def main() -> tuple[bool, int, bool]:
        events = _sse(profile, "192.0.2.4", 0)
        await events.__anext__()  # the first event is out; the lease is not written yet
        counted = local_streams.over_limit("192.0.2.4", 0)
        in_database = await run_db(StreamLease.objects.filter(client_ip="192.0.2.4").count)
        await events.aclose()
        return counted, in_database, local_streams.over_limit("192.0.2.4", 0)

    counted, in_database, after = run(main)
    assert counted and in_database == 0
    assert not after  # closed: counted no more
    assert not StreamLease.objects.filter(client_ip="192.0.2.4").exists()


@pytest.mark.django_db(transaction=True)
def test_a_lease_written_after_its_client_left_is_given_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_take = leases.take_lease

    def slow_take(ip: str, token: str) -> StreamLease | None:
        time.sleep(0.3)  # the database is slow: the client leaves while the lease is written
        return real_take(ip, token)

    monkeypatch.setattr(leases, "take_lease", slow_take)

    async def main() -> None:
        stream = asyncio.ensure_future(take_lease_surely("192.0.2.5", "t" * 22))
        await asyncio.sleep(0.1)
        stream.cancel()  # Django cancels the stream's task: the client has gone
        with pytest.raises(asyncio.CancelledError):
            await stream
        await asyncio.sleep(0.4)  # the write has committed by now
        for _ in range(100):
            if not await run_db(StreamLease.objects.filter(client_ip="192.0.2.5").exists):
                return
            await asyncio.sleep(0.02)

    run(main)
    assert not StreamLease.objects.filter(client_ip="192.0.2.5").exists()
