"""Helpers for views that answer both full-page and htmx requests from one template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_partial(request: HtmxHttpRequest) -> bool:
    """True for an htmx swap; a history restore needs the whole page, like a normal request."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_partial(
    request: HtmxHttpRequest,
    template_name: str,
    partial_name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render the page, or only its named partial for an htmx swap."""
    name = f"{template_name}#{partial_name}" if wants_partial(request) else template_name
    response = render(request, name, context, status=status)
    # One URL answers with a page or a fragment: caches and the back button must not mix them.
    patch_vary_headers(response, ("HX-Request",))
    return response
