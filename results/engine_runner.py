"""Engine runs off the event loop: one computation slot per run, progress, heartbeats, cancel."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from results.compute import Cancelled
from rewards.catalog import Catalog

logger = logging.getLogger(__name__)

# A job runs as job(*args, catalog, report, cancelled): `report(payload)` sends progress to the
# stream, `cancelled()` says the stream's client has left.
Job = Callable[..., Any]


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
    """Engine runs this worker does at once; further streams wait for a slot on the event loop,
    costing no thread while they wait."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(settings.RESULTS_COMPUTATIONS_PER_WORKER)
    return slots


@dataclass
class Progress:
    """An update the job reported."""

    payload: Any


class Heartbeat:
    """Yielded when the work has been quiet for a heartbeat interval."""


HEARTBEAT = Heartbeat()


async def run_engine(
    job: Job,
    args: tuple[Any, ...],
    *,
    catalog: tuple[str, Catalog] | None = None,
    label: str,
    heartbeat_seconds: float,
    waiting: Any = None,
) -> AsyncIterator[Progress | Heartbeat | Any]:
    """Run `job` off the event loop; yield each reported Progress, then the job's result.

    `catalog` is (version, catalog), handed to the job. The run waits (on the event loop) for
    one of the worker's computation slots, and Progress(waiting) is yielded first when it has
    to. HEARTBEAT is yielded whenever nothing arrived for `heartbeat_seconds`. When the
    consumer stops listening (client disconnect), the job's `cancelled()` turns true and its
    next report raises Cancelled. The final item yielded is the job's return value.
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
            result = job(*args, None if catalog is None else catalog[1], report, cancelled.is_set)
            message: _Done = _Done(result=result)
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
        # GeneratorExit): tell the job to stop at its next report or cancellation check.
        cancelled.set()
