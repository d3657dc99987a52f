"""/cards/compare/?cards=a,b,c and adding or removing cards, with and without htmx."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

COMPARE = reverse("catalog:card-compare")
TOGGLE = reverse("catalog:compare-toggle")
LIST = reverse("catalog:card-list")


def test_it_shows_up_to_three_cards_side_by_side(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(COMPARE, {"cards": "grocer-cash,quarterly-points,business-miles"})

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('<th scope="col"><a href=') == 3
    assert "6% back on groceries on up to $6,000 a year, then 1%" in text
    assert "$95 a year ($0 the first year)" in text
    # Groceries: 6% cash, 5x points at 1.5¢ = 7.5% (rotating), 1.5 miles at 1.2¢ = 1.8%.
    assert '<td class="num">6%</td><td class="num"><strong>7.5%</strong>' in text
    assert f'href="{COMPARE}?cards=quarterly-points,business-miles"' in text


def test_the_url_can_be_shared(imported_small: dict[str, Any], client: Client) -> None:
    # A visitor with no selection of their own sees exactly what the link names.
    response = Client().get(COMPARE, {"cards": "top-category-cash, grocer-cash"})

    assert response.status_code == 200
    assert [card.slug for card in response.context["cards"]] == [
        "top-category-cash",
        "grocer-cash",
    ]


def test_more_than_three_cards_get_a_clear_message(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(
        COMPARE, {"cards": "grocer-cash,quarterly-points,business-miles,top-category-cash"}
    )

    assert response.status_code == 400
    assert "You can compare up to three cards at a time; you asked for 4." in (
        response.content.decode()
    )


def test_unknown_ids_get_a_clear_message(imported_small: dict[str, Any], client: Client) -> None:
    response = client.get(COMPARE, {"cards": "grocer-cash,no-such-card"})

    assert response.status_code == 404
    assert "We have no card with the id “no-such-card”." in response.content.decode()


@pytest.mark.parametrize(
    "value", ["<script>", "../../etc", "a" * 500, "GROCER-CASH", "grocer cash", "%00"]
)
def test_garbage_ids_get_a_message_not_an_error(
    imported_small: dict[str, Any], client: Client, value: str
) -> None:
    response = client.get(COMPARE, {"cards": value})

    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
    assert "Pick up to 3 cards" in response.content.decode()


def test_an_empty_comparison_explains_what_to_do(db: None, client: Client) -> None:
    response = client.get(COMPARE)

    assert response.status_code == 200
    assert "Nothing to compare yet" in response.content.decode()


def test_the_compare_page_answers_htmx_with_the_comparison_only(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(COMPARE, {"cards": "grocer-cash"}, HTTP_HX_REQUEST="true")

    text = response.content.decode()
    assert "<html" not in text
    assert "Grocer Cash Preferred" in text


def test_adding_without_javascript_redirects_back_with_a_message(
    imported_small: dict[str, Any], client: Client
) -> None:
    back = f"{LIST}?q=cash"

    response = client.post(TOGGLE, {"card": "grocer-cash", "op": "add", "next": back})

    assert response.status_code == 302
    # Back to the card's own place in the list, not the top of the page.
    assert response["Location"] == f"{back}#card-grocer-cash"
    page = client.get(back).content.decode()
    assert '<li id="card-grocer-cash" class="card-item">' in page
    assert "Added Grocer Cash Preferred. Comparing 1 of 3." in page
    assert "Remove from compare" in page
    assert f'href="{COMPARE}?cards=grocer-cash"' in page


def test_the_compare_page_without_cards_opens_the_visitors_selection(
    imported_small: dict[str, Any], client: Client
) -> None:
    client.post(TOGGLE, {"card": "grocer-cash", "op": "add"})
    client.post(TOGGLE, {"card": "business-miles", "op": "add"})

    response = client.get(COMPARE)

    assert response.status_code == 302
    assert response["Location"] == f"{COMPARE}?cards=grocer-cash,business-miles"


def test_a_fourth_card_is_refused_with_a_message(
    imported_small: dict[str, Any], client: Client
) -> None:
    for slug in ("grocer-cash", "quarterly-points", "business-miles", "top-category-cash"):
        client.post(TOGGLE, {"card": slug, "op": "add", "next": LIST})

    page = client.get(LIST).content.decode()
    assert "You can compare up to three cards. Remove one first." in page
    assert client.session["catalog_compare"] == [
        "grocer-cash",
        "quarterly-points",
        "business-miles",
    ]


def test_removing_without_javascript(imported_small: dict[str, Any], client: Client) -> None:
    client.post(TOGGLE, {"card": "grocer-cash", "op": "add"})
    client.post(TOGGLE, {"card": "business-miles", "op": "add"})

    response = client.post(TOGGLE, {"card": "grocer-cash", "op": "remove"})

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:card-detail", args=["grocer-cash"])
    assert client.session["catalog_compare"] == ["business-miles"]


def test_an_offsite_next_is_not_followed(imported_small: dict[str, Any], client: Client) -> None:
    response = client.post(
        TOGGLE, {"card": "grocer-cash", "op": "add", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("catalog:card-detail", args=["grocer-cash"])


@pytest.mark.parametrize("next_url", ["foo", "home", "cards/compare/", "javascript:alert(1)"])
def test_a_next_that_is_not_a_path_of_this_site_goes_back_to_the_card(
    imported_small: dict[str, Any], client: Client, next_url: str
) -> None:
    response = client.post(TOGGLE, {"card": "grocer-cash", "op": "add", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:card-detail", args=["grocer-cash"])


def test_adding_with_htmx_updates_the_button_tray_and_status_out_of_band(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.post(
        TOGGLE,
        {"card": "grocer-cash", "op": "add", "next": LIST, "toggle_shown": "1"},
        HTTP_HX_REQUEST="true",
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert '<section id="compare-tray" class="compare-tray"' in text
    assert (
        'id="compare-status" class="compare-status" role="status" hx-swap-oob="innerHTML"' in text
    )
    assert "Added Grocer Cash Preferred. Comparing 1 of 3." in text
    assert 'id="compare-grocer-cash"' in text
    assert "Remove from compare" in text
    assert text.count('hx-swap-oob="true"') == 2


def test_removing_from_the_tray_with_htmx_leaves_out_a_button_the_page_lacks(
    imported_small: dict[str, Any], client: Client
) -> None:
    client.post(TOGGLE, {"card": "grocer-cash", "op": "add"})

    response = client.post(TOGGLE, {"card": "grocer-cash", "op": "remove"}, HTTP_HX_REQUEST="true")

    text = response.content.decode()
    assert 'id="compare-grocer-cash"' not in text
    assert "Removed Grocer Cash Preferred from your comparison." in text
    assert client.session["catalog_compare"] == []


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"card": "no-such-card", "op": "add"}, 404),
        ({"card": "grocer-cash", "op": "steal"}, 400),
        ({"card": "<b>", "op": "add"}, 400),
        ({}, 400),
    ],
)
def test_bad_toggle_requests_get_a_message(
    imported_small: dict[str, Any], client: Client, data: dict[str, str], status: int
) -> None:
    plain = client.post(TOGGLE, data)
    htmx = client.post(TOGGLE, data, HTTP_HX_REQUEST="true")

    assert plain.status_code == status
    assert "nothing changed" in plain.content.decode()
    assert htmx.status_code == 200
    assert "nothing changed" in htmx.content.decode()


def test_the_toggle_needs_a_post_and_a_csrf_token(
    imported_small: dict[str, Any], client: Client
) -> None:
    strict = Client(enforce_csrf_checks=True)

    assert client.get(TOGGLE).status_code == 405
    assert strict.post(TOGGLE, {"card": "grocer-cash", "op": "add"}).status_code == 403


def test_a_tampered_session_is_ignored(imported_small: dict[str, Any], client: Client) -> None:
    session = client.session
    session["catalog_compare"] = ["grocer-cash", 5, "<x>", None]
    session.save()

    response = client.get(LIST)

    assert response.status_code == 200
    assert f'href="{COMPARE}?cards=grocer-cash"' in response.content.decode()
