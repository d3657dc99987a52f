"""What a results link grants: seeing those results, and starting a copy; never changing them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db


def answer_step_one(client: Client) -> SpendingProfile:
    client.post("/wizard/spending/", {"groceries": "600", "dining": "250", "action": "next"})
    return SpendingProfile.objects.get(token=client.session["wizard_profile_token"])


def test_someone_with_the_link_before_results_were_shown_changes_only_a_copy(
    client: Client,
) -> None:
    owner = answer_step_one(client)
    assert owner.results_shown_at is None  # the link exists, no results shown yet

    stranger = Client()
    response = stranger.post(f"/results/{owner.token}/change/")
    assert response.status_code == 302 and response["Location"] == "/wizard/spending/"
    assert 'name="groceries" value="600"' in stranger.get("/wizard/spending/").text
    stranger.post("/wizard/spending/", {"groceries": "9000", "dining": "1", "action": "next"})
    stranger.post("/wizard/preferences/", {"wallet_size": "1", "rank_by": "year_one"})

    owner.refresh_from_db()
    assert owner.spend()["groceries"] == Decimal("600")
    assert owner.spend()["dining"] == Decimal("250")
    assert owner.wallet_size == 3
    copy = SpendingProfile.objects.get(token=stranger.session["wizard_profile_token"])
    assert copy.token != owner.token
    assert copy.spend()["groceries"] == Decimal("9000")


def test_the_visitor_filling_in_the_answers_keeps_editing_them_through_the_link(
    client: Client,
) -> None:
    owner = answer_step_one(client)
    client.post(f"/results/{owner.token}/change/")
    client.post("/wizard/spending/", {"groceries": "700", "dining": "250", "action": "next"})
    owner.refresh_from_db()
    assert owner.spend()["groceries"] == Decimal("700")
    assert SpendingProfile.objects.count() == 1
