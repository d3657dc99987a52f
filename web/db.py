"""Database work from async code: off the event loop, without holding a connection afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import connection

T = TypeVar("T")


async def run_db(function: Callable[..., T], *args: Any, detached: bool = False) -> T:
    """Run database work off the event loop, then close that thread's connection.

    A stream lives for seconds to minutes; holding a database connection all that time would
    cost one connection per open stream. `detached` is for work that may outlive its request
    (a lease released after the client left): it runs on the event loop's own thread pool, not
    on the request's thread (web/handler.py), which is no longer there once the request ended.
    """

    def run() -> T:
        try:
            return function(*args)
        finally:
            # Not inside a transaction someone else opened (a test's, say): that one is theirs.
            if not connection.in_atomic_block:
                connection.close()

    return await sync_to_async(run, thread_sensitive=not detached)()
