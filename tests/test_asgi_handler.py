"""web/handler.py: sync views answered in one thread hop, async views on Django's own path,
static files streamed from disk instead of buffered (issue 14)."""

from __future__ import annotations

import asyncio
import re
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import AsyncToSync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from tests.results.asyncio_helpers import run
from web.handler import OneHopASGIHandler, SyncThreads, _is_async_view, _takes_async_path

HTMX = Path(settings.BASE_DIR) / "static" / "vendor" / "htmx.min.js"


def scope(path: str, root_path: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": root_path,
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 40000),
        "server": ("localhost", 80),
    }


def get(
    application: Any, path: str, root_path: str = ""
) -> tuple[int, dict[bytes, bytes], bytes, int]:
    # In a thread of its own: a browser test run before on this worker leaves Playwright's
    # event loop running in this one.
    return run(lambda: _get(application, path, root_path))


async def _get(
    application: Any, path: str, root_path: str = ""
) -> tuple[int, dict[bytes, bytes], bytes, int]:
    """(status, headers, body, body messages) of a GET through an ASGI application."""
    communicator = ApplicationCommunicator(application, scope(path, root_path))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(30)
    body, messages = b"", 0
    while True:
        message = await communicator.receive_output(30)
        body += message.get("body", b"")
        messages += 1
        if not message.get("more_body", False):
            break
    await communicator.wait(30)
    return start["status"], dict(start["headers"]), body, messages


def without_tokens(body: bytes) -> bytes:
    return re.sub(rb"[A-Za-z0-9]{64}", b"", body)


def test_a_page_is_the_same_as_through_djangos_own_asgi_handler() -> None:
    one_hop = get(OneHopASGIHandler(max_body_bytes=1 << 20), "/")
    django = get(ASGIHandler(), "/")
    assert one_hop[0] == django[0] == 200
    assert sorted(one_hop[1]) == sorted(django[1])
    assert without_tokens(one_hop[2]) == without_tokens(django[2])
    missing = get(OneHopASGIHandler(max_body_bytes=1 << 20), "/no-such-page/")
    assert missing[0] == 404 and b"<html" in missing[2]


def test_a_site_under_a_sub_path_links_to_it_and_the_next_request_does_not_inherit_it() -> None:
    # The script prefix lives in an asgiref Local, set in the request's thread (web/handler.py
    # _run_on); one thread serves both requests here.
    handler = OneHopASGIHandler(max_body_bytes=1 << 20)
    handler._sync_view_threads = SyncThreads(1, "test-one-thread")
    status, _, body, _ = get(handler, "/guru/", root_path="/guru")
    assert status == 200 and b'href="/guru/cards/"' in body
    status, _, body, _ = get(handler, "/")
    assert status == 200 and b'href="/cards/"' in body and b"/guru/" not in body


def test_a_static_file_is_streamed_from_disk_not_buffered() -> None:
    handler = OneHopASGIHandler(max_body_bytes=1 << 20)
    handler.chunk_size = 16 * 1024  # smaller than the file: several reads from disk
    with warnings.catch_warnings():
        # Django warns when it has to buffer a streamed response whole under ASGI.
        warnings.filterwarnings("error", message=".*must consume synchronous iterators.*")
        status, headers, body, messages = get(handler, "/static/vendor/htmx.min.js")
    assert status == 200
    assert body == HTMX.read_bytes()
    assert headers[b"Content-Length"] == str(len(body)).encode()
    assert messages > len(body) // handler.chunk_size


def test_djangos_own_handler_would_buffer_it() -> None:
    # The failure the test above guards against, shown on Django's handler.
    with pytest.warns(Warning, match="must consume synchronous iterators"):
        get(ASGIHandler(), "/static/vendor/htmx.min.js")


def test_only_async_views_take_djangos_async_path() -> None:
    assert _is_async_view("/results/abc123/")
    assert _is_async_view("/results/abc123/stream/")
    assert not _is_async_view("/")
    assert not _is_async_view("/cards/")
    assert not _is_async_view("/wizard/spending/")
    assert not _is_async_view("/results/abc123/change/")
    assert not _is_async_view("/no-such-page/")


def test_the_results_page_waits_on_the_event_loop_only_to_compute_without_javascript() -> None:
    assert not _takes_async_path("/results/abc123/", b"")
    assert not _takes_async_path("/results/abc123/", b"now=0")
    assert _takes_async_path("/results/abc123/", b"now=1")
    assert _takes_async_path("/results/abc123/stream/", b"")
    assert not _takes_async_path("/cards/", b"now=1")


@pytest.mark.django_db(transaction=True)
def test_the_results_page_without_computing_is_answered_by_its_sync_twin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Django would run the async view through async_to_sync on the sync path: a hop to an
    # event loop and back for every page. The twin answers it without one.
    def no_event_loop(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("async_to_sync used on the one-hop path")

    monkeypatch.setattr(AsyncToSync, "__call__", no_event_loop)
    status, _, body, _ = get(OneHopASGIHandler(max_body_bytes=1 << 20), "/results/abc123/")
    assert status == 404 and b"<html" in body


def test_requests_are_lent_long_lived_threads_the_least_busy_first() -> None:
    """No thread is started per request; a request's sync calls stay on its one thread, and a
    request waits behind another only when every thread is taken."""
    threads = SyncThreads(2, "test-sync")

    async def scenario() -> tuple[list[int], list[int], list[int]]:
        gate = threading.Event()
        first: list[int] = []
        second: list[int] = []

        async def request(seen: list[int], wait: bool) -> None:
            async with threads.lent():
                seen.append(await sync_to_async(threading.get_ident)())
                if wait:
                    await sync_to_async(gate.wait)()
                seen.append(await sync_to_async(threading.get_ident)())

        slow = asyncio.ensure_future(request(first, wait=True))
        while len(first) < 1:
            await asyncio.sleep(0.01)
        await request(second, wait=False)  # the other thread is idle: it does not wait
        gate.set()
        await slow
        later: list[int] = []
        await request(later, wait=False)
        return first, second, later

    first, second, later = run(scenario)
    assert first[0] == first[1] and second[0] == second[1]
    assert first[0] != second[0]
    assert {later[0]} <= {first[0], second[0]}  # the same two threads, not a new one
    assert threads.busy == [0, 0]
