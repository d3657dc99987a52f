"""The what-if page (the panel without JavaScript) and "Save these amounts"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.engine_catalog import load_engine_catalog
from rewards.engine import EngineError
from whatif.compare import TOP_PER_SIZE, answer
from whatif.forms import WhatIfForm
from whatif.fragments import answer_context, invalid_context, status_only
from whatif.routing import socket_path
from wizard.models import SpendingProfile


def _page(
    request: HttpRequest, profile: SpendingProfile, form: WhatIfForm, answer: dict[str, Any]
) -> HttpResponse:
    context = {"profile": profile, "form": form, "socket_url": socket_path(profile.token)}
    return render(request, "whatif/whatif.html", {**context, **answer})


def _answer(profile: SpendingProfile, form: WhatIfForm) -> dict[str, Any]:
    """The answer fragments' context for a bound form, computed inside the request."""
    if not form.is_valid():
        return invalid_context(form)
    catalog = load_engine_catalog(held=tuple(profile.held_cards or ()))
    options = profile.engine_input(catalog, top_n=TOP_PER_SIZE).options
    try:
        _, comparison = answer(
            catalog, profile.spend(), options, None, form.spend(), form.wallet_size
        )
    except EngineError as error:
        return status_only(f"We could not work these amounts out ({error}).", problem=True)
    return answer_context(profile, form, comparison)


@require_GET
def what_if(request: HttpRequest, token: str) -> HttpResponse:
    """The saved answer's amounts to edit, and with edited amounts (?groceries=...) the ranking."""
    profile = get_object_or_404(SpendingProfile, token=token)
    if not request.GET:
        form = WhatIfForm.for_profile(profile)
        return _page(request, profile, form, status_only(""))
    form = WhatIfForm.for_profile(profile, request.GET)
    return _page(request, profile, form, _answer(profile, form))


@require_POST
def save(request: HttpRequest, token: str) -> HttpResponse:
    """Save the tried amounts as the wizard does (a copy once results were shown), then review."""
    profile = get_object_or_404(SpendingProfile, token=token)
    form = WhatIfForm.for_profile(profile, request.POST)
    if not form.is_valid():
        return _page(request, profile, form, invalid_context(form))
    saved = profile.editable_copy()
    saved.set_spend(form.spend())
    saved.wallet_size = form.wallet_size
    saved.save()
    saved.bind_to_session(request.session)
    messages.success(request, "Saved these amounts. Check your answers, then find your cards.")
    return redirect("wizard:review")
