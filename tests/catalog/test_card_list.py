"""/cards/: search, filters and sorts, as a full page and as the htmx results partial."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Card, Currency, EarnRule, Issuer

pytestmark = pytest.mark.django_db

URL = reverse("catalog:card-list")
CARD_NAME = re.compile(r'<h3><a href="/cards/[^"]+/">([^<]+)</a></h3>')
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def names(response: Any) -> list[str]:
    """Card names in the order the page lists them (partials carry no test context)."""
    return [html.unescape(name) for name in CARD_NAME.findall(response.content.decode())]


def test_the_full_page_lists_the_active_cards_by_name(
    imported_small: dict[str, Any], client: Client
) -> None:
    Card.objects.filter(slug="business-miles").update(active=False)

    response = client.get(URL)

    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" in text
    assert 'id="results"' in text
    assert names(response) == [
        "Grocer Cash Preferred",
        "Quarterly Points Card",
        "Shared Cap Cash Rewards",
        "Top Category Cash",
    ]
    assert response["Vary"].count("HX-Request") == 1


def test_an_htmx_request_gets_only_the_results(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, {"q": "cash"}, **HTMX)

    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text
    assert 'id="card-filters"' not in text
    assert "Grocer Cash Preferred" in text
    assert 'hx-swap-oob="innerHTML">3 cards found' in text


def test_a_history_restore_gets_the_whole_page(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "shared"}, ["Shared Cap Cash Rewards"]),
        ({"q": "zeta"}, ["Business Miles Plus", "Shared Cap Cash Rewards"]),
        ({"q": "cash top"}, ["Top Category Cash"]),
        ({"q": "QUARTERLY"}, ["Quarterly Points Card"]),
        ({"q": "nothing-like-this"}, []),
        ({"issuer": "example-bank"}, ["Quarterly Points Card", "Top Category Cash"]),
        ({"network": "amex"}, ["Grocer Cash Preferred"]),
        ({"kind": "points"}, ["Quarterly Points Card"]),
        ({"kind": "miles"}, ["Business Miles Plus"]),
        (
            {"fee": "none"},
            ["Quarterly Points Card", "Shared Cap Cash Rewards", "Top Category Cash"],
        ),
        (
            {"fee": "100"},
            ["Grocer Cash Preferred", "Quarterly Points Card"]
            + ["Shared Cap Cash Rewards", "Top Category Cash"],
        ),
        ({"strong": "streaming"}, ["Grocer Cash Preferred", "Quarterly Points Card"]),
        (
            {"strong": "hotels"},
            ["Business Miles Plus", "Shared Cap Cash Rewards", "Top Category Cash"],
        ),
        # Transit is part of travel, so a 3% transit card is strong in travel too.
        (
            {"strong": "travel"},
            [
                "Business Miles Plus",
                "Grocer Cash Preferred",
                "Shared Cap Cash Rewards",
                "Top Category Cash",
            ],
        ),
        ({"credit": "fair"}, ["Top Category Cash"]),
        (
            {"credit": "good"},
            ["Grocer Cash Preferred", "Quarterly Points Card"]
            + ["Shared Cap Cash Rewards", "Top Category Cash"],
        ),
        ({"card_type": "business"}, ["Business Miles Plus"]),
        (
            {"card_type": "personal", "network": "visa"},
            ["Quarterly Points Card", "Shared Cap Cash Rewards"],
        ),
    ],
)
def test_search_and_filters_narrow_the_list(
    imported_small: dict[str, Any], client: Client, query: dict[str, str], expected: list[str]
) -> None:
    page = client.get(URL, query)
    partial = client.get(URL, query, **HTMX)

    assert page.status_code == partial.status_code == 200
    assert names(page) == names(partial) == expected
    assert "could not be used" not in page.content.decode()


def test_sorting_by_annual_fee_puts_the_cheapest_first(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, {"sort": "fee"})

    assert names(response) == [
        "Quarterly Points Card",
        "Shared Cap Cash Rewards",
        "Top Category Cash",
        "Grocer Cash Preferred",
        "Business Miles Plus",
    ]


def test_sorting_by_best_rate_uses_the_strong_in_category_and_point_values(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, {"strong": "groceries", "sort": "rate"})

    # 6% cash; 5x points at 1.5¢ = 7.5% (rotating); 5% top category; 2% shared cap.
    assert names(response) == [
        "Quarterly Points Card",
        "Grocer Cash Preferred",
        "Top Category Cash",
        "Shared Cap Cash Rewards",
    ]


def test_sorting_by_rate_without_a_category_says_why_it_sorted_by_name(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, {"sort": "rate"})

    assert response.status_code == 200
    assert names(response)[0] == "Business Miles Plus"
    assert "choose a category under “Strong in”" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"issuer": "no-such-bank"}, "Issuer: “no-such-bank” is not one of the choices"),
        ({"network": "diners"}, "Network: “diners” is not one of the choices"),
        ({"kind": "gold"}, "Reward kind: “gold” is not one of the choices"),
        ({"fee": "cheap"}, "Annual fee: “cheap” is not one of the choices"),
        ({"strong": "foreign"}, "Strong in: “foreign” is not one of the choices"),
        ({"sort": "random"}, "Sort by: “random” is not one of the choices"),
        ({"credit": "perfect"}, "Your credit: “perfect” is not one of the choices"),
        ({"page": "-3"}, "Page numbers start at 1"),
        ({"page": "0"}, "Page numbers start at 1"),
        ({"page": "abc"}, "The page number must be a whole number"),
        ({"page": "9" * 40}, "There are not that many pages"),
        ({"q": "x" * 500}, "Searches are limited to 100 characters"),
    ],
)
def test_unknown_filter_values_get_a_message_and_are_ignored(
    imported_small: dict[str, Any], client: Client, query: dict[str, str], message: str
) -> None:
    page = client.get(URL, query)
    partial = client.get(URL, query, **HTMX)

    for response in (page, partial):
        assert response.status_code == 200
        assert message in response.content.decode()
        assert len(names(response)) == 5


def test_a_page_past_the_end_is_a_404_with_a_way_back(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, {"page": "2"})

    assert response.status_code == 404
    assert f'href="{URL}"' in response.content.decode()


def test_the_empty_state_offers_to_clear_the_filters(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(URL, {"q": "platinum", "network": "visa"}, **HTMX)

    text = response.content.decode()
    assert "No cards match" in text
    assert f'href="{URL}">Clear filters</a>' in text


@pytest.fixture
def many_cards(db: None) -> None:
    cash = Currency.objects.create(code="cash", name="Cash back", kind="cash", cents_per_point=1)
    bank = Issuer.objects.create(name="Big Bank")
    for number in range(45):
        card = Card.objects.create(
            slug=f"card-{number:02d}",
            name=f"Card {number:02d}",
            issuer=bank,
            network="visa",
            currency=cash,
            annual_fee=Decimal(number),
            base_rate=Decimal(1),
            source_url="https://www.example.com/",
            verified_on="2026-10-01",
        )
        EarnRule.objects.create(card=card, categories=["dining"], rate=Decimal(2))


def test_the_list_is_paginated_with_plain_links(many_cards: None, client: Client) -> None:
    first = client.get(URL, {"network": "visa"})
    second = client.get(URL, {"network": "visa", "page": "2"})
    third = client.get(URL, {"network": "visa", "page": "3"})

    assert names(first) == [f"Card {n:02d}" for n in range(20)]
    # The address of page N lists every card up to it: what "Show more cards" had shown.
    assert names(second) == [f"Card {n:02d}" for n in range(40)]
    assert names(third) == [f"Card {n:02d}" for n in range(45)]
    assert f'href="{URL}?network=visa&amp;page=2"' in first.content.decode()
    assert "Cards 1–40 of 45" in second.content.decode()
    assert f'href="{URL}?network=visa&amp;page=3"' in second.content.decode()
    assert 'id="load-more"' not in third.content.decode()


def test_load_more_returns_just_the_next_items(many_cards: None, client: Client) -> None:
    response = client.get(
        URL, {"network": "visa", "page": "2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="load-more"
    )

    text = response.content.decode()
    assert text.lstrip().startswith('<li id="card-card-20" class="card-item">')
    assert "Card 20" in text and "Card 39" in text and "Card 19" not in text
    assert 'hx-get="/cards/?network=visa&amp;page=3"' in text
    # The address bar follows, so Back and reload bring all these cards back.
    assert 'hx-push-url="true">Show more cards' in text
    # The heading follows out of band: it counts every card now on screen, not the first 20.
    assert text.count("<h2") == 1
    assert (
        '<h2 id="results-title" class="results-count" hx-swap-oob="true">Cards 1–40 of 45</h2>'
        in text
    )


def test_the_search_form_works_without_javascript_and_with_active_search(
    imported_small: dict[str, Any], client: Client
) -> None:
    text = client.get(URL, {"q": "cash", "network": "visa"}).content.decode()

    assert f'<form id="card-filters" class="card-filters" method="get" action="{URL}"' in text
    assert '<button type="submit" class="button-primary">Search</button>' in text
    assert 'name="q" value="cash"' in text
    assert 'hx-trigger="search, keyup delay:300ms changed"' in text
    assert 'hx-push-url="true"' in text
    assert '<option value="visa" selected>' in text
    assert '<label for="id_q">Search cards:</label>' in text


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=%ff%fe",
        "page=1.5",
        "page=1e3",
        "page=%00",
        "network=visa&network=amex",
        "issuer[]=x",
        "sort=rate&strong=%00",
        "utm_source=newsletter",
    ],
)
def test_odd_query_strings_never_fail(
    imported_small: dict[str, Any], client: Client, query: str
) -> None:
    for headers in ({}, HTMX):
        response = client.get(f"{URL}?{query}", **headers)
        assert response.status_code == 200


def test_a_closed_card_is_listed_and_marked(imported_small: dict[str, Any], client: Client) -> None:
    Card.objects.filter(slug="grocer-cash").update(status="closed")

    page = client.get(URL).content.decode()
    swap = client.get(URL, {"q": "grocer"}, **HTMX).content.decode()

    item = page[page.index("Grocer Cash Preferred") : page.index("Quarterly Points Card")]
    assert "Closed to new applicants: never recommended" in item
    assert page.count("Closed to new applicants") == 1
    assert "Closed to new applicants: never recommended" in swap


def test_an_active_search_sent_again_replaces_its_history_entry(
    imported_small: dict[str, Any], client: Client
) -> None:
    typed = client.get(
        URL,
        {"q": "cash"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_HX_CURRENT_URL="http://testserver/cards/",
    )
    assert typed["HX-Push-Url"] == "/cards/?q=cash" and "HX-Replace-Url" not in typed
    # Typed, paused (the search above ran and pushed its address), then Enter: same address.
    entered = client.get(
        URL,
        {"q": "cash"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_HX_CURRENT_URL="http://testserver/cards/?q=cash",
    )
    assert entered["HX-Replace-Url"] == "/cards/?q=cash" and "HX-Push-Url" not in entered
    assert entered.status_code == typed.status_code == 200
