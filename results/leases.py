"""Live-stream leases: at most RESULTS_STREAMS_PER_IP open streams per client address, counted
in the database so the limit holds across every worker and host.

Two steps, so that no write stands between a request and its first event: `over_limit` (a read,
which in SQLite's WAL mode never waits for a writer) decides the 429 before the stream starts;
`take_lease` (the write, in its own transaction, which is what makes the limit hold across
workers) runs once the first event is on its way. This worker's own streams are also counted in
memory (`LocalStreams`) from the moment they pass the check, so a lease still being written
already counts against the next request of the same address.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from results.models import StreamLease
from web.db import run_db


def lease_seconds() -> int:
    """How long a lease counts unless renewed: a live stream renews it at least every heartbeat
    interval, so only a crashed worker's leases lapse, this long after their last renewal."""
    return 2 * settings.RESULTS_STREAM_HEARTBEAT_SECONDS + 10


def renew_lease(lease: StreamLease) -> None:
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    StreamLease.objects.filter(pk=lease.pk).update(expires_at=expires)


def open_streams(ip: str) -> int:
    """Streams this address holds open on every worker, as the database has them (a read)."""
    return StreamLease.objects.filter(client_ip=ip, expires_at__gt=timezone.now()).count()


class LocalStreams:
    """Streams of each address open in this worker, counted on its event loop.

    A lower bound of the address's open streams, like the database's count, and exact for this
    worker; the check takes the larger of the two, so it never refuses a stream the limit allows.
    """

    def __init__(self) -> None:
        self._open: dict[str, int] = {}

    def over_limit(self, ip: str, in_database: int) -> bool:
        return max(in_database, self._open.get(ip, 0)) >= settings.RESULTS_STREAMS_PER_IP

    def opened(self, ip: str) -> None:
        self._open[ip] = self._open.get(ip, 0) + 1

    def closed(self, ip: str) -> None:
        left = self._open.get(ip, 0) - 1
        if left > 0:
            self._open[ip] = left
        else:
            self._open.pop(ip, None)


local_streams = LocalStreams()


def take_lease(ip: str, token: str) -> StreamLease | None:
    """Open a stream for this IP, or None when it already has the most it may have."""
    now = timezone.now()
    limit = settings.RESULTS_STREAMS_PER_IP
    with transaction.atomic():
        open_streams = StreamLease.objects.filter(client_ip=ip, expires_at__gt=now).count()
        if open_streams >= limit:
            return None
        return StreamLease.objects.create(
            client_ip=ip,
            token=token,
            expires_at=now + timedelta(seconds=lease_seconds()),
        )


def _release_lease(lease: StreamLease) -> None:
    StreamLease.objects.filter(pk=lease.pk).delete()
    # Old rows of crashed workers: tidy them up now and then.
    StreamLease.objects.filter(expires_at__lt=timezone.now()).delete()


# Releases still running after their stream's task was cancelled; asyncio keeps only weak
# references to tasks, so these are kept here until they finish.
_pending_releases: set[asyncio.Task[None]] = set()


async def take_lease_surely(ip: str, token: str) -> StreamLease | None:
    """Take a lease, and give it back if the client leaves while it is being written.

    The write runs in a thread and commits whether or not its stream is still there; a stream
    cancelled meanwhile never learns of its lease, so the lease is released once written.
    """
    take = asyncio.ensure_future(run_db(take_lease, ip, token, detached=True))
    try:
        return await asyncio.shield(take)
    except asyncio.CancelledError:
        take.add_done_callback(_release_when_taken)
        raise


def _release_when_taken(take: asyncio.Future[StreamLease | None]) -> None:
    if take.cancelled() or take.exception() is not None or take.result() is None:
        return
    release = asyncio.ensure_future(run_db(_release_lease, take.result(), detached=True))
    _pending_releases.add(release)
    release.add_done_callback(_pending_releases.discard)


async def release_lease_surely(lease: StreamLease) -> None:
    """Release the lease even when the client leaves while it is being released.

    A stream that ends normally releases its lease in `finally`; if the client disconnects
    during that last await, Django cancels the task there, and an unshielded release could be
    dropped before it ran, leaving the lease until it expires.
    """
    release = asyncio.ensure_future(run_db(_release_lease, lease, detached=True))
    _pending_releases.add(release)
    release.add_done_callback(_pending_releases.discard)
    await asyncio.shield(release)
