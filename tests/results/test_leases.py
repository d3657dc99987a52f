"""Stream leases: the per-address limit's rows, released however the stream ends."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from results.leases import release_lease_surely
from results.models import StreamLease
from tests.results.asyncio_helpers import run
from web.db import run_db


@pytest.mark.django_db(transaction=True)
def test_a_lease_is_released_even_when_the_client_leaves_during_the_release() -> None:
    lease = StreamLease.objects.create(
        client_ip="192.0.2.1", token="t" * 22, expires_at=timezone.now()
    )

    async def main() -> None:
        # Database work queues behind this in the thread-sensitive executor, so the release is
        # still waiting there when Django cancels the stream's task (the client has gone).
        busy = asyncio.ensure_future(sync_to_async(time.sleep)(0.3))
        await asyncio.sleep(0.05)
        stream = asyncio.ensure_future(release_lease_surely(lease))
        await asyncio.sleep(0.05)
        stream.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stream
        await busy
        for _ in range(100):
            # run_db closes the executor thread's connection: PostgreSQL's test database is
            # dropped at the end, which an open connection would prevent.
            if not await run_db(StreamLease.objects.filter(pk=lease.pk).exists):
                return
            await asyncio.sleep(0.02)

    run(main)
    assert not StreamLease.objects.filter(pk=lease.pk).exists()
