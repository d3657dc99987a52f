"""The results permalink, its live stream (Server-Sent Events), and "change my answers"."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from catalog.engine_catalog import engine_version
from results.cache import lookup, mark_shown, page_identity
from results.events import (
    DONE_EVENT_ID,
    RESULTS_EVENT_ID,
    Done,
    Event,
    Insight,
    Ranking,
    Status,
    insight_event_id,
    result_events,
)
from results.leases import (
    local_streams,
    open_streams,
    release_lease_surely,
    renew_lease,
    take_lease_surely,
)
from results.models import StreamLease
from results.payloads import find_wallet, insight_slots
from results.sse import EventStreamResponse, ServerSentEvent, sse_comment
from web.client import client_ip
from web.db import run_db
from web.handler import async_only_when
from web.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from web.pagecache import HOLES, from_cache, page_key, shareable, to_cache
from wizard.models import SpendingProfile

logger = logging.getLogger(__name__)


def _profile(token: str) -> SpendingProfile | None:
    return SpendingProfile.with_token(token)


@require_safe
def detail_page(request: HttpRequest, token: str) -> HttpResponse:
    """The results permalink when nothing is computed in the request (under the one-hop
    handler, web/handler.py: no event loop started for a page that needs none)."""
    return _detail_page(request, token)


@async_only_when(lambda query: query.get("now") == "1", sync_twin=detail_page)
@require_safe
async def detail(request: HttpRequest, token: str) -> HttpResponse:
    """The results permalink: cached results at once, else a live stream (or, without JS, now)."""
    # Without JavaScript the page is computed inside this request (noscript sends ?now=1).
    if request.GET.get("now") == "1":
        profile = await run_db(_profile, token)
        if profile is not None and profile.has_spending():
            await _compute_for_a_while(profile, settings.RESULTS_INLINE_SECONDS)
    # One hand-off to a thread for the page: reading the profile and rendering (or reading the
    # shared copy) together.
    return await sync_to_async(_detail_page)(request, token)


def _detail_page(request: HttpRequest, token: str) -> HttpResponse:
    # A complete result is usually in the shared page cache: one small read finds it.
    version = missed = None
    if shareable(request) and (identity := page_identity(token)) is not None:
        fingerprint, version = identity
        missed = page_key(request, "results", version, token, fingerprint)
        if (cached := from_cache(request, missed)) is not None:
            return cached
    profile = _profile(token)
    if profile is None:
        raise Http404("No results with that link.")
    if not profile.has_spending():
        messages.warning(request, "These answers have no spending yet: start with step 1.")
        return redirect("wizard:spending")
    return _render_detail(request, profile, version, missed)


async def _compute_for_a_while(profile: SpendingProfile, budget_seconds: float) -> None:
    """Drive the result's events (which cache what they compute) for a while.

    The ranking is always waited for; insights then get `budget_seconds` (the insight running
    when they are up is finished), and the page reloads itself (noscript refresh) to carry on
    from the cache.
    """
    deadline: float | None = None
    events = result_events(profile)
    try:
        async for event in events:
            if deadline is None and isinstance(event, Ranking):
                deadline = time.monotonic() + budget_seconds
            elif deadline is not None and time.monotonic() > deadline:
                break
    finally:
        await events.aclose()


def _render_detail(
    request: HttpRequest,
    profile: SpendingProfile,
    version: str | None = None,
    missed: str | None = None,
) -> HttpResponse:
    """The page for the profile. `version`: the engine version the caller has read; `missed`:
    a page key it has already looked up in vain (not looked up again)."""
    version = version or engine_version()
    # A complete result is the same page for everyone with the link until the catalog or the
    # answers change: it is rendered once into the shared cache (web/pagecache.py).
    key = None
    if shareable(request):
        key = page_key(request, "results", version, profile.token, profile.page_fingerprint())
        if key != missed and (cached := from_cache(request, key)) is not None:
            return cached
    state = lookup(profile, version)
    if state.ranking is not None:
        mark_shown(profile)
    context = {
        **(HOLES if key else {}),
        "profile": profile,
        "token": profile.token,
        "ranking": state.ranking,
        "slots": insight_slots(state.categories, state.insights),
        "complete": state.complete,
        "live": not state.complete,
        "permalink": request.build_absolute_uri(reverse("results:detail", args=[profile.token])),
        "resume_from": RESULTS_EVENT_ID if state.ranking is not None else 0,
    }
    response = render(request, "results/results.html", context)
    patch_vary_headers(response, ("HX-Request",))
    if key is None:
        return response
    return to_cache(request, key, response, store=state.complete)


@require_safe
def wallet_math(request: HtmxHttpRequest, token: str, wallet: str) -> HttpResponse:
    """One listed wallet's math: its own page, or the table for the results page's disclosure.

    The results page carries the chosen wallet's table; the runners-up's are fetched when
    opened (or opened as this page without JavaScript), which keeps the page light.
    """
    profile = get_object_or_404(SpendingProfile, token=token)
    state = lookup(profile, engine_version())
    results_url = reverse("results:detail", args=[profile.token])
    if state.ranking is None:
        # The catalog changed since (or the result was never computed): work it out again.
        messages.info(request, "These results are being worked out again with the latest cards.")
        if wants_partial(request):
            # Not the whole results page inside a disclosure: the browser goes there itself.
            return HttpResponseClientRedirect(results_url)
        return redirect(results_url)
    found = find_wallet(state.ranking, wallet)
    if found is None:
        raise Http404("These results list no wallet with these cards.")
    context = {
        "wallet": found,
        "results_url": results_url,
        "monthly_total": profile.monthly_total,
    }
    return render_page_or_partial(request, "results/math.html", "math", context)


@require_POST
def change_answers(request: HttpRequest, token: str) -> HttpResponse:
    """Open these answers in the wizard: a copy, unless this session is filling them in."""
    profile = get_object_or_404(SpendingProfile, token=token).opened_from_link(request.session)
    profile.bind_to_session(request.session)
    return redirect("wizard:spending")


def _profile_and_open_streams(token: str, ip: str) -> tuple[SpendingProfile | None, int]:
    """The profile, and how many streams its client's address holds open (reads only)."""
    profile = _profile(token)
    if profile is None or not profile.has_spending():
        return profile, 0
    return profile, open_streams(ip)


def last_event_id(request: HttpRequest) -> int:
    """Where a reconnecting client left off: the Last-Event-ID header, or ?last_event_id=."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or "0"
    try:
        return max(0, min(int(raw), DONE_EVENT_ID))
    except ValueError:
        return 0


@require_GET
async def stream(request: HttpRequest, token: str) -> HttpResponse:
    """Server-Sent Events for one profile's results."""
    # One trip to the database before the first event, and only reads: each trip is a thread
    # hand-off, and a write would wait for every other stream's cache writes (SQLite has one
    # writer at a time). The lease is written once the first event is out (see results.leases).
    ip = client_ip(request)
    profile, in_database = await run_db(_profile_and_open_streams, token, ip)
    if profile is None:
        raise Http404("No results with that link.")
    if not profile.has_spending():
        return HttpResponse("These answers have no spending yet.", status=409)
    if local_streams.over_limit(ip, in_database):
        return HttpResponse(TOO_MANY_STREAMS, status=429, content_type="text/plain; charset=utf-8")
    # Primed: the stream counts itself in this worker before its first await (so no other
    # request of this event loop slips between the check and the count), and its `finally`
    # undoes that and releases the lease however the request ends.
    return await EventStreamResponse.primed(_sse(profile, ip, last_event_id(request)))


TOO_MANY_STREAMS = (
    "Too many live results streams are open from your address. Close some tabs and reload this "
    "page."
)


async def _sse(profile: SpendingProfile, ip: str, resume_after: int) -> AsyncGenerator[bytes, None]:
    """The result's events as SSE; always releases the lease, also when the client leaves.

    The lease is taken right after the first event: another worker may have filled the
    address's quota since the view's check, and the lease's own transaction is the one that
    counts; a stream that loses that race ends with a `done` event saying so.
    """
    local_streams.opened(ip)
    started = time.monotonic()
    label = f"results {profile.token[:6]}"
    events = result_events(profile, resume_after=resume_after)
    renewed = time.monotonic()
    lease: StreamLease | None = None
    try:
        async for event in events:
            if lease is None:
                yield await _encode(event, profile.token)
                lease = await take_lease_surely(ip, profile.token)
                renewed = time.monotonic()
                if lease is None:
                    yield await _encode(Done(TOO_MANY_STREAMS), profile.token)
                    return
                continue
            # Events (heartbeats included) come at least every heartbeat interval.
            if time.monotonic() - renewed >= settings.RESULTS_STREAM_HEARTBEAT_SECONDS:
                await run_db(renew_lease, lease)
                renewed = time.monotonic()
            if time.monotonic() - started > settings.RESULTS_STREAM_MAX_SECONDS:
                message = "This took too long and was stopped. Reload to try again."
                yield await _encode(Done(message), profile.token)
                return
            yield await _encode(event, profile.token)
    except asyncio.CancelledError:
        logger.info("results stream closed by the client: %s", label)
        raise
    except Exception:
        logger.exception("results stream failed: %s", label)
        message = "Sorry, something went wrong while computing. Reload the page to try again."
        yield await _encode(Done(message), profile.token)
    finally:
        try:
            await events.aclose()
        finally:
            local_streams.closed(ip)
            if lease is not None:
                await release_lease_surely(lease)


async def _encode(event: Event, token: str) -> bytes:
    """One event on the wire; templates render in a thread, off the event loop."""
    if isinstance(event, Status):
        html = _progress_html(event.message, event.detail)
        return ServerSentEvent("progress", html, event.event_id).encode()
    if isinstance(event, Done):
        return ServerSentEvent("done", _progress_html(event.message, None), DONE_EVENT_ID).encode()
    if isinstance(event, Ranking):
        html = await _render_off_loop(
            "results/results.html#ranking",
            {"ranking": event.payload, "live": True, "token": token},
        )
        return ServerSentEvent("results", html, RESULTS_EVENT_ID).encode()
    if isinstance(event, Insight):
        slot = insight_slots([event.category], {event.category: event.payload})[0]
        html = await _render_off_loop("results/results.html#insight", {"slot": slot, "oob": True})
        return ServerSentEvent("insight", html, insight_event_id(event.category)).encode()
    return sse_comment("heartbeat")


async def _render_off_loop(template: str, context: dict[str, Any]) -> str:
    return await sync_to_async(render_to_string, thread_sensitive=False)(template, context)


def _progress_html(message: str, detail: str | None) -> str:
    return render_to_string("results/_progress.html", {"message": message, "detail": detail})
