"""The what-if WebSocket: edited amounts in, HTML fragments out (docs/design.md section 11).

One socket per results page. Each message is the panel's form as htmx's WebSocket extension
sends it (a JSON object of field values plus a HEADERS object); each answer is the panel's
status, ranking and save form as fragments that htmx swaps by id. Nothing is saved.

Under pressure: only the latest message waiting per socket is computed (older ones are dropped,
typing makes many), at most one computation per socket runs at a time, off the event loop
(`run_engine`), a per-address socket limit is kept in the database (so it holds across workers
and hosts), and a socket is closed after idle time, after its maximum lifetime, or for a message
that is oversized, malformed or one of too many per second: always with a close code from the
list below and one log line, never a traceback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import connection

from catalog.engine_catalog import current_engine_catalog
from results import engine_runner
from results.events import engine_catalog_key
from rewards.catalog import Catalog
from rewards.engine import EngineError, Options, SearchCancelled
from whatif.answers import answer_key, rendered_answers
from whatif.compare import TOP_PER_SIZE, JobAnswer, SavedAnswer, answer_job
from whatif.forms import WhatIfForm
from whatif.fragments import (
    answer_context,
    invalid_context,
    render_fragment,
    status_only,
)
from whatif.models import SocketLease
from wizard.models import SpendingProfile

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Close codes (RFC 6455 section 7.4.1; 4000-4999 are this application's own).
CLOSE_BINARY = 1003  # a binary frame: this socket speaks JSON text
CLOSE_MALFORMED = 1007  # not a JSON object of field values
CLOSE_TOO_FAST = 1008  # policy: more messages a second than typing makes, for a while
CLOSE_TOO_BIG = 1009  # a message over MAX_MESSAGE_CHARS
CLOSE_FAILED = 1011  # our own error (logged with its traceback: a bug, not bad input)
CLOSE_UNKNOWN_TOKEN = 4404  # no saved answer has this token
CLOSE_IDLE = 4408  # idle for WHATIF_IDLE_SECONDS, or open for WHATIF_MAX_SECONDS
CLOSE_TOO_MANY_SOCKETS = 4429  # the address has WHATIF_SOCKETS_PER_IP sockets open already

# The panel's form is 19 fields and htmx's headers: about 1 KB. Far bigger is not our page.
MAX_MESSAGE_CHARS = 16 * 1024
MAX_FIELDS = 64
# Typing, debounced by the page (300 ms), makes a few messages a second; a burst allowance
# covers a queue flushed after a reconnect.
MESSAGES_PER_SECOND = 10
MESSAGE_BURST = 30
CATALOG_CHECK_SECONDS = 10


async def run_engine(
    job: Callable[..., T], args: tuple[Any, ...], *, catalog: tuple[str, Catalog], label: str
) -> T:
    """Run engine work in the engine processes the live results stream uses.

    The one seam between this app and the engine's executor (results.engine_runner): the run
    waits for one of the worker's computation slots, the search runs in an engine process (off
    this event loop and its GIL), and cancelling the awaiting task stops the search.
    """
    items = engine_runner.run_engine(
        job,
        args,
        catalog=catalog,
        label=label,
        heartbeat_seconds=settings.RESULTS_STREAM_HEARTBEAT_SECONDS,
    )
    async with aclosing(items):
        async for item in items:
            if isinstance(item, engine_runner.Progress | engine_runner.Heartbeat):
                continue
            return item
    raise RuntimeError("the engine run ended without an answer")


class BadMessage(Exception):
    """A message this socket refuses: close code and a reason for the log and the client."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def in_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Database work off the event loop, closing the thread's connection after it.

    Not thread-sensitive: Channels runs consumers outside any request's thread context, so the
    default would queue every socket's queries of the worker behind one shared thread. The
    connection is closed explicitly (a socket lives for minutes: holding one per thread of the
    pool would keep idle connections open; the test database could not be dropped either).
    """

    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:
                connection.close()

    return database_sync_to_async(run, thread_sensitive=False)


def parse_message(text: str) -> dict[str, str]:
    """The form fields of one message, or BadMessage."""
    try:
        data = json.loads(text)
    except ValueError:
        raise BadMessage(CLOSE_MALFORMED, "not JSON") from None
    if not isinstance(data, dict):
        raise BadMessage(CLOSE_MALFORMED, "not a JSON object")
    data.pop("HEADERS", None)  # htmx's request headers: nothing the answer depends on
    if len(data) > MAX_FIELDS:
        raise BadMessage(CLOSE_MALFORMED, f"{len(data)} fields")
    for name, value in data.items():
        if not isinstance(value, str):
            raise BadMessage(CLOSE_MALFORMED, f"field {name[:40]!r} is not a string")
    return data


class MessageRate:
    """A token bucket: MESSAGE_BURST at once, then MESSAGES_PER_SECOND."""

    def __init__(self) -> None:
        self.tokens = float(MESSAGE_BURST)
        self.at = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(MESSAGE_BURST, self.tokens + (now - self.at) * MESSAGES_PER_SECOND)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def client_address(scope: dict[str, Any]) -> str:
    """The client's address (the proxy's X-Forwarded-For when the site is behind one).

    The same rule as the live results stream's, read from the ASGI scope; an address that does
    not parse (a unix socket has none) counts as 0.0.0.0.
    """
    address = ""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                address = value.decode("latin-1").split(",")[0].strip()
                break
    if not address and scope.get("client"):
        address = str(scope["client"][0])
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"


class WhatIfConsumer(AsyncWebsocketConsumer):
    """One results page's live what-if panel."""

    profile: SpendingProfile | None = None
    lease: SocketLease | None = None

    async def connect(self) -> None:
        self.address = client_address(self.scope)
        self.token = self.scope["url_route"]["kwargs"]["token"]
        self.label = f"what-if {self.token[:6]} from {self.address}"
        self.pending: dict[str, str] | None = None
        self.worker: asyncio.Task[None] | None = None
        self.watchdog: asyncio.Task[None] | None = None
        self.closing = False
        self.rate = MessageRate()
        self.catalog: Catalog | None = None
        self.catalog_entry: tuple[str, Catalog] | None = None
        self.catalog_checked = 0.0
        self.saved_options: Options | None = None
        self.saved: SavedAnswer | None = None
        self.saved_fingerprint = ""
        self.dropped = 0
        # Accept first: a close code sent before accepting reaches the browser as a bare 403.
        await self.accept()
        self.profile = await in_thread(SpendingProfile.with_token)(self.token)
        if self.profile is None:
            await self._close(CLOSE_UNKNOWN_TOKEN, "no saved answer with this link")
            return
        self.lease = await in_thread(SocketLease.objects.take)(
            self.address, limit=settings.WHATIF_SOCKETS_PER_IP, seconds=_lease_seconds()
        )
        if self.lease is None:
            await self._send_status(
                "Too many live panels are open from your address: close some tabs, or use the "
                "button below the amounts.",
                problem=True,
            )
            await self._close(CLOSE_TOO_MANY_SOCKETS, "too many sockets from this address")
            return
        self.opened = self.last_seen = time.monotonic()
        self.watchdog = asyncio.create_task(self._watch())

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing or self.lease is None:
            return
        self.last_seen = time.monotonic()
        try:
            if text_data is None:
                raise BadMessage(CLOSE_BINARY, "a binary message")
            if len(text_data) > MAX_MESSAGE_CHARS:
                raise BadMessage(CLOSE_TOO_BIG, f"a message of {len(text_data):,} characters")
            if not self.rate.allow():
                raise BadMessage(CLOSE_TOO_FAST, "too many messages a second")
            fields = parse_message(text_data)
        except BadMessage as bad:
            await self._send_status(
                f"This live panel stopped ({bad.reason}). Reload the page to start it again.",
                problem=True,
            )
            await self._close(bad.code, bad.reason)
            return
        # Only the latest message matters: one waiting before it is replaced, not queued.
        if self.pending is not None:
            self.dropped += 1
        self.pending = fields
        if self.worker is None:
            self.worker = asyncio.create_task(self._answer_pending())

    async def disconnect(self, code: int) -> None:
        self.closing = True
        for task in (self.worker, self.watchdog):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        await self._release()
        logger.info("what-if socket closed (%s): %s", code, self.label)

    async def _answer_pending(self) -> None:
        """Answer the latest waiting message until none is left; one computation at a time."""
        try:
            while self.pending is not None and not self.closing:
                fields, self.pending = self.pending, None
                html = await self._answer(fields)
                if not self.closing:
                    await self._send(html)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("what-if answer failed: %s", self.label)
            await self._close(CLOSE_FAILED, "internal error")
        finally:
            self.worker = None
            self.last_seen = time.monotonic()  # idle time counts from the answer, not the ask

    async def _answer(self, fields: dict[str, str]) -> str:
        """The fragments for one message: the new ranking, or what is wrong with the amounts.

        Amounts this worker has answered before for the same saved answer and catalog are
        answered from `rendered_answers`, without an engine run.
        """
        assert self.profile is not None
        form = WhatIfForm(fields)
        if not form.is_valid():
            return render_fragment("answer", invalid_context(form))
        key, catalog = await self._catalog()
        if catalog is not self.catalog:
            # First message, or the catalog changed since the last: rank the saved answer again.
            self.catalog, self.saved = catalog, None
            self.saved_options = self.profile.engine_input(catalog, top_n=TOP_PER_SIZE).options
            self.saved_fingerprint = self.profile.fingerprint()
        assert self.saved_options is not None
        spend = form.spend()
        cache_key = answer_key(key, self.saved_fingerprint, spend, form.wallet_size)
        cached = rendered_answers.get(cache_key)
        if cached is not None:
            return cached
        try:
            answered: JobAnswer = await run_engine(
                answer_job,
                (self.profile.spend(), self.saved_options, self.saved, spend, form.wallet_size),
                catalog=(key, catalog),
                label=self.label,
            )
        except SearchCancelled:
            raise asyncio.CancelledError from None
        except EngineError as error:
            words = f"We could not work these amounts out ({error})."
            return render_fragment("answer", status_only(words, problem=True))
        self.saved = answered.update(self.saved)
        html = render_fragment("answer", answer_context(self.profile, form, answered.comparison))
        rendered_answers.put(cache_key, html)
        return html

    async def _catalog(self) -> tuple[str, Catalog]:
        """The engine's catalog, asked of the database at most every CATALOG_CHECK_SECONDS.

        Each ask is a thread hop and a query; typing sends several messages a second, and an
        editor's change to the catalog may take that long to reach an open socket.
        """
        now = time.monotonic()
        if self.catalog_entry is None or now - self.catalog_checked > CATALOG_CHECK_SECONDS:
            self.catalog_checked = now
            assert self.profile is not None
            held = tuple(self.profile.held_cards or ())
            version, catalog = await in_thread(current_engine_catalog)(held)
            self.catalog_entry = (engine_catalog_key(version, catalog), catalog)
        return self.catalog_entry

    async def _watch(self) -> None:
        """Close the socket once it has been idle, or open, for too long."""
        while not self.closing:
            # A socket whose answer is still being worked out is not idle: on a busy machine the
            # first answer (the saved ranking too) can take longer than the idle time.
            if self.worker is not None:
                self.last_seen = time.monotonic()
            idle_end = self.last_seen + settings.WHATIF_IDLE_SECONDS
            life_end = self.opened + settings.WHATIF_MAX_SECONDS
            wait = min(idle_end, life_end) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            await self._send_status("Paused while you were away: type to carry on.")
            reason = "idle" if idle_end <= life_end else "open too long"
            await self._close(CLOSE_IDLE, reason, level=logging.INFO)
            return

    async def _send(self, html: str) -> None:
        """Send fragments; a client that has just gone is not an error (its disconnect follows)."""
        try:
            await self.send(text_data=html)
        except OSError:
            self.closing = True

    async def _send_status(self, words: str, *, problem: bool = False) -> None:
        await self._send(render_fragment("status", status_only(words, problem=problem)))

    async def _close(self, code: int, reason: str, *, level: int = logging.WARNING) -> None:
        """Close with a code and one log line; the lease goes back first, so a client told its
        socket is closed (and reopening it) no longer counts against its address."""
        self.closing = True
        if self.dropped:
            reason += f" ({self.dropped} stale messages dropped)"
        logger.log(level, "what-if socket closing (%d, %s): %s", code, reason, self.label)
        await self._release()
        await self.close(code=code, reason=reason[:120])

    async def _release(self) -> None:
        """Give the lease back, also when this task is cancelled midway (shielded)."""
        lease, self.lease = self.lease, None
        if lease is not None:
            release = asyncio.ensure_future(in_thread(SocketLease.objects.release)(lease))
            _pending_releases.add(release)
            release.add_done_callback(_pending_releases.discard)
            await asyncio.shield(release)


# Releases still running after their socket's task was cancelled (asyncio keeps only weak
# references to tasks).
_pending_releases: set[asyncio.Future[None]] = set()


def _lease_seconds() -> int:
    return settings.WHATIF_MAX_SECONDS + 60


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other WebSocket path: refused at the handshake, like a 404."""

    async def connect(self) -> None:
        await self.close()
