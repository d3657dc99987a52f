"""Jobs for the engine runner's tests: top-level functions, so an engine process can run them."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from results.compute import Cancelled


def report_twice(first: str, second: str, catalog: Any, report: Any, cancelled: Any) -> str:
    report(first)
    report(second)
    return "done"


def stay_quiet(seconds: float, catalog: Any, report: Any, cancelled: Any) -> str:
    time.sleep(seconds)
    return "done"


def fail(message: str, catalog: Any, report: Any, cancelled: Any) -> None:
    raise ValueError(message)


def tick_until_cancelled(catalog: Any, report: Any, cancelled: Any) -> None:
    while True:
        report("tick")
        time.sleep(0.01)


def spin_until_cancelled(catalog: Any, report: Any, cancelled: Any) -> None:
    """CPU-bound and silent, like an engine search: only the cancellation check stops it."""
    report("started")
    while not cancelled():
        sum(range(1000))
    raise Cancelled


def wait_for_file(path: str, result: str, catalog: Any, report: Any, cancelled: Any) -> str:
    deadline = time.monotonic() + 10
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return result


def process_id(catalog: Any, report: Any, cancelled: Any) -> int:
    return os.getpid()


def catalog_name(catalog: Any, report: Any, cancelled: Any) -> Any:
    return catalog


def catalog_identity(catalog: Any, report: Any, cancelled: Any) -> tuple[int, int]:
    return os.getpid(), id(catalog)


def die(catalog: Any, report: Any, cancelled: Any) -> None:
    os._exit(3)


def cpu_priority(catalog: Any, report: Any, cancelled: Any) -> int:
    """The engine process's niceness (higher runs later)."""
    return os.getpriority(os.PRIO_PROCESS, 0)
