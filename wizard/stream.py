"""The live results stream: progress, the ranking, then break-even insights, over SSE.

Nothing here lives in process memory between requests: the profile comes from the database by
its token and every result is cached there, so a reconnect may land on any worker or host and
resume after its Last-Event-ID.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from datetime import timedelta
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from catalog.models import CatalogVersion
from rewards.engine import SearchCancelled
from web.clientip import client_ip
from wizard.models import SpendingProfile, StreamLease
from wizard.results import (
    DONE_EVENT_ID,
    FIRST_PROGRESS_EVENT_ID,
    LAST_PROGRESS_EVENT_ID,
    RANKING_KEY,
    RESULTS_EVENT_ID,
    cached_many,
    compute_ranking,
    insight_categories,
    insight_event_id,
    insight_key,
    insight_slots,
    mark_shown,
    safe_insight,
    store,
    top_pick,
)
from wizard.streaming import (
    Cancelled,
    EventStreamResponse,
    Heartbeat,
    Progress,
    ServerSentEvent,
    run_in_thread,
    sse_comment,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Progress events are throttled: enough to look alive, few enough to cost nothing.
PROGRESS_INTERVAL_SECONDS = 0.1


def last_event_id(request: HttpRequest) -> int:
    """Where a reconnecting client left off: the Last-Event-ID header, or ?last_event_id=."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or "0"
    try:
        return max(0, min(int(raw), DONE_EVENT_ID))
    except ValueError:
        return 0


def lease_seconds() -> int:
    """How long a lease counts unless renewed: a live stream renews it at least every heartbeat
    interval, so only a crashed worker's leases lapse, this long after their last renewal."""
    return 2 * settings.RESULTS_STREAM_HEARTBEAT_SECONDS + 10


def _renew_lease(lease: StreamLease) -> None:
    expires = timezone.now() + timedelta(seconds=lease_seconds())
    StreamLease.objects.filter(pk=lease.pk).update(expires_at=expires)


def _take_lease(ip: str, token: str) -> StreamLease | None:
    """Open a stream for this IP, or None when it already has the most it may have."""
    now = timezone.now()
    limit = settings.RESULTS_STREAMS_PER_IP
    with transaction.atomic():
        open_streams = StreamLease.objects.filter(client_ip=ip, expires_at__gt=now).count()
        if open_streams >= limit:
            return None
        return StreamLease.objects.create(
            client_ip=ip,
            token=token,
            expires_at=now + timedelta(seconds=lease_seconds()),
        )


async def _db(function: Callable[..., T], *args: Any) -> T:
    """Run database work off the event loop, then close that thread's connection.

    A stream lives for seconds to minutes; holding a database connection all that time would
    cost one connection per open stream.
    """

    def run() -> T:
        try:
            return function(*args)
        finally:
            # Not inside a transaction someone else opened (a test's, say): that one is theirs.
            if not connection.in_atomic_block:
                connection.close()

    return await sync_to_async(run)()


# Releases still running after their stream's task was cancelled; asyncio keeps only weak
# references to tasks, so these are kept here until they finish.
_pending_releases: set[asyncio.Task[None]] = set()


async def _release_lease_surely(lease: StreamLease) -> None:
    """Release the lease even when the client leaves while it is being released.

    A stream that ends normally releases its lease in `finally`; if the client disconnects
    during that last await, Django cancels the task there, and an unshielded release could be
    dropped before it ran, leaving the lease until it expires.
    """
    release = asyncio.ensure_future(_db(_release_lease, lease))
    _pending_releases.add(release)
    release.add_done_callback(_pending_releases.discard)
    await asyncio.shield(release)


def _release_lease(lease: StreamLease) -> None:
    StreamLease.objects.filter(pk=lease.pk).delete()
    # Old rows of crashed workers: tidy them up now and then.
    StreamLease.objects.filter(expires_at__lt=timezone.now()).delete()


def _store_ranking(profile: SpendingProfile, version: str, ranking: dict[str, Any]) -> None:
    store(profile, version, RANKING_KEY, ranking)
    mark_shown(profile)


def _render(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


@require_GET
async def results_stream(request: HttpRequest, token: str) -> HttpResponse:
    """Server-Sent Events for one profile's results."""
    profile = await _db(SpendingProfile.objects.filter(token=token).first)
    if profile is None:
        raise Http404("No results with that link.")
    if not profile.has_spending():
        return HttpResponse("These answers have no spending yet.", status=409)
    ip = client_ip(request)
    lease = await _db(_take_lease, ip, token)
    if lease is None:
        return HttpResponse(
            "Too many live results streams are open from your address. Close some tabs and "
            "reload this page.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    # Primed: from here on the stream's `finally` releases the lease however the request ends.
    return await EventStreamResponse.primed(_events(profile, lease, last_event_id(request)))


async def _events(
    profile: SpendingProfile, lease: StreamLease, resume_after: int
) -> AsyncGenerator[bytes, None]:
    """The stream's events, in order; always releases the lease, also when the client leaves."""
    started = time.monotonic()
    label = f"results {profile.token[:6]}"
    try:
        if resume_after < RESULTS_EVENT_ID:
            # First words at once, before any database or engine work, so the page shows life.
            yield ServerSentEvent(
                "progress", _progress_html("Searching the catalog…", None), FIRST_PROGRESS_EVENT_ID
            ).encode()
        version = await _db(CatalogVersion.current)
        found = await _db(cached_many, profile, version)
        ranking = found.get(RANKING_KEY)
        categories = insight_categories(profile)
        if ranking is not None and top_pick(ranking) is None:
            categories = []
        pending = [
            c
            for c in categories
            if insight_event_id(c) > resume_after and insight_key(c) not in found
        ]
        work = _work(profile, need_ranking=ranking is None, categories=pending)
        progress_id = FIRST_PROGRESS_EVENT_ID
        last_progress = 0.0

        if ranking is not None:
            if resume_after < RESULTS_EVENT_ID:
                yield await _results_event(ranking)
            for category in categories:
                if insight_event_id(category) > resume_after and insight_key(category) in found:
                    yield await _insight_event(category, found[insight_key(category)])

        if ranking is not None and not pending:
            yield ServerSentEvent("done", _progress_html("All done.", None), DONE_EVENT_ID).encode()
            return
        queued = ("progress", _progress_html("Busy moment: your search starts shortly…", None))
        items = run_in_thread(
            work,
            label=label,
            heartbeat_seconds=settings.RESULTS_STREAM_HEARTBEAT_SECONDS,
            waiting=queued,
        )
        renewed = time.monotonic()
        # aclosing: however this generator ends, the worker thread hears about it at once.
        async with aclosing(items):
            async for item in items:
                if time.monotonic() - renewed >= settings.RESULTS_STREAM_HEARTBEAT_SECONDS:
                    await _db(_renew_lease, lease)
                    renewed = time.monotonic()
                if time.monotonic() - started > settings.RESULTS_STREAM_MAX_SECONDS:
                    yield ServerSentEvent(
                        "done",
                        _progress_html(
                            "This took too long and was stopped. Reload to try again.", None
                        ),
                        DONE_EVENT_ID,
                    ).encode()
                    return
                if isinstance(item, Heartbeat):
                    yield sse_comment("heartbeat")
                    continue
                if not isinstance(item, Progress):
                    break  # the work's return value: all done
                kind, *data = item.payload
                if kind == "progress":
                    now = time.monotonic()
                    if now - last_progress < PROGRESS_INTERVAL_SECONDS:
                        continue
                    last_progress = now
                    progress_id = min(progress_id + 1, LAST_PROGRESS_EVENT_ID)
                    if resume_after < RESULTS_EVENT_ID:
                        yield ServerSentEvent("progress", data[0], progress_id).encode()
                elif kind == "ranking":
                    ranking = data[0]
                    await _db(_store_ranking, profile, version, ranking)
                    yield await _results_event(ranking)
                    if top_pick(ranking) is None:
                        break
                    # No id: the client's last id stays at the ranking's, so a reconnect skips it.
                    yield ServerSentEvent(
                        "progress",
                        _progress_html("Working out what would change the answer…", None),
                    ).encode()
                elif kind == "insight":
                    category, payload = data
                    await _db(store, profile, version, insight_key(category), payload)
                    yield await _insight_event(category, payload)
        yield ServerSentEvent("done", _progress_html("All done.", None), DONE_EVENT_ID).encode()
    except asyncio.CancelledError:
        logger.info("results stream closed by the client: %s", label)
        raise
    except Exception:
        logger.exception("results stream failed: %s", label)
        message = "Sorry, something went wrong while computing. Reload the page to try again."
        yield ServerSentEvent("done", _progress_html(message, None), DONE_EVENT_ID).encode()
    finally:
        await _release_lease_surely(lease)


async def _results_event(ranking: dict[str, Any]) -> bytes:
    html = await sync_to_async(_render, thread_sensitive=False)(
        "wizard/results.html#ranking", {"ranking": ranking}
    )
    return ServerSentEvent("results", html, RESULTS_EVENT_ID).encode()


async def _insight_event(category: str, payload: dict[str, Any]) -> bytes:
    slot = insight_slots([category], {category: payload})[0]
    html = await sync_to_async(_render, thread_sensitive=False)(
        "wizard/results.html#insight", {"slot": slot, "oob": True}
    )
    return ServerSentEvent("insight", html, insight_event_id(category)).encode()


def _progress_html(message: str, detail: str | None) -> str:
    return _render("wizard/_progress.html", {"message": message, "detail": detail})


def _work(
    profile: SpendingProfile, *, need_ranking: bool, categories: list[str]
) -> Callable[[Callable[[Any], None], threading.Event], None]:
    """The engine runs for one stream, reporting ('progress'|'ranking'|'insight', ...)."""

    def work(report: Callable[[Any], None], cancelled: threading.Event) -> None:
        from catalog.engine_catalog import load_engine_catalog

        try:
            catalog = load_engine_catalog()
        finally:
            # This thread's own database connection: never leave it open behind us.
            close_old_connections()
            connection.close()
        try:
            if need_ranking:
                names = {card.id: card.name for card in catalog.cards}

                def progress(phase: str, done: int, total: int, best: Any) -> None:
                    report(("progress", _progress_fragment(phase, done, total, best, names)))

                ranking = compute_ranking(catalog, profile, progress=progress, cancel=cancelled)
                report(("ranking", ranking))
                if top_pick(ranking) is None:
                    return
            for category in categories:
                payload = safe_insight(catalog, profile, category, cancel=cancelled)
                report(("insight", category, payload))
        except SearchCancelled:
            raise Cancelled from None

    return work


_PHASES = {
    "singles": "Scoring single cards",
    "pairs": "Pairing cards",
    "triples": "Trying 3-card wallets",
}


def _progress_fragment(phase: str, done: int, total: int, best: Any, names: dict[str, str]) -> str:
    words = _PHASES.get(phase, phase.capitalize())
    message = f"{words}: {done:,} of {total:,} wallets evaluated."
    detail = None
    if best is not None:
        cards = " + ".join(names.get(card_id, card_id) for card_id in best.cards)
        detail = f"Best so far: {cards}, ${best.ongoing_value:,.2f} a year."
    return _progress_html(message, detail)
