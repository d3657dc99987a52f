"""Request bodies bounded before Django reads them, and kept in memory instead of a temporary file.

Django's ASGI handler reads the whole body before any view or middleware runs, spooling what is
over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file. `BodyLimitMiddleware` sits in front of it:
a declared Content-Length over the path's limit is refused unread, a body without one (chunked)
is counted as it arrives and cut off at the limit, a body that stalls is timed out, and only a
few large bodies per worker are read at once. Because every body that reaches Django is bounded
by then, `InMemoryBodyASGIHandler` can keep it in memory: a statement upload never touches the
disk.
"""

from __future__ import annotations

import asyncio
import io
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Set in the scope of every request when the server wrote the body to a temporary file before
# the application was called (daphne: Twisted spools bodies over 100 KB).
SPOOLED_BY_SERVER = "web.body_spooled_by_server"
DISCONNECT: Message = {"type": "http.disconnect"}


def bodies_reach_disk(request: HttpRequest) -> bool:
    """True when this request's server writes request bodies to disk before the app sees them."""
    return bool(getattr(request, "scope", {}).get(SPOOLED_BY_SERVER))


@dataclass(frozen=True)
class LargeBody:
    """A request (method and exact path) allowed a bigger body than the default."""

    method: str
    path: str
    limit: int


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header; None without one (a chunked body); -1 if it is not a number."""
    values = [
        value for name, value in scope.get("headers", ()) if name.lower() == b"content-length"
    ]
    if not values:
        return None
    if len(set(values)) != 1 or not values[0].strip().isdigit():
        return -1
    return int(values[0])


class BodyLimitMiddleware:
    """ASGI middleware bounding every HTTP request body before the application reads any of it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        large: tuple[LargeBody, ...] = (),
        large_at_once: int = 2,
        queue_seconds: float = 10.0,
        idle_seconds: float = 30.0,
        server_spools_bodies: bool = False,
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.large = {(entry.method, entry.path): entry.limit for entry in large}
        self.large_at_once = large_at_once
        self.queue_seconds = queue_seconds
        self.idle_seconds = idle_seconds
        self.server_spools_bodies = server_spools_bodies
        # One semaphore per event loop (a worker process runs one), made on first use.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def limit_for(self, scope: Scope) -> int:
        return self.large.get((scope.get("method", ""), scope.get("path", "")), self.default_limit)

    def _large_slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.large_at_once)
        return slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.server_spools_bodies:
            scope[SPOOLED_BY_SERVER] = True
        limit = self.limit_for(scope)
        declared = declared_length(scope)
        if declared == -1:
            await _plain_response(send, 400, "The Content-Length header is not a number.")
            return
        if declared is not None and declared > limit:
            if limit > self.default_limit:
                # This path's view words its own limit for the person: it gets the header and
                # an empty body (and Connection: close, as the unread bytes are never read).
                body = _Body(limit, 0.0)
                body.refused = True
                await self.app(scope, body.empty_receive(), body.send_closing(send))
                return
            await _plain_response(send, 413, _too_large_text(limit))
            return
        if limit <= self.default_limit or (declared is not None and declared <= self.default_limit):
            await self._run(scope, receive, send, limit)
            return
        # A body that may be large: only a few are read into memory at once in this worker.
        slots = self._large_slots()
        try:
            async with asyncio.timeout(self.queue_seconds):
                await slots.acquire()
        except TimeoutError:
            await _plain_response(
                send,
                503,
                "The server is busy reading other uploads. Try again in a minute.",
                extra=[(b"retry-after", b"30")],
            )
            return
        try:
            await self._run(scope, receive, send, limit)
        finally:
            slots.release()

    async def _run(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        body = _Body(limit, self.idle_seconds)
        await self.app(scope, body.counting_receive(receive), body.send_closing(send))
        if body.response_started:
            return
        if body.too_large:
            await _plain_response(send, 413, _too_large_text(limit))
        elif body.timed_out:
            await _plain_response(send, 408, "The request body stopped arriving.")


class _Body:
    """What one request's body did: bytes seen, and whether it was cut off."""

    def __init__(self, limit: int, idle_seconds: float) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.received = 0
        self.complete = False
        self.too_large = False
        self.timed_out = False
        self.refused = False
        self.response_started = False

    @property
    def cut_off(self) -> bool:
        return self.too_large or self.timed_out or self.refused

    def counting_receive(self, receive: Receive) -> Receive:
        async def limited() -> Message:
            if self.cut_off:
                return dict(DISCONNECT)
            if self.complete:
                # After the body: the application waits for the client to leave, for as long
                # as the response lasts (a live stream); no timeout applies.
                return await receive()
            try:
                async with asyncio.timeout(self.idle_seconds):
                    message = await receive()
            except TimeoutError:
                self.timed_out = True
                return dict(DISCONNECT)
            if message["type"] != "http.request":
                return message
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                # The application hears that the client left, and drops what it read; the
                # middleware then answers 413 and closes the connection.
                self.too_large = True
                return dict(DISCONNECT)
            if not message.get("more_body", False):
                self.complete = True
            return message

        return limited

    def empty_receive(self) -> Receive:
        async def empty() -> Message:
            if not self.complete:
                self.complete = True
                return {"type": "http.request", "body": b"", "more_body": False}
            # The server's receive would hand over the refused bytes: never ask it again. The
            # application stops waiting (cancels this) once its short answer is sent.
            await asyncio.Event().wait()
            return dict(DISCONNECT)

        return empty

    def send_closing(self, send: Send) -> Send:
        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.response_started = True
                if self.cut_off or not self.complete:
                    # Bytes of this body are still on the way: the connection cannot carry
                    # another request, and keeping it open would wait for them.
                    headers = [
                        (name, value)
                        for name, value in message.get("headers", ())
                        if name.lower() != b"connection"
                    ]
                    message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        return closing


def _too_large_text(limit: int) -> str:
    return f"The request body is too large: the limit here is {limit:,} bytes."


async def _plain_response(
    send: Send, status: int, text: str, *, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = (text + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class InMemoryBodyASGIHandler(ASGIHandler):
    """Django's ASGI handler, keeping the request body in memory (never a temporary file).

    Only safe behind `BodyLimitMiddleware`, which has bounded the body already; `max_body_bytes`
    (the largest limit it lets through) is a second fence: a bigger body is dropped unread.
    """

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__()
        self.max_body_bytes = max_body_bytes

    async def read_body(self, receive: Receive) -> io.BytesIO:  # type: ignore[override]
        body = io.BytesIO()
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                raise RequestAborted()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                body.close()
                raise RequestAborted()
            body.write(chunk)
            if not message.get("more_body", False):
                break
        body.seek(0)
        return body
