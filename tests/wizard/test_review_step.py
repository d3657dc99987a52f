"""Step 3: the review summary with edit links and "Find my cards"."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.wizard.conftest import HTMX
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/review/"


@pytest.fixture
def answered(client: Client, shipped_catalog: None) -> Client:
    client.post("/wizard/spending/", {"groceries": "600", "dining": "250.5", "action": "next"})
    client.post(
        "/wizard/preferences/",
        {
            "wallet_size": "2",
            "rank_by": "year_one",
            "max_annual_fee": "0",
            "credit_band": "fair",
            "reward_kind": "cash",
            "held_cards": ["citi-double-cash"],
            "excluded_issuers": ["Discover"],
        },
    )
    return client


def test_the_review_summarises_spending_and_preferences(answered: Client) -> None:
    response = answered.get(URL)
    assert response.status_code == 200
    html = response.text
    assert "<html" in html
    assert (
        '<th scope="row">Groceries</th><td class="num">$600.00</td><td class="num">$7,200.00</td>'
        in html
    )
    assert '<td class="num">$850.50</td><td class="num">$10,206.00</td>' in html
    assert "<dt>Wallet</dt><dd>Up to 2 cards</dd>" in html
    assert "<dt>Annual fee</dt><dd>No-fee cards only</dd>" in html
    assert "<dt>Rewards</dt><dd>Cash back</dd>" in html
    assert "<dt>Issuers left out</dt><dd>Discover</dd>" in html
    assert "Citi Double Cash" in html


def test_the_review_has_edit_links_for_both_steps_and_find_my_cards(answered: Client) -> None:
    html = answered.get(URL).text
    assert 'href="/wizard/spending/" hx-get="/wizard/spending/"' in html
    assert 'href="/wizard/preferences/" hx-get="/wizard/preferences/"' in html
    token = SpendingProfile.objects.get().token
    assert f'href="/results/{token}/">Find my cards</a>' in html


def test_an_htmx_request_gets_only_the_step(answered: Client) -> None:
    response = answered.get(URL, headers=HTMX)
    assert "<html" not in response.text
    assert "Review your answers" in response.text


def test_the_review_cannot_be_reached_before_entering_spending(client: Client) -> None:
    response = client.get(URL, follow=True)
    assert response.redirect_chain == [("/wizard/spending/", 302)]
    assert "Start with your monthly spending." in response.text


def test_answers_survive_going_back_a_step_and_forward_again(answered: Client) -> None:
    spending = answered.get("/wizard/spending/").text
    assert 'name="dining" value="250.50"' in spending
    preferences = answered.get("/wizard/preferences/").text
    assert 'value="citi-double-cash" checked' in preferences
    assert 'name="max_annual_fee" value="0' in preferences
    assert "Up to 2 cards" in answered.get(URL).text
