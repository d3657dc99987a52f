"""Step 2's "No annual fee only" checkbox, and the highest fee typed as people type money."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from tests.wizard.conftest import HTMX
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/preferences/"


def _checkbox(html: str) -> str:
    match = re.search(r'<input type="checkbox" name="no_fee_only"[^>]*>', html)
    assert match is not None
    return match.group(0)


VALID = {"wallet_size": "2", "rank_by": "ongoing", "credit_band": "good", "reward_kind": "any"}


@pytest.fixture
def started(client: Client, shipped_catalog: None) -> Client:
    client.post("/wizard/spending/", {"groceries": "600", "action": "next"})
    return client


def test_the_checkbox_saves_a_zero_fee_limit_whatever_fee_was_typed(started: Client) -> None:
    response = started.post(URL, {**VALID, "max_annual_fee": "95", "no_fee_only": "on"})
    assert response.status_code == 302
    assert SpendingProfile.objects.get().max_annual_fee == Decimal("0")


def test_the_checkbox_is_shown_checked_when_the_saved_limit_is_zero(started: Client) -> None:
    started.post(URL, {**VALID, "max_annual_fee": "0"})
    assert " checked" in _checkbox(started.get(URL).text)


def test_the_checkbox_wins_over_a_malformed_fee_in_an_htmx_post(started: Client) -> None:
    response = started.post(
        URL, {**VALID, "max_annual_fee": "lots", "no_fee_only": "on"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert SpendingProfile.objects.get().max_annual_fee == Decimal("0")


def test_without_the_checkbox_a_fee_with_a_dollar_sign_is_the_limit(started: Client) -> None:
    response = started.post(URL, {**VALID, "max_annual_fee": "$1,000"})
    assert response.status_code == 302
    assert SpendingProfile.objects.get().max_annual_fee == Decimal("1000")
    assert " checked" not in _checkbox(started.get(URL).text)
