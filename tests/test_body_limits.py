"""Request bodies are bounded before Django reads them, on every path, and kept in memory.

These drive the ASGI application the servers run (creditcard_guru.asgi) with hand-made ASGI
messages, counting how much of each body the application asked for.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from tests.results.asyncio_helpers import run as run_async
from web.bodylimit import BodyLimitMiddleware, InMemoryBodyASGIHandler, LargeBody

IMPORT = "/wizard/import/"
MiB = 1024 * 1024


class Client:
    """One ASGI request: the body arrives as the given chunks; records what was read and sent."""

    def __init__(self, chunks: list[bytes], *, stall_after: int | None = None) -> None:
        self.chunks = chunks
        self.stall_after = stall_after
        self.read = 0  # body messages the application took
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.read < len(self.chunks):
            if self.stall_after is not None and self.read >= self.stall_after:
                await asyncio.sleep(3600)
            self.read += 1
            return {
                "type": "http.request",
                "body": self.chunks[self.read - 1],
                "more_body": self.read < len(self.chunks),
            }
        await asyncio.sleep(3600)  # the client stays until the response is sent
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


def scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def run(
    app: Callable[..., Awaitable[None]],
    method: str,
    path: str,
    client: Client,
    headers: list[tuple[bytes, bytes]],
    timeout: float = 20,
) -> Client:
    async def go() -> None:
        async with asyncio.timeout(timeout):
            await app(scope(method, path, headers), client.receive, client.send)

    # In a thread of its own: a browser test's event loop may be running in this one.
    run_async(go)
    return client


@pytest.fixture
def application() -> Any:
    from creditcard_guru.asgi import application

    return application


def chunks(total: int, size: int = 64 * 1024) -> list[bytes]:
    return [b"x" * min(size, total - start) for start in range(0, total, size)]


def test_a_declared_length_over_the_limit_is_refused_with_413_unread(application: Any) -> None:
    client = Client(chunks(2 * MiB))
    run(application, "POST", "/", client, [(b"content-length", str(2 * MiB).encode())])
    assert client.status == 413
    assert client.read == 0
    assert client.headers[b"connection"] == b"close"
    assert b"too large" in client.body


def test_an_absurd_content_length_is_answered_at_once(application: Any) -> None:
    client = Client([b"x"])
    run(application, "POST", "/cards/", client, [(b"content-length", b"99999999999")], timeout=5)
    assert client.status == 413
    assert client.read == 0


def test_a_chunked_body_is_counted_and_cut_off_at_the_limit(application: Any) -> None:
    client = Client(chunks(60 * MiB))
    run(application, "POST", "/", client, [(b"transfer-encoding", b"chunked")])
    assert client.status == 413
    assert client.headers[b"connection"] == b"close"
    # Read up to the limit (1 MiB in 64 KiB messages) and one message more, never the 60 MiB.
    assert client.read <= settings.REQUEST_MAX_BYTES // (64 * 1024) + 1


def test_a_non_numeric_content_length_is_a_400(application: Any) -> None:
    client = Client([b"x"])
    run(application, "POST", "/", client, [(b"content-length", b"12abc")])
    assert client.status == 400
    assert client.read == 0


@pytest.mark.django_db
def test_the_import_allows_its_own_limit_and_no_more(application: Any) -> None:
    # Over the import limit: the import page explains the limit, without reading the body.
    over = settings.STATEMENT_IMPORT_MAX_BYTES + 1
    client = Client(chunks(over))
    run(application, "POST", IMPORT, client, [(b"content-length", str(over).encode())])
    assert client.status == 413
    assert client.read == 0
    assert client.headers[b"connection"] == b"close"
    assert b"the limit is 10 files of 5 MB each" in client.body

    # Chunked, the import's limit is counted too.
    client = Client(chunks(60 * MiB))
    run(application, "POST", IMPORT, client, [(b"transfer-encoding", b"chunked")])
    assert client.status == 413
    assert client.read <= settings.STATEMENT_IMPORT_MAX_BYTES // (64 * 1024) + 1


def test_the_import_limit_applies_to_the_import_only(application: Any) -> None:
    # 3 MiB would fit the import; anywhere else (say the step 1 form) it is too much.
    client = Client(chunks(3 * MiB))
    run(application, "POST", "/wizard/spending/", client, [(b"content-length", b"3145728")])
    assert client.status == 413
    assert client.read == 0


class Recorder:
    """A stand-in application that reads the whole body, for the middleware's own rules."""

    def __init__(self) -> None:
        self.bodies: list[int] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        self.bodies.append(size)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_a_body_that_stops_arriving_is_timed_out_with_408() -> None:
    app = BodyLimitMiddleware(Recorder(), default_limit=MiB, idle_seconds=0.2)
    client = Client(chunks(512 * 1024), stall_after=2)
    run(app, "POST", "/", client, [(b"transfer-encoding", b"chunked")], timeout=5)
    assert client.status == 408
    assert client.read == 2


def test_only_so_many_large_bodies_are_read_at_once_per_worker() -> None:
    recorder = Recorder()
    app = BodyLimitMiddleware(
        recorder,
        default_limit=MiB,
        large=(LargeBody("POST", IMPORT, 60 * MiB),),
        large_at_once=1,
        queue_seconds=0.3,
    )
    headers = [(b"content-length", str(4 * MiB).encode())]
    slow = Client(chunks(4 * MiB), stall_after=3)  # holds the one slot, mid-body
    waiting = Client(chunks(4 * MiB))
    small = Client([b"a=1"])

    async def go() -> None:
        first = asyncio.create_task(app(scope("POST", IMPORT, headers), slow.receive, slow.send))
        await asyncio.sleep(0.05)
        await app(scope("POST", IMPORT, headers), waiting.receive, waiting.send)
        # A small form post to the same path needs no slot.
        await app(scope("POST", IMPORT, [(b"content-length", b"3")]), small.receive, small.send)
        first.cancel()

    run_async(go)
    assert waiting.status == 503
    assert waiting.read == 0
    assert waiting.headers[b"retry-after"] == b"30"
    assert small.status == 200


def test_the_handler_keeps_a_body_over_djangos_spooling_threshold_in_memory() -> None:
    size = settings.FILE_UPLOAD_MAX_MEMORY_SIZE * 2
    client = Client(chunks(size))
    handler = InMemoryBodyASGIHandler(max_body_bytes=4 * size)
    body = run_async(lambda: handler.read_body(client.receive))
    assert isinstance(body, io.BytesIO)
    assert len(body.getvalue()) == size
    # What it replaces: Django's own handler has rolled such a body over to a temporary file.
    client = Client(chunks(size))
    django_handler = ASGIHandler()
    spooled = run_async(lambda: django_handler.read_body(client.receive))
    assert isinstance(spooled, tempfile.SpooledTemporaryFile)
    assert spooled._rolled  # type: ignore[attr-defined]
    spooled.close()
