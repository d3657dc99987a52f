"""Server-Sent Events plumbing: event encoding, and sync work run in a thread off the event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from django.http import StreamingHttpResponse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerSentEvent:
    """One SSE message: an event name, HTML (or text) data, and an id for resuming."""

    event: str
    data: str
    id: int | None = None

    def encode(self) -> bytes:
        """The wire format: one `data:` line per line of data, a blank line to end it."""
        lines = []
        if self.id is not None:
            lines.append(f"id: {self.id}")
        lines.append(f"event: {self.event}")
        lines.extend(f"data: {line}" for line in self.data.splitlines() or [""])
        return ("\n".join(lines) + "\n\n").encode()


class EventStreamResponse(StreamingHttpResponse):
    """A text/event-stream response that always closes its event generator.

    Django closes only its own wrapper when a client disconnects mid-send; closing ours too
    runs its `finally` blocks at once (stop the computation, release the stream lease) instead
    of whenever the garbage collector gets to it.
    """

    def __init__(self, events: AsyncGenerator[bytes, None], first: bytes | None = None) -> None:
        super().__init__(events, content_type="text/event-stream")
        self._events = events
        self._first = first
        self["Cache-Control"] = "no-cache"
        # nginx and similar proxies must pass each event on at once.
        self["X-Accel-Buffering"] = "no"

    @classmethod
    async def primed(cls, events: AsyncGenerator[bytes, None]) -> EventStreamResponse:
        """The response, with the generator already run to its first event.

        A generator that never started never runs its `finally`. If the client leaves after
        the view returned but before Django began sending, nobody iterates the response; a
        started generator is still closed (by the event loop's async generator finalizer) when
        it is dropped, so its clean-up runs all the same.
        """
        first = await events.__anext__()
        return cls(events, first)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            if self._first is not None:
                yield self._first
            async for part in self._events:
                yield part
        finally:
            await self._events.aclose()


def sse_comment(text: str) -> bytes:
    """A comment line: ignored by clients, it keeps proxies from closing an idle stream."""
    return f": {text}\n\n".encode()


class Cancelled(Exception):
    """Raised inside the worker thread when the stream's client has gone away."""


class _Done:
    def __init__(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result = result
        self.error = error


class ComputationCounter:
    """How many computations this process is running; logged so tests can spot orphans."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0

    def change(self, delta: int) -> int:
        with self._lock:
            self.active += delta
            return self.active


running_computations = ComputationCounter()

# One semaphore per event loop (a worker process runs one), created on first use.
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def compute_slots() -> asyncio.Semaphore:
    """Engine runs this worker does at once: more CPU-bound threads would starve its event loop
    of the GIL. Streams wait for a slot on the event loop, costing no thread while they wait."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        from django.conf import settings

        slots = _slots[loop] = asyncio.Semaphore(settings.RESULTS_COMPUTATIONS_PER_WORKER)
    return slots


@dataclass
class Progress:
    """An update sent from the worker thread to the stream."""

    payload: Any


class Heartbeat:
    """Yielded when the work has been quiet for a heartbeat interval."""


HEARTBEAT = Heartbeat()


async def run_in_thread(
    work: Callable[[Callable[[Any], None], threading.Event], Any],
    *,
    label: str,
    heartbeat_seconds: float,
    waiting: Any = None,
) -> AsyncIterator[Progress | Heartbeat | Any]:
    """Run `work(report, cancelled)` in a thread; yield each reported Progress, then its result.

    `report(payload)` may be called from the thread at any rate; `cancelled` is set when the
    consumer stops listening (client disconnect), and the work should then raise `Cancelled`
    soon. The work waits (on the event loop) for one of the worker's computation slots, and
    Progress(waiting) is yielded first when it has to. HEARTBEAT is yielded whenever nothing
    arrived for `heartbeat_seconds`. The final item yielded is the work's return value.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Progress | _Done] = asyncio.Queue()
    cancelled = threading.Event()

    def report(payload: Any) -> None:
        if cancelled.is_set():
            raise Cancelled
        loop.call_soon_threadsafe(queue.put_nowait, Progress(payload))

    def target() -> None:
        active = running_computations.change(+1)
        logger.info("computation started: %s (pid %d, active %d)", label, os.getpid(), active)
        outcome = "finished"
        try:
            message: _Done = _Done(result=work(report, cancelled))
        except Cancelled:
            outcome = "cancelled"
            message = _Done(error=asyncio.CancelledError())
        except BaseException as error:  # handed to the consumer, which re-raises it
            outcome = "failed"
            message = _Done(error=error)
        finally:
            active = running_computations.change(-1)
            logger.info(
                "computation %s: %s (pid %d, active %d)", outcome, label, os.getpid(), active
            )
            if not loop.is_closed():
                loop.call_soon_threadsafe(slots.release)
        if not loop.is_closed():
            loop.call_soon_threadsafe(queue.put_nowait, message)

    slots = compute_slots()
    if slots.locked():
        yield Progress(waiting)
    # asyncio.timeout rather than wait_for: on Python 3.11, wait_for swallows a cancellation
    # that arrives just as the awaited item is ready, and the stream would go on computing for
    # a client that has left.
    while True:
        try:
            async with asyncio.timeout(heartbeat_seconds):
                await slots.acquire()
            break
        except TimeoutError:
            yield HEARTBEAT
    try:
        thread = threading.Thread(target=target, name=f"compute {label}", daemon=True)
        thread.start()
    except BaseException:
        slots.release()
        raise
    try:
        while True:
            try:
                async with asyncio.timeout(heartbeat_seconds):
                    item = await queue.get()
            except TimeoutError:
                yield HEARTBEAT
                continue
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                yield item.result
                return
            yield item
    finally:
        # Reached on completion, on error, and when the client disconnects (CancelledError or
        # GeneratorExit): tell the thread to stop at its next progress report.
        cancelled.set()
