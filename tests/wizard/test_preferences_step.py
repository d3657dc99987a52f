"""Step 2: preferences, held cards with search-as-you-type, point values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.wizard.conftest import HTMX
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/preferences/"

VALID = {
    "wallet_size": "2",
    "rank_by": "ongoing",
    "max_annual_fee": "95",
    "credit_band": "good",
    "reward_kind": "any",
    "count_credits": "on",
}


@pytest.fixture
def started(client: Client, shipped_catalog: None) -> Client:
    """A visitor who has finished step 1."""
    client.post("/wizard/spending/", {"groceries": "600", "dining": "250", "action": "next"})
    return client


def test_without_spending_the_step_sends_the_visitor_to_step_one(client: Client) -> None:
    response = client.get(URL, follow=True)
    assert response.redirect_chain == [("/wizard/spending/", 302)]
    assert "Start with your monthly spending." in response.text


def test_without_spending_an_htmx_request_gets_step_one_and_its_url(client: Client) -> None:
    response = client.get(URL, headers=HTMX)
    assert response["HX-Push-Url"] == "/wizard/spending/"
    assert "Your monthly spending" in response.text


def test_the_full_page_lists_preferences_held_cards_issuers_and_point_values(
    started: Client,
) -> None:
    response = started.get(URL, {"held_search": "sapphire"})
    assert response.status_code == 200
    html = response.text
    assert "<html" in html
    assert 'name="wallet_size"' in html and 'name="credit_band"' in html
    assert 'value="chase-sapphire-preferred"' in html
    assert 'value="Chase"' in html
    assert 'name="cpp_chase_ur"' in html
    # Point values are prefilled from the catalog's defaults.
    assert 'name="cpp_world_of_hyatt" value="1.5' in html


def test_an_htmx_request_gets_only_the_step(started: Client) -> None:
    response = started.get(URL, headers=HTMX)
    assert "<html" not in response.text
    assert response.text.count('id="wizard-step"') == 1


def test_a_valid_post_saves_and_redirects_to_review(started: Client) -> None:
    data = dict(VALID, held_cards=["chase-freedom-unlimited"], excluded_issuers=["Citi"])
    data["cpp_chase_ur"] = "2"
    response = started.post(URL, data)
    assert response.status_code == 302
    assert response["Location"] == "/wizard/review/"
    profile = SpendingProfile.objects.get()
    assert profile.wallet_size == 2
    assert profile.max_annual_fee == Decimal("95")
    assert profile.held_cards == ["chase-freedom-unlimited"]
    assert profile.excluded_issuers == ["Citi"]
    assert profile.cents_per_point == {"chase_ur": "2"}
    assert profile.preferences_saved


def test_a_valid_htmx_post_answers_with_the_review_partial(started: Client) -> None:
    response = started.post(URL, VALID, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/wizard/review/"
    assert "Review your answers" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wallet_size", "4", "Choose 1, 2 or 3 cards."),
        ("wallet_size", "0", "Choose 1, 2 or 3 cards."),
        ("max_annual_fee", "-10", "A fee can&#x27;t be negative."),
        ("max_annual_fee", "abc", "Enter a fee in dollars, like 95, or leave it blank."),
        ("credit_band", "perfect", "Select a valid choice."),
        ("held_cards", "no-such-card", "no-such-card is not a card in our catalog."),
        ("excluded_issuers", "Bank of Nowhere", "Bank of Nowhere is not an issuer in our catalog."),
        ("cpp_chase_ur", "-1", "A point can&#x27;t be worth less than nothing."),
        ("cpp_chase_ur", "Infinity", "Enter a value in cents, like 1.25."),
    ],
)
def test_bad_values_re_render_with_the_message_and_keep_saved_answers(
    started: Client, field: str, value: str, message: str
) -> None:
    response = started.post(URL, dict(VALID, **{field: value}), headers=HTMX)
    assert response.status_code == 200
    assert message in response.text
    profile = SpendingProfile.objects.get()
    assert not profile.preferences_saved
    assert profile.spend()["groceries"] == Decimal("600")


def test_held_card_search_returns_matching_cards_and_keeps_ticked_ones(started: Client) -> None:
    response = started.get(
        "/wizard/preferences/held-cards/",
        {"held_search": "sapphire", "held_cards": ["citi-double-cash"]},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.text
    assert html.strip().startswith('<div id="held-cards"')
    assert 'value="chase-sapphire-preferred"' in html
    assert 'value="citi-double-cash" checked' in html
    assert 'value="amex-gold"' not in html


def test_held_card_search_without_htmx_shows_the_whole_step(started: Client) -> None:
    response = started.get("/wizard/preferences/held-cards/", {"held_search": "sapphire"})
    assert response.status_code == 200
    assert "<html" in response.text
    assert 'value="chase-sapphire-preferred"' in response.text


def test_without_a_search_only_the_ticked_cards_are_listed(started: Client) -> None:
    started.post(URL, dict(VALID, held_cards=["citi-double-cash"]))
    html = started.get(URL).text
    assert html.count('name="held_cards"') == 1
    assert 'value="citi-double-cash" checked' in html


def test_without_a_search_or_a_ticked_card_the_list_says_how_to_add_one(started: Client) -> None:
    html = started.get(URL).text
    assert 'name="held_cards"' not in html
    assert "Search above for a card you have" in html


def test_a_broad_search_lists_a_few_cards_and_says_how_many_more_match(started: Client) -> None:
    response = started.get(
        "/wizard/preferences/held-cards/", {"held_search": "chase"}, headers=HTMX
    )
    html = response.text
    assert html.count('name="held_cards"') == 12
    assert "more cards match that search: type more of the name." in html


def test_the_search_box_belongs_to_its_own_get_form_so_enter_searches(started: Client) -> None:
    html = started.get(URL).text
    assert 'id="held-search" name="held_search" form="held-search-form"' in html
    assert '<form id="held-search-form" method="get" action="/wizard/preferences/"' in html
    # The step's own form closes before the search form opens: never nested.
    assert html.index("</form>") < html.index('<form id="held-search-form"')


def test_a_search_matching_nothing_says_so(started: Client) -> None:
    response = started.get("/wizard/preferences/held-cards/", {"held_search": "zzzz"}, headers=HTMX)
    assert "No card matches that search." in response.text


def test_the_form_as_rendered_posts_back_valid(started: Client) -> None:
    import re

    html = started.get(URL).text
    data = dict(re.findall(r'<input type="number" name="(\w+)" value="([^"]*)"', html))
    assert "cpp_chase_ur" in data
    response = started.post(URL, {**VALID, **data})
    assert response.status_code == 302, response.text[-2000:]
    # Values equal to the catalog's defaults are not stored as overrides.
    assert SpendingProfile.objects.get().cents_per_point == {}
