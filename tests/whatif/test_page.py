"""The panel on the results page, the what-if page without JavaScript, and "Save these amounts"."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.whatif.conftest import SAVED_SPEND, TRAVEL_SPEND
from whatif.models import SocketLease
from wizard.models import SESSION_KEY, SpendingProfile

pytestmark = pytest.mark.django_db


def query(spend: dict[str, str], wallet_size: int = 2) -> str:
    return urlencode({**spend, "wallet_size": wallet_size})


def test_the_results_page_has_the_panel_prefilled_from_the_saved_answer(
    client: Client, profile: SpendingProfile
) -> None:
    html = client.get(f"/results/{profile.token}/").text
    assert '<summary id="whatif-title">Try other amounts</summary>' in html
    # The socket's address waits in data-socket: app.js connects once the panel is opened.
    assert f'hx-ext="ws" data-socket="/ws/results/{profile.token}/what-if/"' in html
    assert "ws-connect" not in html and " ws-send" not in html
    assert f'<form id="whatif-form" method="get" action="/results/{profile.token}/what-if/"' in html
    assert 'data-socket-send="input delay:300ms"' in html
    assert 'name="groceries" value="600"' in html and 'name="other" value="900"' in html
    assert 'name="airfare" id="id_airfare"' in html  # blank: nothing saved there
    assert '<option value="2" selected>Up to 2 cards</option>' in html
    assert "/static/vendor/htmx-ext-ws.min.js" in html
    # Nothing has changed yet: no ranking to compare and nothing to save.
    assert "Change an amount to see the best wallets move." in html
    assert "Save these amounts</button>" not in html
    assert not SocketLease.objects.exists()


def test_without_javascript_the_form_shows_the_same_fragments_in_a_page(
    client: Client, profile: SpendingProfile
) -> None:
    response = client.get(f"/results/{profile.token}/what-if/?{query(TRAVEL_SPEND, 3)}")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Try other amounts</h1>" in html
    assert '<details class="advanced whatif-details" open>' in html
    assert "At $3,920 a month, against your saved $1,870." in html
    assert "3-card wallets" in html and "drops out." in html and "new in this list" in html
    # The form keeps what was typed, and the save form carries the same amounts.
    assert 'name="airfare" value="800"' in html
    assert '<input type="hidden" name="airfare" value="800">' in html
    assert '<option value="3" selected>Up to 3 cards</option>' in html
    assert html.count('name="csrfmiddlewaretoken"') == 1
    profile.refresh_from_db()
    assert profile.spend()["airfare"] == 0


def test_the_saved_amounts_show_no_change_and_nothing_to_save(
    client: Client, profile: SpendingProfile
) -> None:
    html = client.get(f"/results/{profile.token}/what-if/?{query(SAVED_SPEND)}").text
    assert "Your saved amounts: $1,870 a month." in html
    assert html.count("no change; was #") == 6
    assert "drops out" not in html
    assert "Save these amounts</button>" not in html


def test_the_page_without_amounts_shows_the_saved_ones_to_edit(
    client: Client, profile: SpendingProfile
) -> None:
    html = client.get(f"/results/{profile.token}/what-if/").text
    assert 'name="groceries" value="600"' in html
    assert "Change an amount to see the best wallets move." in html


def test_bad_amounts_are_shown_next_to_their_fields_with_status_200(
    client: Client, profile: SpendingProfile
) -> None:
    bad = {**SAVED_SPEND, "groceries": "-5", "dining": "lots"}
    response = client.get(f"/results/{profile.token}/what-if/?{query(bad, 7)}")
    assert response.status_code == 200
    html = response.text
    assert "Enter 0 or more: spending can&#x27;t be negative." in html
    assert "Enter an amount in dollars, like 250, 1,200 or 89.50." in html
    assert "Choose 1, 2 or 3 cards." in html
    assert 'name="dining" value="lots"' in html
    assert "Check the amounts:" in html and "Fix the amounts above to save them." in html


def test_extra_fields_get_a_clear_message(client: Client, profile: SpendingProfile) -> None:
    html = client.get(f"/results/{profile.token}/what-if/?{query(SAVED_SPEND)}&debug=1").text
    assert "This form does not accept the field(s): debug." in html


def test_an_unknown_token_is_a_404(client: Client, shipped_catalog: None) -> None:
    assert client.get("/results/nope/what-if/").status_code == 404
    assert client.post("/results/nope/what-if/save/", {"groceries": "1"}).status_code == 404


def test_saving_makes_a_copy_with_the_new_amounts_and_goes_to_the_review_step(
    client: Client, profile: SpendingProfile
) -> None:
    response = client.post(
        f"/results/{profile.token}/what-if/save/", {**TRAVEL_SPEND, "wallet_size": "3"}
    )
    assert response.status_code == 302 and response["Location"] == "/wizard/review/"
    copy = SpendingProfile.objects.get(token=client.session[SESSION_KEY])
    assert copy.pk != profile.pk
    assert copy.spend()["airfare"] == 800 and copy.wallet_size == 3
    # The permalink that was shared keeps its answers.
    profile.refresh_from_db()
    assert profile.spend()["airfare"] == 0 and profile.wallet_size == 2
    review = client.get("/wizard/review/").text
    assert "Saved these amounts." in review and "$3,920.00" in review


def test_saving_bad_amounts_saves_nothing_and_says_why(
    client: Client, profile: SpendingProfile
) -> None:
    response = client.post(
        f"/results/{profile.token}/what-if/save/", {**SAVED_SPEND, "gas": "-1", "wallet_size": "2"}
    )
    assert response.status_code == 200
    assert "Enter 0 or more" in response.text
    assert SpendingProfile.objects.count() == 1


def test_saving_needs_the_csrf_token(profile: SpendingProfile) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/results/{profile.token}/what-if/save/", {"wallet_size": "1"})
    assert response.status_code == 403


def test_the_page_only_answers_get_and_saving_only_post(
    client: Client, profile: SpendingProfile
) -> None:
    assert client.post(f"/results/{profile.token}/what-if/").status_code == 405
    assert client.get(f"/results/{profile.token}/what-if/save/").status_code == 405
