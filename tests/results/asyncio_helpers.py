"""Running a coroutine from a synchronous test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    """asyncio.run in a thread of its own: a browser test's event loop may be running here."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(main()))  # type: ignore[arg-type]
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]  # type: ignore[return-value]
