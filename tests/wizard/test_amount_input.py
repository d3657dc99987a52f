"""Amounts as people type them: commas, a dollar sign and spaces are fine; oddities are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from wizard.models import SpendingProfile

URL = "/wizard/spending/"
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "saved"),
    [("1,200", "1200"), ("$1,200.50", "1200.50"), (" 45 ", "45"), ("$45", "45"), ("5.", "5")],
)
def test_amounts_with_commas_dollar_signs_or_spaces_are_accepted(
    client: Client, typed: str, saved: str
) -> None:
    response = client.post(URL, {"groceries": typed, "action": "next"})
    assert response.status_code == 302
    assert SpendingProfile.objects.get().spend()["groceries"] == Decimal(saved)


@pytest.mark.parametrize("typed", ["1.2.3", "$", "12e3", "1,20", "NaN", "1 200"])
def test_malformed_amounts_are_refused_with_a_message_and_kept_as_typed(
    client: Client, typed: str
) -> None:
    response = client.post(URL, {"groceries": typed, "dining": "80", "action": "next"})
    assert response.status_code == 200
    assert "Enter an amount in dollars, like 250, 1,200 or 89.50." in response.text
    assert f'value="{typed}"' in response.text
    assert not SpendingProfile.objects.exists()


def test_amount_inputs_are_text_with_a_decimal_keypad_so_no_browser_blanks_them(
    client: Client,
) -> None:
    html = client.get(URL).text
    assert 'name="groceries"' in html
    assert 'type="number"' not in html
    assert html.count('inputmode="decimal"') >= 18


def test_the_running_total_counts_amounts_typed_with_commas(client: Client) -> None:
    response = client.post(URL, {"groceries": "1,200", "dining": "$300", "action": "next"})
    assert response.status_code == 302
    page = client.get(URL).text
    assert "$1,500.00" in page
