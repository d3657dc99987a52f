"""Step 1: monthly spending, as a full page and as an htmx partial, with and without JS."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.wizard.conftest import HTMX
from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/spending/"


def test_the_full_page_has_the_layout_and_one_decimal_input_per_category(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text
    assert "<html" in html and 'class="site-header"' in html
    assert '<h1 id="step-title" data-focus-on-swap>Your monthly spending</h1>' in html
    for category in ("groceries", "dining", "gas", "airfare", "foreign", "other"):
        assert f'name="{category}"' in html
    assert html.count('inputmode="decimal"') == 18
    assert "Everyday" in html and "Travel" in html and "Home and other" in html
    assert 'action="/wizard/spending/"' in html and 'method="post"' in html
    assert 'hx-post="/wizard/spending/"' in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_an_htmx_request_gets_only_the_step_partial(client: Client) -> None:
    response = client.get(URL, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'class="site-header"' not in response.text
    assert response.text.count('id="wizard-step"') == 1
    assert "<title>Your monthly spending" in response.text


def test_a_valid_full_page_post_saves_and_redirects_to_preferences(client: Client) -> None:
    response = client.post(URL, {"groceries": "600", "dining": "250.50", "action": "next"})
    assert response.status_code == 302
    assert response["Location"] == "/wizard/preferences/"
    profile = SpendingProfile.objects.get()
    assert profile.spend()["groceries"] == Decimal("600")
    assert profile.spend()["dining"] == Decimal("250.50")
    assert profile.spend()["gas"] == Decimal("0")
    assert client.session["wizard_profile_token"] == profile.token


def test_a_valid_htmx_post_answers_with_the_preferences_partial_and_pushes_its_url(
    client: Client, shipped_catalog: None
) -> None:
    response = client.post(URL, {"groceries": "600", "action": "next"}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/wizard/preferences/"
    assert "Your preferences" in response.text
    assert "<html" not in response.text


def test_invalid_amounts_re_render_the_step_with_messages_and_typed_values(
    client: Client,
) -> None:
    response = client.post(
        URL,
        {
            "groceries": "-5",
            "dining": "lots",
            "gas": "2000000",
            "airfare": "NaN",
            "hotels": "Infinity",
            "streaming": "12.345",
            "transit": "40",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.text
    assert "Enter 0 or more: spending can&#x27;t be negative." in html
    assert "Enter an amount in dollars, like 250, 1,200 or 89.50." in html
    assert "That is more than $1,000,000 a month; check the amount." in html
    assert "Use at most 2 decimal places (cents)." in html
    assert html.count("field-invalid") == 6
    assert 'value="lots"' in html and 'value="40"' in html
    assert not SpendingProfile.objects.exists()


def test_typed_markup_comes_back_escaped_and_tied_to_its_error(client: Client) -> None:
    # The inputs are joined from escaped pieces (wizard/forms.py), not by a template.
    response = client.post(URL, {"dining": '"><script>alert(1)</script>&'}, headers=HTMX)
    html = response.text
    assert "<script>alert(1)" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"' in html
    assert (
        'id="id_dining" inputmode="decimal" autocomplete="off" placeholder="0" '
        'aria-describedby="id_dining_help id_dining_errors" aria-invalid="true">'
    ) in html
    assert '<ul class="errorlist" id="id_dining_errors"><li>Enter an amount' in html
    assert '<label for="id_groceries">Groceries</label>' in html


def test_invalid_input_never_overwrites_saved_answers(client: Client) -> None:
    client.post(URL, {"groceries": "600", "action": "next"})
    client.post(URL, {"groceries": "-1", "action": "next"})
    assert SpendingProfile.objects.get().spend()["groceries"] == Decimal("600")


def test_unknown_fields_are_refused_with_a_clear_message(client: Client) -> None:
    response = client.post(URL, {"groceries": "600", "bitcoin": "5", "action": "next"})
    assert response.status_code == 200
    assert "This form does not accept the field(s): bitcoin." in response.text
    assert not SpendingProfile.objects.exists()


def test_saved_answers_fill_the_form_when_coming_back(client: Client) -> None:
    client.post(URL, {"groceries": "600", "dining": "89.50", "action": "next"})
    html = client.get(URL).text
    assert 'name="groceries" value="600"' in html
    assert 'name="dining" value="89.50"' in html


def test_the_preset_fills_in_the_typical_household_and_keeps_it(client: Client) -> None:
    response = client.post(URL, {"action": "preset"})
    assert response.status_code == 302
    assert response["Location"] == URL
    page = client.get(URL).text
    assert f'name="groceries" value="{TYPICAL_US_HOUSEHOLD_MONTHLY["groceries"]}"' in page
    assert "typical US household" in page
    profile = SpendingProfile.objects.get()
    assert profile.monthly_total() == sum(TYPICAL_US_HOUSEHOLD_MONTHLY.values())


def test_the_preset_over_htmx_swaps_the_filled_step(client: Client) -> None:
    response = client.post(URL, {"action": "preset"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'value="{TYPICAL_US_HOUSEHOLD_MONTHLY["groceries"]}"' in response.text


def test_update_total_without_js_saves_and_shows_the_monthly_and_yearly_total(
    client: Client,
) -> None:
    response = client.post(URL, {"groceries": "600", "dining": "250.50", "action": "total"})
    assert response.status_code == 302
    page = client.get(URL).text
    assert "<strong>$850.50</strong> a month, <strong>$10,206.00</strong> a year." in page


def test_the_live_total_partial_sums_what_was_typed_without_saving(client: Client) -> None:
    response = client.post(
        "/wizard/spending/total/",
        {"groceries": "600", "dining": "oops", "gas": "100"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.strip().startswith('<div id="spending-total"')
    assert "<strong>$700.00</strong> a month, <strong>$8,400.00</strong> a year." in response.text
    assert not SpendingProfile.objects.exists()


def test_next_with_nothing_entered_stays_on_step_one_with_a_message(client: Client) -> None:
    response = client.post(URL, {"action": "next"}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "Enter at least one amount to get recommendations." in response.text


def test_editing_after_results_were_shown_keeps_the_old_permalink_intact(
    client: Client,
) -> None:
    from django.utils import timezone

    client.post(URL, {"groceries": "600", "action": "next"})
    first = SpendingProfile.objects.get()
    first.results_shown_at = timezone.now()
    first.save()
    client.post(URL, {"groceries": "700", "action": "next"})
    first.refresh_from_db()
    assert first.spend()["groceries"] == Decimal("600")
    second = SpendingProfile.objects.exclude(pk=first.pk).get()
    assert second.spend()["groceries"] == Decimal("700")
    assert client.session["wizard_profile_token"] == second.token


def test_the_preset_message_shows_inside_the_htmx_swap(client: Client) -> None:
    response = client.post(URL, {"action": "preset"}, headers=HTMX)
    assert "Filled in with a typical US household" in response.text
    # Shown once: the next full page does not repeat it.
    assert "Filled in with a typical US household" not in client.get(URL).text
