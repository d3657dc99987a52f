"""Engine runs off the web worker: a pool of engine processes, with progress and cancellation.

An engine search is CPU-bound pure Python; run in a thread of the web worker, it holds the GIL
that the worker's event loop needs to answer every other request and stream. Here it runs in
an engine process instead. Per web worker process:

- `compute_slots()`: how many runs it does at once (RESULTS_COMPUTATIONS_PER_WORKER). Runs
  beyond that wait for a slot on the event loop, costing no thread while they wait;
- a pool of RESULTS_ENGINE_PROCESSES engine processes, started on first use (spawned, so they
  share nothing with the web worker but what is sent to them);
- for each run holding a slot, a relay thread: it sends the job to a free engine process and
  passes what comes back (progress reports, then the result) to the event loop. Waiting on a
  pipe, it holds no GIL.

An engine process keeps the last CATALOGS_KEPT catalogs it was sent, by catalog key (the
version, plus a person's closed held cards: see results.events.engine_catalog_key), and the web
worker keeps the same list for each engine process, so a run sends the catalog (about 375 KB
pickled for the shipped one) only when that process does not have it; people holding closed
cards no longer push the shared catalog out. The job itself gets a frozen input, and no engine
process ever queries the database. Cancellation crosses the process
boundary as a flag in shared memory, which the job's `cancelled()` reads and `report()` obeys.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from django.conf import settings

from results.compute import Cancelled
from rewards.catalog import Catalog

logger = logging.getLogger(__name__)

# A job runs as job(*args, catalog, report, cancelled) in an engine process: a function defined
# at module level (it travels by name), `report(payload)` sends progress to the stream,
# `cancelled()` says the stream's client has left.
Job = Callable[..., Any]

# Imported by each engine process as it starts, so the first search does not wait for them.
PRELOAD = ("results.compute",)
# How often a relay thread looks at its run's cancellation while the engine is quiet.
CANCEL_POLL_SECONDS = 0.05
# An engine process still busy this long after being told to stop is killed and replaced.
CANCEL_GRACE_SECONDS = 5.0
# Catalogs an engine process keeps, least recently used out first: the current version's
# shared catalog and a few of people holding closed cards.
CATALOGS_KEPT = 4
# Engine processes run at a lower CPU priority than the web worker that starts them. A search
# is batch work; the worker's event loop answers pages, first events and heartbeats, and on a
# machine with as many busy engine processes as cores it would otherwise wait for a time slice.
ENGINE_NICENESS = 5

_spawn = multiprocessing.get_context("spawn")


class EngineProcessLost(RuntimeError):
    """The engine process died, or did not stop when told to; it has been replaced."""


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


# --- inside an engine process --------------------------------------------------------------


def _serve(conn: Connection, stop: Any) -> None:
    """An engine process: run the jobs that arrive on `conn`, one at a time, until it closes."""
    # Ctrl-C reaches the whole process group; the web worker decides when engines stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(ENGINE_NICENESS)
    for module in PRELOAD:
        importlib.import_module(module)
    catalogs: OrderedDict[str, Catalog] = OrderedDict()

    def cancelled() -> bool:
        return bool(stop.value)

    def report(payload: Any) -> None:
        if stop.value:
            raise Cancelled
        conn.send(("progress", payload))

    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the web worker has gone
        try:
            message = pickle.loads(data)
            if message[0] == "catalog":
                _, key, catalog = message
                catalogs[key] = catalog
                _used(catalogs, key)
                continue
            _, job, args, key = message
            if key is not None:
                _used(catalogs, key)
            reply: tuple[str, Any] = (
                "done",
                job(*args, None if key is None else catalogs[key], report, cancelled),
            )
        except Cancelled:
            reply = ("cancelled", None)
        except BaseException as error:  # the web worker re-raises it for the stream
            reply = ("failed", _sendable(error))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def _used(kept: OrderedDict[str, Any], key: str) -> None:
    """Mark `key` as just used and forget the least recently used beyond CATALOGS_KEPT.

    Both sides of a pipe apply it to the same sequence of keys (the engine process to its
    catalogs, the web worker to its record of them), so they always agree on what is kept.
    """
    kept.move_to_end(key)
    while len(kept) > CATALOGS_KEPT:
        kept.popitem(last=False)


def _sendable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


# --- in the web worker ---------------------------------------------------------------------


class EngineProcess:
    """One engine process, its pipe and its stop flag; runs one job at a time."""

    def __init__(self) -> None:
        self.conn, child = _spawn.Pipe()
        self.stop = _spawn.RawValue("b", 0)
        self.process = _spawn.Process(
            target=_serve, args=(child, self.stop), name="engine", daemon=True
        )
        self.process.start()
        child.close()
        # The catalog keys the process holds, in its order (see _used).
        self.catalog_keys: OrderedDict[str, None] = OrderedDict()

    def run(
        self,
        job: Job,
        args: tuple[Any, ...],
        catalog: tuple[str, Catalog] | None,
        forward: Callable[[Any], None],
        cancelled: threading.Event,
    ) -> tuple[str, Any]:
        """Run one job, forwarding its progress; ("done"|"cancelled"|"failed", value)."""
        try:
            return self._run(job, args, catalog, forward, cancelled)
        except (EOFError, OSError) as error:
            raise EngineProcessLost(f"the engine process went away ({error!r})") from error

    def _run(
        self,
        job: Job,
        args: tuple[Any, ...],
        catalog: tuple[str, Catalog] | None,
        forward: Callable[[Any], None],
        cancelled: threading.Event,
    ) -> tuple[str, Any]:
        self.stop.value = 0
        if catalog is not None:
            key = catalog[0]
            if key not in self.catalog_keys:
                # A failed send loses the process (EngineProcessLost), and this record with it.
                self.conn.send(("catalog", *catalog))
                self.catalog_keys[key] = None
            _used(self.catalog_keys, key)
        self.conn.send(("job", job, args, None if catalog is None else catalog[0]))
        told_to_stop: float | None = None
        while True:
            if told_to_stop is None and cancelled.is_set():
                self.stop.value = 1
                told_to_stop = time.monotonic()
            if self.conn.poll(CANCEL_POLL_SECONDS):
                kind, value = self.conn.recv()
                if kind != "progress":
                    return kind, value
                if told_to_stop is None:
                    forward(value)
            elif (
                told_to_stop is not None and time.monotonic() - told_to_stop > CANCEL_GRACE_SECONDS
            ):
                raise EngineProcessLost("the engine did not stop when told to")
            elif not self.process.is_alive():
                raise EngineProcessLost(f"the engine process exited ({self.process.exitcode})")

    def close(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class EnginePool:
    """Up to `size` engine processes, started together on first use, replaced when lost."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: list[EngineProcess] = []
        self._started = 0
        self._ready = threading.Condition()

    def checkout(self) -> EngineProcess:
        """An idle engine process; waits (in the calling thread) while all are busy."""
        with self._ready:
            while not self._idle and self._started >= self.size:
                self._ready.wait()
            if self._idle:
                return self._idle.pop()
            missing = self.size - self._started
            self._started = self.size
        # All at once, so the next runs find theirs started and warm.
        processes: list[EngineProcess] = []
        try:
            for _ in range(missing):
                processes.append(EngineProcess())
        except BaseException:
            # Not started after all: give the places back, or every later run would wait
            # for processes that do not exist (this run fails with the error).
            for process in processes:
                process.close()
            with self._ready:
                self._started -= missing
                self._ready.notify_all()
            raise
        with self._ready:
            self._idle.extend(processes[1:])
            self._ready.notify_all()
        return processes[0]

    def checkin(self, engine: EngineProcess) -> None:
        with self._ready:
            self._idle.append(engine)
            self._ready.notify()

    def discard(self, engine: EngineProcess) -> None:
        engine.close()
        with self._ready:
            self._started -= 1
            self._ready.notify()


_pool: EnginePool | None = None
_pool_lock = threading.Lock()


def engine_pool() -> EnginePool:
    """This web worker's pool (RESULTS_ENGINE_PROCESSES processes), made on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = EnginePool(settings.RESULTS_ENGINE_PROCESSES)
        return _pool


@dataclass
class Progress:
    """An update the job reported."""

    payload: Any


class Heartbeat:
    """Yielded when the work has been quiet for a heartbeat interval."""


HEARTBEAT = Heartbeat()


class NotNeeded:
    """The last item of a run whose `still_needed` said no once it had a slot: no job ran."""


NOT_NEEDED = NotNeeded()


async def run_engine(
    job: Job,
    args: tuple[Any, ...],
    *,
    catalog: tuple[str, Catalog] | None = None,
    label: str,
    heartbeat_seconds: float,
    waiting: Any = None,
    still_needed: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[Progress | Heartbeat | Any]:
    """Run `job` in an engine process; yield each reported Progress, then the job's result.

    `catalog` is (version, catalog), handed to the job. The run waits (on the event loop) for
    one of the worker's computation slots, and Progress(waiting) is yielded first when it has
    to. HEARTBEAT is yielded whenever nothing arrived for `heartbeat_seconds`. When the
    consumer stops listening (client disconnect), the job's `cancelled()` turns true and its
    next report raises Cancelled. The final item yielded is the job's return value.

    `still_needed`: asked once a slot is free when the run had to wait for one (another
    stream may have computed the same thing meanwhile). False: the slot goes back, no job
    runs, and the final item is NOT_NEEDED.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Progress | _Done] = asyncio.Queue()
    cancelled = threading.Event()

    def forward(payload: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, Progress(payload))

    def relay() -> None:
        active = running_computations.change(+1)
        logger.info("computation started: %s (pid %d, active %d)", label, os.getpid(), active)
        outcome = "finished"
        pool = engine_pool()
        try:
            engine = pool.checkout()
            try:
                kind, value = engine.run(job, args, catalog, forward, cancelled)
            except BaseException:
                pool.discard(engine)
                raise
            pool.checkin(engine)
            if kind == "cancelled":
                outcome = "cancelled"
                message = _Done(error=asyncio.CancelledError())
            elif kind == "failed":
                outcome = "failed"
                message = _Done(error=value)
            else:
                message = _Done(result=value)
        except BaseException as error:  # handed to the consumer, which re-raises it
            outcome = "cancelled" if cancelled.is_set() else "failed"
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
    waited = slots.locked()
    if waited:
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
    if waited and still_needed is not None:
        try:
            needed = await still_needed()
        except BaseException:
            slots.release()
            raise
        if not needed:
            slots.release()
            logger.info("computation not needed after its wait: %s", label)
            yield NOT_NEEDED
            return
    try:
        thread = threading.Thread(target=relay, name=f"engine relay {label}", daemon=True)
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
        # GeneratorExit): the relay thread raises the engine's stop flag within
        # CANCEL_POLL_SECONDS, and the job stops at its next report or cancellation check.
        cancelled.set()
