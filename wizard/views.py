"""The spending wizard: one view per step, each answering full-page and htmx requests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import push_url

from web.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from web.pagecache import hole, shareable, shared_page
from wizard.forms import (
    PreferencesForm,
    SpendingForm,
    card_names,
    catalog_choices,
    spend_inputs_html,
    spending_totals,
    totals_of,
)
from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY
from wizard.models import SpendingProfile


def _spending_initial(profile: SpendingProfile) -> dict[str, str]:
    return _shown_amounts(profile.spend())


def _shown_amounts(spend: dict[str, Decimal]) -> dict[str, str]:
    """The saved amounts as step 1's inputs show them ("400", "12.50"), those above 0 only."""
    return {
        category: f"{amount:.2f}" if amount % 1 else str(int(amount))
        for category, amount in spend.items()
        if amount > 0
    }


def _shown_totals(totals: tuple[Decimal, Decimal] | None) -> tuple[str, str] | None:
    # "1,234.50": what floatformat:"2g" gives for these amounts, at a tenth of its cost (it
    # was a fifth of step 1's time with saved answers, issue 14).
    return None if totals is None else (f"{totals[0]:,.2f}", f"{totals[1]:,.2f}")


def _total_html(totals: tuple[Decimal, Decimal] | None) -> SafeString:
    """The running total's HTML (the step's "total" partial)."""
    shown = _shown_totals(totals)
    if shown is None:
        return mark_safe(_total_pieces()[0])
    _, before, between, after = _total_pieces()
    return mark_safe(f"{before}{shown[0]}{between}{shown[1]}{after}")


@cache
def _total_pieces() -> tuple[str, str, str, str]:
    """The "total" partial rendered once per process: without totals, and cut around holes for
    the two amounts (which are digits, commas and a point: nothing to escape)."""
    month, year = hole("month"), hole("year")
    empty = render_to_string("wizard/spending.html#total", {"totals": None})
    marked = render_to_string("wizard/spending.html#total", {"totals": (month, year)})
    before, rest = marked.split(month)
    between, after = rest.split(year)
    return empty, before, between, after


def _step_context(form: SpendingForm) -> dict[str, Any]:
    """What step 1 shows of a form: its inputs (values and errors) and the running total."""
    totals = spending_totals(form)
    return {
        "form": form,
        "totals": _shown_totals(totals),
        "step": 1,
        "spend_inputs": form.render_groups(),
        "spend_total": _total_html(totals),
    }


def _render_spending(
    request: HtmxHttpRequest, profile: SpendingProfile, form: SpendingForm | None = None
) -> HttpResponse:
    form = form or SpendingForm(initial=_spending_initial(profile))
    return render_page_or_partial(request, "wizard/spending.html", "step", _step_context(form))


# Where a step rendered once per process takes a visitor's saved answers (see `spending`).
ANSWER_HOLES = {"spend_inputs": hole("spend_inputs"), "spend_total": hole("spend_total")}


def _answer_fills(spend: dict[str, Decimal]) -> dict[str, str]:
    """The inputs and total of step 1 for these saved answers, as HTML for ANSWER_HOLES.

    The amounts are read back from the text the inputs show (`_shown_amounts`: plain
    decimals, so Decimal() reads them as the form would), not taken from `spend`: a saved
    amount with more than two places shows rounded, and the totals must add up what is shown.
    """
    values = _shown_amounts(spend)
    amounts = {category: Decimal(text) for category, text in values.items()}
    return {
        ANSWER_HOLES["spend_inputs"]: spend_inputs_html(values, amounts=amounts),
        ANSWER_HOLES["spend_total"]: _total_html(totals_of(amounts.values())),
    }


def _shared_step(request: HtmxHttpRequest, spend: dict[str, Decimal]) -> HttpResponse:
    """Step 1 with the saved answers, from a copy of the step rendered once per process.

    Everything but the inputs and the total is the same for every visitor (their messages
    aside: `shareable` sends a visitor with one waiting to a normal render), so the template
    is not rendered per request (issue 14): the answers fill the holes of a copy rendered with
    ANSWER_HOLES, whose pieces are also compressed ahead (web/pagecache.py). A visitor without
    answers gets a copy with the empty inputs in it, all compressed ahead.
    """
    if not any(amount > 0 for amount in spend.values()):
        return shared_page(request, "wizard-spending-empty", None, _step_renderer(request, {}))
    return shared_page(
        request,
        "wizard-spending",
        None,
        _step_renderer(request, ANSWER_HOLES),
        fills=_answer_fills(spend),
    )


def _step_renderer(
    request: HtmxHttpRequest, holes: dict[str, str]
) -> Callable[[dict[str, Any]], HttpResponse]:
    """How `shared_page` renders step 1 (with the empty form) for its copy."""

    def render(extra: dict[str, Any]) -> HttpResponse:
        context = {**_step_context(SpendingForm()), **extra, **holes}
        return render_page_or_partial(request, "wizard/spending.html", "step", context)

    return render


def _render_preferences(
    request: HtmxHttpRequest,
    profile: SpendingProfile,
    form: PreferencesForm | None = None,
    *,
    partial: str = "step",
) -> HttpResponse:
    form = form or PreferencesForm(instance=profile, choices=catalog_choices())
    search = request.GET.get("held_search", "") if request.method in ("GET", "HEAD") else ""
    context = {
        "form": form,
        "profile": profile,
        "step": 2,
        "held": _filter_options(form.held_card_options(), search),
        "held_search": search,
    }
    return render_page_or_partial(request, "wizard/preferences.html", partial, context)


# A search lists at most this many matching cards; the ones already ticked are always listed.
HELD_SEARCH_LIMIT = 12


def _filter_options(options: list[tuple[str, str, bool]], search: str) -> dict[str, Any]:
    """The ticked cards, then the cards matching the search (none without one), capped."""
    words = search.lower().split()
    ticked = [option for option in options if option[2]]
    matches = (
        [
            option
            for option in options
            if not option[2] and all(word in option[1].lower() for word in words)
        ]
        if words
        else []
    )
    return {
        "options": ticked + matches[:HELD_SEARCH_LIMIT],
        "matched": len(matches),
        "more": max(0, len(matches) - HELD_SEARCH_LIMIT),
        "searched": bool(words),
    }


def _save(request: HtmxHttpRequest, profile: SpendingProfile) -> None:
    profile.save()
    profile.bind_to_session(request.session)


@require_http_methods(["GET", "HEAD", "POST"])
def spending(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: monthly spend per category, with a preset and a running total."""
    if shareable(request):
        # A first visit, or a return with saved answers and no message waiting.
        return _shared_step(request, SpendingProfile.objects.spend_for_session(request.session))
    profile = SpendingProfile.objects.for_session_or_new(request.session)
    if request.method in ("GET", "HEAD"):
        return _render_spending(request, profile)

    action = request.POST.get("action", "next")
    if action == "preset":
        profile = profile.editable_copy()
        profile.set_spend(dict(TYPICAL_US_HOUSEHOLD_MONTHLY))
        _save(request, profile)
        messages.info(request, "Filled in with a typical US household's spending. Adjust freely.")
    else:
        form = SpendingForm(request.POST)
        if not form.is_valid():
            return _render_spending(request, profile, form)
        profile = profile.editable_copy()
        profile.set_spend(form.spend())
        _save(request, profile)
        if action == "next":
            if not profile.has_spending():
                messages.warning(request, "Enter at least one amount to get recommendations.")
            elif wants_partial(request):
                return push_url(
                    _render_preferences(request, profile), reverse("wizard:preferences")
                )
            else:
                return redirect("wizard:preferences")

    if wants_partial(request):
        return _render_spending(request, profile)
    return redirect("wizard:spending")


@require_POST
def spending_total(request: HtmxHttpRequest) -> HttpResponse:
    """The running total of the amounts typed so far (htmx refreshes it while typing)."""
    form = SpendingForm(request.POST)
    context = _step_context(form)
    if wants_partial(request):
        return render_page_or_partial(request, "wizard/spending.html", "total", context)
    # Without htmx this is an ordinary submit of step 1: show the step with its total, unsaved.
    form.is_valid()
    return render_page_or_partial(request, "wizard/spending.html", "step", context)


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    """Step 2: card filters, wallet size, ranking and point values."""
    profile = SpendingProfile.objects.for_session(request.session)
    if profile is None or not profile.has_spending():
        messages.warning(request, "Start with your monthly spending.")
        return _to_step_one(request)
    if request.method in ("GET", "HEAD"):
        return _render_preferences(request, profile)

    profile = profile.editable_copy()
    form = PreferencesForm(request.POST, instance=profile, choices=catalog_choices())
    if not form.is_valid():
        return _render_preferences(request, profile, form)
    profile = form.save(commit=False)
    _save(request, profile)
    if wants_partial(request):
        return push_url(_render_review(request, profile), reverse("wizard:review"))
    return redirect("wizard:review")


@require_safe
def held_cards(request: HtmxHttpRequest) -> HttpResponse:
    """The held-cards checklist filtered by a search, keeping what is already ticked."""
    profile = SpendingProfile.objects.for_session(request.session)
    if profile is None or not profile.has_spending():
        return _to_step_one(request)
    # Unsaved ticks travel with the search request so a new search does not drop them.
    data = request.GET.copy()
    form = PreferencesForm(
        initial={"held_cards": data.getlist("held_cards")},
        instance=profile,
        choices=catalog_choices(),
    )
    return _render_preferences(request, profile, form, partial="held-cards")


@require_safe
def review(request: HtmxHttpRequest) -> HttpResponse:
    """Step 3: everything entered, with edit links and "Find my cards"."""
    profile = SpendingProfile.objects.for_session(request.session)
    if profile is None or not profile.has_spending():
        messages.warning(request, "Start with your monthly spending.")
        return _to_step_one(request)
    return _render_review(request, profile)


def _render_review(request: HtmxHttpRequest, profile: SpendingProfile) -> HttpResponse:
    context = {
        "profile": profile,
        "step": 3,
        "spend_rows": profile.spend_rows(),
        "monthly_total": profile.monthly_total(),
        "yearly_total": profile.monthly_total() * 12,
        "preference_rows": profile.preference_rows(card_names=card_names()),
    }
    return render_page_or_partial(request, "wizard/review.html", "step", context)


def _to_step_one(request: HtmxHttpRequest) -> HttpResponse:
    if wants_partial(request):
        profile = SpendingProfile.objects.for_session_or_new(request.session)
        return push_url(_render_spending(request, profile), reverse("wizard:spending"))
    return redirect("wizard:spending")
