"""Django's ASGI handler with one thread hop per request for sync views (issue 14).

Under ASGI Django runs its middleware chain on the event loop and hops to a thread for each
sync-only piece: every `MiddlewareMixin` middleware (Django's own included) runs its
`process_request` and `process_response` through `sync_to_async`, WhiteNoise is sync only, the
view is sync, the request_started signal's receivers are sync, and so is `response.close()`. Each
hop is a hand-off between the loop and a thread (about 0.1 ms plus GIL contention), a dozen per
request, which WSGI never pays.

Every view of this site is sync except the results page and its event stream (and the what-if
socket, which is not HTTP). So a request whose URL resolves to a sync view (or to nothing: the
404 page is sync too) is answered the way WSGI does it, in ONE hop to the thread Django keeps
for sync code: request_started, the whole middleware chain built in sync mode and the view,
and (for a response that is not streamed) its close(). Async views keep Django's own async path
untouched, so the event stream and its disconnect handling stay exactly as before; an async
view marked with `async_only_when` (the results page: only its no-JavaScript computation
waits on the event loop for long) takes the one-hop path for its other requests, answered by
its sync twin. That one hop is a plain `run_in_executor` on the request's thread (`_run_on`),
not asgiref's `sync_to_async`, whose extra machinery the path never uses and which made a hop
cost about half as much again on a 2-core machine (docs/performance.md, 2026-12-06).

No request gets a thread of its own. Django enters a ThreadSensitiveContext for every request,
and the first sync piece of a request starts a thread that lives as long as the request: a thread
started and joined per page, and one per open event stream, most of them idle for minutes (1,050
streams held 983 threads). Here requests are lent long-lived threads (`SyncThreads`: sync views
SYNC_VIEW_THREADS of them, Django's async path ASYNC_PATH_SYNC_THREADS), the least busy first, as
asgiref's `ThreadSensitiveContext(executor=...)` allows: each request's sync code still runs on
one thread, in order, which is all thread-sensitive mode promises Django (database connections
are per thread; no transaction spans two hops).

Streamed responses from the sync path (WhiteNoise's static files are FileResponses) would be
buffered whole by Django ("StreamingHttpResponse must consume synchronous iterators"): their
iterator is read here chunk by chunk in a worker thread instead, so a static file is streamed
from disk with bounded memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import io
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpRequest, HttpResponseBase, QueryDict
from django.urls import Resolver404, ResolverMatch, get_resolver, set_script_prefix

from web.bodylimit import InMemoryBodyASGIHandler, Receive, Scope, Send

_END = object()
T = TypeVar("T")
V = TypeVar("V", bound=Callable[..., Any])
# Threads shared by the requests on Django's async path (see the module doc): their sync work is
# short (middleware, a database read, a template), so a few threads keep one slow piece from
# holding up every stream without costing a thread per open stream.
ASYNC_PATH_SYNC_THREADS = 4
# Threads the sync views run in, like a threaded WSGI worker's: long-lived, so a thread is not
# started and joined for every request, and (with DJANGO_DB_CONN_MAX_AGE) each keeps its database
# connection from one request to the next instead of opening one per request.
SYNC_VIEW_THREADS = 8


class SyncThreads:
    """Long-lived one-thread executors lent to requests, the least busy first.

    A request's sync code runs on the one thread it is lent, in order, which is all that
    asgiref's thread-sensitive mode promises Django; requests share threads only when every
    thread is busy (then the one with the fewest requests), so a slow request holds up others
    only when all of them are taken.
    """

    def __init__(self, count: int, name: str) -> None:
        self.executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) for _ in range(count)
        ]
        self.busy = [0] * count  # requests lent each thread (changed on the event loop only)
        self.turn = 0

    @contextlib.contextmanager
    def borrowed(self) -> Iterator[ThreadPoolExecutor]:
        """One of the threads (its executor), the least busy, for the block."""
        count = len(self.executors)
        self.turn = (self.turn + 1) % count
        index = min(
            ((self.turn + step) % count for step in range(count)), key=self.busy.__getitem__
        )
        self.busy[index] += 1
        try:
            yield self.executors[index]
        finally:
            self.busy[index] -= 1

    @contextlib.asynccontextmanager
    async def lent(self) -> AsyncIterator[None]:
        """Run the block's thread-sensitive calls (asgiref's sync_to_async) on one thread."""
        with self.borrowed() as thread:
            async with ThreadSensitiveContext(executor=thread):
                yield


class OneHopASGIHandler(InMemoryBodyASGIHandler):
    """InMemoryBodyASGIHandler answering sync views in one thread hop (see the module doc)."""

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__(max_body_bytes)
        # The same middleware, built in sync mode as WSGI builds it.
        self._sync_handler = _SyncPathHandler()
        self._sync_handler.load_middleware(is_async=False)
        self._async_path_threads = SyncThreads(ASYNC_PATH_SYNC_THREADS, "async-path-sync")
        self._sync_view_threads = SyncThreads(SYNC_VIEW_THREADS, "sync-view")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"][len(get_script_prefix(scope).rstrip("/")) :]
        if _takes_async_path(path, scope.get("query_string", b"")):
            # Inside Django's per-request context: this one, with a shared thread, takes over.
            async with self._async_path_threads.lent():
                await super().handle(scope, receive, send)
            return
        with self._sync_view_threads.borrowed() as thread:
            await self._handle_sync_view(scope, receive, send, thread)

    async def _handle_sync_view(
        self, scope: Scope, receive: Receive, send: Send, thread: ThreadPoolExecutor
    ) -> None:
        """A sync view's request as WSGI would answer it, in one hop to its thread."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await _run_on(thread, self._respond, scope, body_file)
            if response.streaming and not response.is_async:
                if isinstance(response, FileResponse):
                    response.block_size = self.chunk_size
                response.streaming_content = _read_off_loop(iter(response.streaming_content))
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await _run_on(thread, response.close)
        finally:
            body_file.close()

    def _respond(self, scope: Scope, body_file: io.BytesIO) -> HttpResponseBase:
        """What WSGIHandler.__call__ does, in the thread lent to the request."""
        # In the thread, as WSGI does: values kept in asgiref Locals are the thread's (_run_on).
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = error_response if request is None else self._sync_handler.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if not response.streaming:
            # The content is all there already: closing now (request_finished, database
            # connections given back) saves the extra hop Django makes after sending.
            response.close()
        return response


def async_only_when(
    needs_async: Callable[[QueryDict], bool], sync_twin: Callable[..., HttpResponseBase]
) -> Callable[[V], V]:
    """Mark an async view that needs Django's async path only for some requests (judged by the
    query string); the others take the one-hop path and are answered by `sync_twin`, a sync
    view doing the same work for them. (Django would run the async view there through
    async_to_sync: a new thread and event loop per request, about 0.55 ms, and a hop back to
    the sync thread for its database work, 0.78 ms in all on this machine.)"""

    def mark(view: V) -> V:
        view.needs_async = needs_async  # type: ignore[attr-defined]
        view.sync_twin = sync_twin  # type: ignore[attr-defined]
        return view

    return mark


async def _run_on(thread: ThreadPoolExecutor, function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` on `thread`, in a copy of this task's context.

    What `sync_to_async(thread_sensitive=True)` does inside a ThreadSensitiveContext, without
    what the one-hop path never uses: calls to async_to_sync inside routed back to this loop
    (no sync view here makes one) and context changes copied back (nothing after the hop
    reads them). Values Django keeps in asgiref Locals (the script prefix, the active
    language) are therefore set in the thread, as WSGI sets them, not carried over from the
    loop. Measured on a 2-core AMD EPYC (2026-12-06): a bare hop costs about 150 µs of CPU
    through asgiref and 100 µs this way. If the request's task is cancelled (the
    server stopping), the call still runs to its end first, as with asgiref, so the request's
    body and thread are never taken from under it.
    """
    call = asyncio.get_running_loop().run_in_executor(
        thread, contextvars.copy_context().run, function, *args
    )
    try:
        return await asyncio.shield(call)
    except asyncio.CancelledError:
        if not call.done():
            await asyncio.wait((call,))
        raise


class _SyncPathHandler(BaseHandler):
    """Django's sync handler, answering a marked async view with its sync twin."""

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = super().resolve_request(request)
        twin = getattr(match.func, "sync_twin", None)
        if twin is not None:
            match.func = twin
        return match


def _takes_async_path(path: str, query_string: bytes) -> bool:
    view = _async_view(path)
    if view is None:
        return False
    needs_async = getattr(view, "needs_async", None)
    return needs_async is None or needs_async(QueryDict(query_string))


def _is_async_view(path: str) -> bool:
    return _async_view(path) is not None


@functools.lru_cache(maxsize=4096)
def _async_view(path: str) -> Callable[..., Any] | None:
    """The async view the path resolves to, if it does (cached: URL patterns never change)."""
    try:
        match = get_resolver().resolve(path or "/")
    except Resolver404:
        return None
    is_async = getattr(match.func, "view_is_async", False) or iscoroutinefunction(match.func)
    return match.func if is_async else None


async def _read_off_loop(iterator: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A sync iterator (e.g. a file read in blocks) consumed one chunk at a time in a thread."""
    while (chunk := await sync_to_async(next, thread_sensitive=False)(iterator, _END)) is not _END:
        yield chunk  # type: ignore[misc]
