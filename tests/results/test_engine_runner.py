"""Engine runs off the event loop: progress in order, heartbeats, errors, cancellation, slots."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from results import engine_runner
from results.engine_runner import (
    HEARTBEAT,
    NOT_NEEDED,
    EngineProcess,
    EngineProcessLost,
    Progress,
    run_engine,
    running_computations,
)
from tests.results import engine_jobs
from tests.results.asyncio_helpers import run


def collect(job, args, **kwargs):  # type: ignore[no-untyped-def]
    async def main() -> list[object]:
        return [item async for item in run_engine(job, args, label="test", **kwargs)]

    return run(main)


def wait_until_no_computation_runs() -> None:
    deadline = time.monotonic() + 5
    while running_computations.active and time.monotonic() < deadline:
        time.sleep(0.01)


def logged(caplog, text: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether `text` is logged within 5 s: the relay thread counts a computation as ended just
    before it logs how it ended, so the count can reach 0 a moment before the line is written."""
    deadline = time.monotonic() + 5
    while text not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    return text in caplog.text


def test_reports_arrive_in_order_then_the_result() -> None:
    items = collect(engine_jobs.report_twice, ("a", "b"), heartbeat_seconds=5)
    assert items == [Progress("a"), Progress("b"), "done"]


def test_quiet_work_gets_heartbeats() -> None:
    items = collect(engine_jobs.stay_quiet, (0.35,), heartbeat_seconds=0.1)
    assert items[-1] == "done"
    assert items.count(HEARTBEAT) >= 2


def test_an_error_in_the_work_reaches_the_consumer() -> None:
    with pytest.raises(ValueError, match="engine says no"):
        collect(engine_jobs.fail, ("engine says no",), heartbeat_seconds=5)


def test_the_job_gets_the_catalog_it_was_given() -> None:
    items = collect(
        engine_jobs.catalog_name, (), catalog=("v1", "the catalog"), heartbeat_seconds=5
    )
    assert items == ["the catalog"]


def test_closing_the_stream_stops_a_reporting_job_promptly(caplog) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        items = run_engine(engine_jobs.tick_until_cancelled, (), label="ticks", heartbeat_seconds=5)
        assert await anext(items) == Progress("tick")
        await items.aclose()

    with caplog.at_level("INFO", logger="results"):
        run(main)
        wait_until_no_computation_runs()
    assert running_computations.active == 0
    assert logged(caplog, "computation cancelled: ticks")


def test_closing_the_stream_stops_a_silent_job_through_its_cancellation_check(caplog) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        items = run_engine(engine_jobs.spin_until_cancelled, (), label="spin", heartbeat_seconds=5)
        assert await anext(items) == Progress("started")
        await items.aclose()

    with caplog.at_level("INFO", logger="results"):
        run(main)
        wait_until_no_computation_runs()
    assert running_computations.active == 0
    assert logged(caplog, "computation cancelled: spin")


def test_work_beyond_the_worker_slots_waits_without_a_thread(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_COMPUTATIONS_PER_WORKER = 1
    release = tmp_path / "release"

    async def main() -> None:
        first_result = await _slot_held_until(release)
        threads_before = threading.active_count()
        second = _queued_second()
        assert await anext(second) == Progress("queued")
        # Waiting for the slot costs no thread.
        assert threading.active_count() == threads_before
        release.touch()
        assert [item async for item in second] == [Progress("a"), Progress("b"), "done"]
        assert await first_result == "first"

    run(main)


@pytest.mark.parametrize("needed", [False, True])
def test_a_run_that_waited_asks_whether_it_is_still_needed(  # type: ignore[no-untyped-def]
    settings, tmp_path: Path, caplog, needed: bool
) -> None:
    """Another stream may have computed the same result while this one waited for a slot."""
    settings.RESULTS_COMPUTATIONS_PER_WORKER = 1
    release = tmp_path / "release"
    asked: list[bool] = []

    async def still_needed() -> bool:
        asked.append(True)
        return needed

    async def main() -> list[object]:
        first_result = await _slot_held_until(release)
        second = _queued_second(still_needed=still_needed)
        assert await anext(second) == Progress("queued")
        release.touch()
        rest = [item async for item in second]
        assert await first_result == "first"
        return rest

    with caplog.at_level("INFO", logger="results"):
        rest = run(main)
        wait_until_no_computation_runs()
    assert asked == [True]
    if needed:
        assert rest == [Progress("a"), Progress("b"), "done"]
        assert logged(caplog, "computation finished: second")
    else:
        assert rest == [NOT_NEEDED]
        assert logged(caplog, "computation not needed after its wait: second")
        assert "computation started: second" not in caplog.text
    # The slot went back either way: a next run starts at once.
    assert collect(engine_jobs.report_twice, ("x", "y"), heartbeat_seconds=5)[-1] == "done"


def test_a_run_that_did_not_wait_is_not_asked() -> None:
    async def never() -> bool:
        raise AssertionError("asked without a wait")

    items = collect(engine_jobs.report_twice, ("a", "b"), heartbeat_seconds=5, still_needed=never)
    assert items == [Progress("a"), Progress("b"), "done"]


async def _slot_held_until(release: Path) -> asyncio.Future:
    """The worker's one slot taken by a job that ends (with "first") once `release` exists."""
    first = run_engine(
        engine_jobs.wait_for_file, (str(release), "first"), label="first", heartbeat_seconds=5
    )
    held = asyncio.ensure_future(_last(first))
    await asyncio.sleep(0.1)
    return held


def _queued_second(**more: object):  # type: ignore[no-untyped-def]
    """A run that reports "a" and "b", waiting for the slot (Progress("queued") first)."""
    return run_engine(
        engine_jobs.report_twice,
        ("a", "b"),
        label="second",
        heartbeat_seconds=5,
        waiting="queued",
        **more,  # type: ignore[arg-type]
    )


async def _last(items):  # type: ignore[no-untyped-def]
    last = None
    async for item in items:
        last = item
    return last


def test_the_job_runs_in_an_engine_process_not_in_the_web_worker() -> None:
    [pid] = collect(engine_jobs.process_id, (), heartbeat_seconds=5)
    assert pid != os.getpid()


def test_an_engine_process_is_sent_each_catalog_version_once() -> None:
    engine = EngineProcess()
    try:

        def run_once(version: str) -> tuple[int, int]:
            kind, value = engine.run(
                engine_jobs.catalog_identity,
                (),
                (version, {"v": version}),
                print,
                threading.Event(),
            )
            assert kind == "done"
            return value

        first, again, other = run_once("v1"), run_once("v1"), run_once("v2")
        assert first == again  # the same object: kept, not sent again
        assert other != first
        # A few catalogs are kept (a person's closed held cards make one of their own), so
        # going back to one still kept does not send it again either.
        assert run_once("v1") == first
    finally:
        engine.close()


def test_an_engine_process_that_dies_is_reported_and_replaced() -> None:
    with pytest.raises(EngineProcessLost):
        collect(engine_jobs.die, (), heartbeat_seconds=5)
    assert collect(engine_jobs.report_twice, ("a", "b"), heartbeat_seconds=5)[-1] == "done"


def test_engine_processes_run_at_a_lower_cpu_priority_than_the_web_worker() -> None:
    """A search must not take time slices from the event loop that answers pages and first
    events (on a 2-core machine with both engine slots busy it did: first event p95 81 ms)."""
    items = collect(engine_jobs.cpu_priority, (), heartbeat_seconds=5)
    assert items[-1] >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + 5)  # 19 is the lowest


def test_engine_processes_that_failed_to_start_do_not_block_the_next_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A failed start (out of processes or memory) fails its run; the next run starts its own
    process instead of waiting for ever for one that was never started."""
    failures = [OSError("Resource temporarily unavailable")]

    class FailingOnce(EngineProcess):
        def __init__(self) -> None:
            if failures:
                raise failures.pop()
            super().__init__()

    monkeypatch.setattr(engine_runner, "EngineProcess", FailingOnce)
    pool = engine_runner.EnginePool(2)
    with pytest.raises(OSError):
        pool.checkout()
    got: list[EngineProcess] = []
    thread = threading.Thread(target=lambda: got.append(pool.checkout()), daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert got, "the second run is still waiting for an engine process"
    for engine in [*got, *pool._idle]:
        engine.close()
