"""Catalog pages: the card list, one card, and up to three cards side by side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST, require_safe

from catalog.describe import return_percent
from catalog.forms import (
    MAX_COMPARE,
    CardFilterForm,
    CompareForm,
    CompareToggleForm,
    ProblemReportForm,
)
from catalog.models import STALE_AFTER, Card, CatalogVersion
from catalog.reports import file_report, limited
from catalog.search import (
    compare_selection,
    issuer_choices,
    search_cards,
    selected_cards,
    set_compare_selection,
)
from catalog.sources import card_sources
from rewards.categories import CATEGORY_LABELS, LEAF_CATEGORIES
from web.client import client_ip
from web.htmx import HtmxHttpRequest, render_page_or_partial, wants_partial
from web.pagecache import shareable, shared_page

PAGE_SIZE = 20


def _query_without_page(form: CardFilterForm) -> str:
    """The current filters as a query string (for page links), without empty values."""
    if not form.is_bound:
        return ""
    pairs = [
        (name, value)
        for name in form.fields
        if name != "page"
        and (value := form.data.get(name, "")) not in ("", None)
        and (name, value) != ("sort", "name")  # the default order needs no mention
    ]
    return urlencode(pairs)


def compare_url(ids: list[str]) -> str:
    """The shareable comparison address; ids are [a-z0-9_-], so the commas can stay readable."""
    return f"{reverse('catalog:card-compare')}?cards={','.join(ids)}"


def _compare_context(request: HtmxHttpRequest, note: str = "") -> dict[str, Any]:
    """What the compare tray and the compare toggles need."""
    ids = compare_selection(request.session)
    cards = selected_cards(ids)
    return {
        "compare_ids": ids,
        "compare_cards": cards,
        "compare_url": compare_url([card.slug for card in cards]),
        "compare_note": note,
    }


def _shared(request: HtmxHttpRequest) -> bool:
    """Whether this visitor sees the page everyone sees (no compare picks, no message)."""
    return shareable(request) and not compare_selection(request.session)


@require_safe
def card_list(request: HtmxHttpRequest) -> HttpResponse:
    """Search and filter the active cards; htmx gets just the results (or the next page)."""
    if not _shared(request):
        return _push_or_replace(request, _card_list(request))
    # Rendered once per catalog version and address (web/pagecache.py); whether the address
    # is pushed or replaced depends on the visitor's current address, so it is decided after.
    return _push_or_replace(
        request,
        shared_page(
            request, "cards", CatalogVersion.current(), lambda extra: _card_list(request, extra)
        ),
    )


def _push_or_replace(request: HtmxHttpRequest, response: HttpResponse) -> HttpResponse:
    """The same address again (a search typed, paused, then sent with Enter) replaces the
    history entry instead of adding a second one."""
    tidy = response.get("HX-Push-Url")
    if tidy is not None:
        del response["HX-Push-Url"]
        same = request.htmx.current_url_abs_path == tidy
        response["HX-Replace-Url" if same else "HX-Push-Url"] = tidy
    return response


def _card_list(request: HtmxHttpRequest, extra: dict[str, Any] | None = None) -> HttpResponse:
    form = CardFilterForm(request.GET or None, issuers=issuer_choices())
    form.enable_active_search(reverse("catalog:card-list"))
    form.is_valid()
    filters = form.filters()
    cards = search_cards(filters)
    paginator = Paginator(cards, PAGE_SIZE)
    try:
        page = paginator.page(filters.page)
    except EmptyPage:
        raise Http404("There is no such page of results.") from None
    query = _query_without_page(form)
    load_more = wants_partial(request) and request.htmx.target == "load-more"
    context = {
        "form": form,
        "problems": form.problems(),
        "page": page,
        # A whole page of ?page=N lists every card up to that page: "Show more cards" pushes
        # that address, so Back (or a reload) comes to the same cards at the same place.
        "shown": page.object_list if load_more else paginator.object_list[: page.end_index()],
        # The items come with the heading out of band: it then counts every card on screen.
        "load_more": load_more,
        "query": query,
        "page_url_prefix": f"{reverse('catalog:card-list')}?{query}{'&' if query else ''}page=",
        "filtered": bool(query),
        "filters_open": bool(form.problems())
        or any(form.data.get(name) for name in form.fields if name not in ("q", "page")),
        **_compare_context(request),
        **(extra or {}),
    }
    # "Load more" swaps its own list item for the next page's items.
    if load_more:
        return render_page_or_partial(request, "catalog/card_list.html", "page_items", context)
    response = render_page_or_partial(request, "catalog/card_list.html", "results-swap", context)
    if wants_partial(request):
        # The address bar gets the tidy form of the query (no empty filters), for sharing
        # (card_list turns it into a replace when it is the visitor's current address).
        response["HX-Push-Url"] = f"{reverse('catalog:card-list')}{'?' if query else ''}{query}"
    return response


def _detail_context(request: HtmxHttpRequest, card: Card, **more: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "card": card,
        "days_since_check": card.days_since_check(today),
        "stale": card.verification_is_stale(today),
        "stale_days": STALE_AFTER.days,
        "sources": card_sources(card, today),
        "report_form": ProblemReportForm(),
        **_compare_context(request),
        **more,
    }


@require_safe
def card_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One card in plain words; inactive cards stay reachable with a note."""
    if not _shared(request):
        return _card_detail(request, slug)
    # Rendered once per catalog version, address and day (it says how old the facts are).
    return shared_page(
        request,
        "card",
        CatalogVersion.current(),
        lambda extra: _card_detail(request, slug, extra),
        timezone.localdate(),
    )


def _card_detail(
    request: HtmxHttpRequest, slug: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    card = get_object_or_404(Card.objects.with_rules(), slug=slug)
    return render(
        request, "catalog/card_detail.html", _detail_context(request, card, **(extra or {}))
    )


@require_POST
def card_report(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A visitor reports a wrong fact: stored for editors (the card itself never changes).

    Without JavaScript: redirect back with a thank-you, or the page again with the errors.
    With htmx: the report box is swapped for the thank-you or the form with its errors (200,
    since htmx drops 4xx answers by default).
    """
    card = get_object_or_404(Card.objects.with_rules(), slug=slug)
    form = ProblemReportForm(request.POST)
    note, status = "", 200
    if limited(client_ip(request)):
        note = "You have sent several reports in the last hour; please try again later."
        status = 429
    elif not form.is_valid():
        status = 400
    else:
        file_report(card, form.cleaned_data, client_ip(request))
        thanks = "Thank you: an editor will check it against the sources."
        if wants_partial(request):
            context = {"card": card, "report_done": thanks}
            return render(request, "catalog/card_detail.html#report", context)
        messages.success(request, thanks)
        return redirect(f"{card.get_absolute_url()}#report")
    context = _detail_context(request, card, report_form=form, report_note=note)
    if wants_partial(request):
        return render(request, "catalog/card_detail.html#report", context)
    return render(request, "catalog/card_detail.html", context, status=status)


@require_safe
def card_compare(request: HtmxHttpRequest) -> HttpResponse:
    """Up to three cards side by side, named in the URL so the comparison can be shared."""
    if "cards" not in request.GET:
        chosen = compare_selection(request.session)
        if chosen:
            return redirect(compare_url(chosen))
    form = CompareForm(request.GET or None)
    status = 200
    cards: list[Card] = []
    # An unbound form means nothing was picked yet: the page explains how to pick.
    if form.is_bound and form.is_valid():
        ids = form.cleaned_data.get("cards") or []
        cards = selected_cards(ids)
        missing = [card_id for card_id in ids if card_id not in {card.slug for card in cards}]
        if missing:
            form.add_error("cards", f"We have no card with the id “{'”, “'.join(missing)}”.")
            status = 404
        else:
            # The page shown is now this visitor's comparison, so the tray on other pages agrees.
            set_compare_selection(request.session, ids)
    elif form.is_bound:
        status = 400
    context = {
        "form": form,
        "cards": cards,
        "max_compare": MAX_COMPARE,
        "removals": [
            {"card": card, "url": compare_url([other.slug for other in cards if other != card])}
            for card in cards
        ],
        "category_rows": _category_rows(cards),
    }
    return render_page_or_partial(
        request, "catalog/card_compare.html", "comparison", context, status=status
    )


def _category_rows(cards: list[Card]) -> list[tuple[str, list[tuple[Decimal, bool]]]]:
    """Per category: each card's best return in percent, and whether it is the best of them."""
    rows = []
    for category in LEAF_CATEGORIES:
        if category == "foreign":
            continue
        values = [return_percent(card.rate_in(category), card.currency) for card in cards]
        best = max(values, default=Decimal(0))
        rows.append(
            (
                CATEGORY_LABELS[category],
                [(value, len(cards) > 1 and value == best) for value in values],
            )
        )
    return rows


@require_POST
def compare_toggle(request: HtmxHttpRequest) -> HttpResponse:
    """Add or remove a card; redirect back (no JS) or answer with the updated controls (htmx)."""
    form = CompareToggleForm(request.POST)
    selection = compare_selection(request.session)
    note = ""
    card: Card | None = None
    if not form.is_valid():
        note = "That request was not understood; nothing changed."
        status = 400
    else:
        status = 200
        card = Card.objects.filter(slug=form.cleaned_data["card"]).first()
        if card is None:
            note = "We have no such card; nothing changed."
            status = 404
        elif form.cleaned_data["op"] == "add":
            if card.slug in selection:
                note = f"{card.name} is already in your comparison."
            elif len(selection) >= MAX_COMPARE:
                note = "You can compare up to three cards. Remove one first."
            else:
                selection.append(card.slug)
                note = f"Added {card.name}. Comparing {len(selection)} of {MAX_COMPARE}."
        elif card.slug in selection:
            selection.remove(card.slug)
            note = f"Removed {card.name} from your comparison."
        else:
            note = f"{card.name} was not in your comparison."
        set_compare_selection(request.session, selection)

    if not wants_partial(request):
        if status != 200:
            return render(request, "catalog/compare_problem.html", {"note": note}, status=status)
        messages.info(request, note)
        next_url = form.cleaned_data.get("next") or ""
        # Only a path of this site: redirect() would take a bare word for a view name (a 500).
        if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = card.get_absolute_url() if card else reverse("catalog:card-list")
        elif card is not None and urlsplit(next_url).path == reverse("catalog:card-list"):
            # Back to the card in the list, not to the top of it.
            next_url = f"{urlsplit(next_url)._replace(fragment='').geturl()}#card-{card.slug}"
        return HttpResponseRedirect(next_url)

    context = {
        "card": card,
        **_compare_context(request, note),
        "show_toggle": card is not None and form.cleaned_data.get("toggle_shown"),
        "next": form.cleaned_data.get("next", "") if form.is_valid() else "",
    }
    # htmx swaps any status into the tray; a 4xx would be dropped by htmx's default config.
    return render(request, "catalog/_compare.html#response", context)
