"""Plan my next cards: the form, the plan's permalink page and its live stream (SSE)."""

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
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django_htmx.http import push_url

from catalog.engine_catalog import engine_version
from plans.events import (
    ALTERNATIVES_EVENT_ID,
    BEST_EVENT_ID,
    Alternatives,
    Best,
    PlanEvent,
    cached_plan,
    plan_events,
)
from plans.forms import PlanForm, bonus_formset, held_formset, month_label
from plans.models import PlanRequest
from results.events import DONE_EVENT_ID, Done, Status
from results.leases import release_lease_surely, renew_lease, take_lease
from results.models import StreamLease
from results.sse import EventStreamResponse, ServerSentEvent, sse_comment
from results.views import last_event_id
from web.client import client_ip
from web.db import run_db
from web.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from wizard.forms import catalog_choices
from wizard.models import SpendingProfile

logger = logging.getLogger(__name__)

TOO_LONG = (
    "This plan took too long and was stopped. Try fewer new cards or more months between "
    "applications."
)
FAILED = "Sorry, something went wrong while planning. Reload the page to try again."


def this_month() -> str:
    """ "YYYY-MM" today: the plan's month 1 is the month after it."""
    return timezone.localdate().strftime("%Y-%m")


def _answers_profile(request: HttpRequest, token: str | None) -> SpendingProfile | None:
    """The saved answers to plan with: those named by a results link, else the session's."""
    named = SpendingProfile.with_token(token) if token else None
    return named or SpendingProfile.objects.for_session(request.session)


def _initial(profile: SpendingProfile, plan: PlanRequest | None) -> dict[str, Any]:
    """Start from an earlier plan's answers ("Change these answers"), else the wizard's."""
    if plan is not None:
        answers = plan.answers
        return {
            "form": {
                "months": answers["months"],
                "max_new": answers["max_new"],
                "spacing": answers["spacing"],
                "other_recent": answers.get("other_recent", 0)
                + len(answers.get("other_recent_months", [])),
                "other_months": ", ".join(answers.get("other_recent_months", [])),
            },
            "held": [{"card": c, "month": m} for c, m in answers.get("held", [])],
            "bonus": [{"card": c, "month": m} for c, m in answers.get("bonus_history", [])],
        }
    return {"form": {}, "held": [{"card": card} for card in profile.held_cards or []], "bonus": []}


def _render_form(
    request: HtmxHttpRequest,
    profile: SpendingProfile,
    form: PlanForm,
    held: Any,
    bonus: Any,
) -> HttpResponse:
    context = {
        "profile": profile,
        "form": form,
        "held": held,
        "bonus": bonus,
        "start_label": month_label(_next_month(form.today)),
        "today_label": month_label(form.today),
    }
    return render_page_or_partial(request, "plans/start.html", "page", context)


def _next_month(today: str) -> str:
    year, month = (int(part) for part in today.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    """The plan form, filled from the saved answers; a valid POST saves a plan and shows it."""
    source = request.POST if request.method == "POST" else request.GET
    profile = _answers_profile(request, str(source.get("answers", ""))[:32] or None)
    if profile is None or not profile.has_spending():
        messages.warning(request, "Plans start from your spending: answer step 1 first.")
        if wants_partial(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("wizard:spending")
            return response
        return redirect("wizard:spending")
    today = this_month()
    cards = catalog_choices().cards
    if request.method != "POST":
        earlier = PlanRequest.objects.filter(token=str(request.GET.get("plan", ""))[:32]).first()
        initial = _initial(profile, earlier)
        form = PlanForm(initial={**initial["form"], "answers": profile.token}, today=today)
        held = held_formset(initial=initial["held"], cards=cards, today=today)
        bonus = bonus_formset(initial=initial["bonus"], cards=cards, today=today)
        return _render_form(request, profile, form, held, bonus)

    form = PlanForm(request.POST, today=today)
    held = held_formset(request.POST, cards=cards, today=today)
    bonus = bonus_formset(request.POST, cards=cards, today=today)
    # All three are checked, so every mistake shows at once.
    valid = [form.is_valid(), held.is_valid(), bonus.is_valid()]
    if not all(valid):
        return _render_form(request, profile, form, held, bonus)
    plan = PlanRequest.objects.create(
        profile=profile,
        today=today,
        answers={
            "held": [list(row) for row in held.rows()],
            "other_recent": 0
            if form.cleaned_data["other_months"]
            else form.cleaned_data["other_recent"],
            "other_recent_months": form.cleaned_data["other_months"],
            "bonus_history": [list(row) for row in bonus.rows()],
            "months": form.cleaned_data["months"],
            "max_new": form.cleaned_data["max_new"],
            "spacing": form.cleaned_data["spacing"],
        },
    )
    url = reverse("plans:detail", args=[plan.token])
    if wants_partial(request):
        return push_url(_render_detail(request, plan), url)
    return redirect(url)


def _plan(token: str) -> PlanRequest | None:
    return PlanRequest.objects.select_related("profile").filter(token=token).first()


@require_safe
async def detail(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The plan's permalink: cached at once, else a live stream (or, without JS, computed now)."""
    plan = await run_db(_plan, token)
    if plan is None:
        raise Http404("No plan with that link.")
    if request.GET.get("now") == "1":
        # Without JavaScript the plan is computed inside this request (noscript sends ?now=1).
        await _compute(request, plan)
    return await sync_to_async(_render_detail)(request, plan)


async def _compute(request: HttpRequest, plan: PlanRequest) -> None:
    """Drive the plan's events (which cache the plan) to the end, within the stream's time
    limit; closing them stops the engine run."""
    events = plan_events(plan)
    try:
        async with asyncio.timeout(settings.RESULTS_STREAM_MAX_SECONDS):
            async for _ in events:
                pass
    except TimeoutError:
        messages.warning(request, TOO_LONG)
    except Exception:
        logger.exception("plan failed: plan %s", plan.token[:6])
        messages.error(request, FAILED)
    finally:
        await events.aclose()


def _render_detail(request: HtmxHttpRequest, plan: PlanRequest) -> HttpResponse:
    payload = cached_plan(plan, engine_version())
    context = {
        "plan": plan,
        "profile": plan.profile,
        "result": payload,
        "answers": plan.answers,
        "start_label": month_label(_next_month(plan.today)),
        "asked_label": month_label(plan.today),
    }
    return render_page_or_partial(request, "plans/plan.html", "page", context)


def _plan_and_lease(token: str, ip: str) -> tuple[PlanRequest | None, StreamLease | None]:
    plan = _plan(token)
    return plan, None if plan is None else take_lease(ip, plan.token)


@require_GET
async def stream(request: HttpRequest, token: str) -> HttpResponse:
    """Server-Sent Events for one plan."""
    # One trip to the database before the first event: each trip is a thread hand-off.
    plan, lease = await run_db(_plan_and_lease, token, client_ip(request))
    if plan is None:
        raise Http404("No plan with that link.")
    if lease is None:
        return HttpResponse(
            "Too many live streams are open from your address. Close some tabs and reload "
            "this page.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    # Primed: from here on the stream's `finally` releases the lease however the request ends.
    return await EventStreamResponse.primed(_sse(plan, lease, last_event_id(request)))


async def _sse(
    plan: PlanRequest, lease: StreamLease, resume_after: int
) -> AsyncGenerator[bytes, None]:
    """The plan's events as SSE; always releases the lease, also when the client leaves."""
    started = renewed = time.monotonic()
    label = f"plan {plan.token[:6]}"
    events = plan_events(plan, resume_after=resume_after)
    try:
        async for event in events:
            if time.monotonic() - renewed >= settings.RESULTS_STREAM_HEARTBEAT_SECONDS:
                await run_db(renew_lease, lease)
                renewed = time.monotonic()
            if time.monotonic() - started > settings.RESULTS_STREAM_MAX_SECONDS:
                yield _encode_text(Done(TOO_LONG))
                return
            yield await _encode(plan, event)
    except asyncio.CancelledError:
        logger.info("plan stream closed by the client: %s", label)
        raise
    except Exception:
        logger.exception("plan stream failed: %s", label)
        yield _encode_text(Done(FAILED))
    finally:
        try:
            await events.aclose()
        finally:
            await release_lease_surely(lease)


def _encode_text(event: Status | Done) -> bytes:
    html = render_to_string(
        "results/_progress.html",
        {"message": event.message, "detail": getattr(event, "detail", None)},
    )
    if isinstance(event, Done):
        return ServerSentEvent("done", html, DONE_EVENT_ID).encode()
    return ServerSentEvent("progress", html, event.event_id).encode()


async def _encode(plan: PlanRequest, event: PlanEvent) -> bytes:
    """One event on the wire; templates render in a thread, off the event loop."""
    if isinstance(event, Status | Done):
        return _encode_text(event)
    context = {"result": event.payload, "plan": plan}
    if isinstance(event, Best):
        html = await _render_off_loop("plans/plan.html#best", context)
        return ServerSentEvent("best", html, BEST_EVENT_ID).encode()
    if isinstance(event, Alternatives):
        html = await _render_off_loop("plans/plan.html#alternatives", context)
        return ServerSentEvent("alternatives", html, ALTERNATIVES_EVENT_ID).encode()
    return sse_comment("heartbeat")


async def _render_off_loop(template: str, context: dict[str, Any]) -> str:
    return await sync_to_async(render_to_string, thread_sensitive=False)(template, context)
