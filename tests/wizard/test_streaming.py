"""The SSE plumbing: event encoding, and engine work run in a thread off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wizard.streaming import (
    HEARTBEAT,
    Cancelled,
    Progress,
    ServerSentEvent,
    run_in_thread,
    running_computations,
)


def test_an_event_is_encoded_with_its_id_name_and_one_data_line_per_line() -> None:
    event = ServerSentEvent("results", "<p>one</p>\n<p>two</p>", 100)
    assert event.encode() == b"id: 100\nevent: results\ndata: <p>one</p>\ndata: <p>two</p>\n\n"


def test_an_event_without_id_leaves_the_id_line_out() -> None:
    assert ServerSentEvent("progress", "x").encode() == b"event: progress\ndata: x\n\n"


def run(main):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: a browser test's event loop may be running here."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(main()))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def collect(settings, work, **kwargs):  # type: ignore[no-untyped-def]
    async def main() -> list[object]:
        return [item async for item in run_in_thread(work, label="test", **kwargs)]

    return run(main)


def test_reports_arrive_in_order_then_the_result(settings) -> None:  # type: ignore[no-untyped-def]
    def work(report, cancelled):  # type: ignore[no-untyped-def]
        report("a")
        report("b")
        return "done"

    items = collect(settings, work, heartbeat_seconds=5)
    assert items == [Progress("a"), Progress("b"), "done"]


def test_quiet_work_gets_heartbeats(settings) -> None:  # type: ignore[no-untyped-def]
    def work(report, cancelled):  # type: ignore[no-untyped-def]
        time.sleep(0.35)
        return "done"

    items = collect(settings, work, heartbeat_seconds=0.1)
    assert items[-1] == "done"
    assert items.count(HEARTBEAT) >= 2


def test_an_error_in_the_work_reaches_the_consumer(settings) -> None:  # type: ignore[no-untyped-def]
    def work(report, cancelled):  # type: ignore[no-untyped-def]
        raise ValueError("engine says no")

    with pytest.raises(ValueError, match="engine says no"):
        collect(settings, work, heartbeat_seconds=5)


def test_closing_the_stream_stops_the_thread_promptly(settings) -> None:  # type: ignore[no-untyped-def]
    stopped = threading.Event()

    def work(report, cancelled):  # type: ignore[no-untyped-def]
        try:
            while True:
                report("tick")
                time.sleep(0.01)
        except Cancelled:
            stopped.set()
            raise

    async def main() -> None:
        items = run_in_thread(work, label="test", heartbeat_seconds=5)
        assert await anext(items) == Progress("tick")
        await items.aclose()

    run(main)
    assert stopped.wait(timeout=2)
    deadline = time.monotonic() + 2
    while running_computations.active and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running_computations.active == 0


def test_work_beyond_the_worker_slots_waits_without_a_thread(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_COMPUTATIONS_PER_WORKER = 1
    release = threading.Event()

    def slow(report, cancelled):  # type: ignore[no-untyped-def]
        release.wait(timeout=5)
        return "first"

    def quick(report, cancelled):  # type: ignore[no-untyped-def]
        return "second"

    async def main() -> None:
        first = run_in_thread(slow, label="first", heartbeat_seconds=5)
        first_result = asyncio.ensure_future(_last(first))
        await asyncio.sleep(0.1)
        threads_before = threading.active_count()
        second = run_in_thread(quick, label="second", heartbeat_seconds=5, waiting="queued")
        assert await anext(second) == Progress("queued")
        # Waiting for the slot costs no thread.
        assert threading.active_count() == threads_before
        release.set()
        assert await anext(second) == "second"
        assert await first_result == "first"

    run(main)


async def _last(items):  # type: ignore[no-untyped-def]
    last = None
    async for item in items:
        last = item
    return last


@pytest.mark.django_db(transaction=True)
def test_a_lease_is_released_even_when_the_client_leaves_during_the_release() -> None:
    from asgiref.sync import sync_to_async
    from django.utils import timezone

    from wizard.models import StreamLease
    from wizard.stream import _db, _release_lease_surely

    lease = StreamLease.objects.create(
        client_ip="192.0.2.1", token="t" * 22, expires_at=timezone.now()
    )

    async def main() -> None:
        # Database work queues behind this in the thread-sensitive executor, so the release is
        # still waiting there when Django cancels the stream's task (the client has gone).
        busy = asyncio.ensure_future(sync_to_async(time.sleep)(0.3))
        await asyncio.sleep(0.05)
        stream = asyncio.ensure_future(_release_lease_surely(lease))
        await asyncio.sleep(0.05)
        stream.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stream
        await busy
        for _ in range(100):
            # _db closes the executor thread's connection: PostgreSQL's test database is
            # dropped at the end, which an open connection would prevent.
            if not await _db(StreamLease.objects.filter(pk=lease.pk).exists):
                return
            await asyncio.sleep(0.02)

    run(main)
    assert not StreamLease.objects.filter(pk=lease.pk).exists()


def test_a_primed_response_sends_the_first_event_then_the_rest() -> None:
    from wizard.streaming import EventStreamResponse

    async def events():  # type: ignore[no-untyped-def]
        yield b"one"
        yield b"two"

    async def main() -> list[bytes]:
        response = await EventStreamResponse.primed(events())
        return [part async for part in response]

    assert run(main) == [b"one", b"two"]


def test_a_primed_response_that_is_never_sent_still_cleans_up() -> None:
    import gc

    from wizard.streaming import EventStreamResponse

    cleaned: list[str] = []

    async def events():  # type: ignore[no-untyped-def]
        try:
            yield b"one"
            yield b"two"
        finally:
            await asyncio.sleep(0)  # the real clean-up awaits the database
            cleaned.append("released")

    async def main() -> None:
        # The client left before Django began sending: the response is simply dropped.
        await EventStreamResponse.primed(events())
        gc.collect()
        for _ in range(50):
            if cleaned:
                return
            await asyncio.sleep(0.01)

    run(main)
    assert cleaned == ["released"]
