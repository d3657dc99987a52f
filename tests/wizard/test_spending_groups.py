"""Step 1 on a phone: category groups as disclosures, everyday open, nothing typed hidden."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from tests.wizard.conftest import HTMX
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/spending/"


def groups(html: str) -> dict[str, tuple[bool, str]]:
    """Each group's title → (open, what its summary says besides the title)."""
    found = re.findall(
        r'<details class="spend-details"( open)?><summary>([^<]+)(.*?)</summary>', html
    )
    return {
        title.strip(): (bool(is_open), re.sub(r"<[^>]+>", "", rest))
        for is_open, title, rest in found
    }


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_new_visitor_sees_everyday_spending_open_and_the_rest_one_tap_away(
    client: Client, headers: dict[str, str]
) -> None:
    html = client.get(URL, headers=headers).text
    assert groups(html) == {
        "Everyday": (True, ""),
        "Travel": (False, ""),
        "Home and other": (False, ""),
    }
    # Every input is in the form either way: a closed group still submits.
    assert html.count('inputmode="decimal"') == 18
    assert '<legend class="visually-hidden">Travel</legend>' in html


def test_a_group_with_saved_amounts_opens_and_shows_its_own_total(client: Client) -> None:
    client.post(
        URL, {"groceries": "600", "hotels": "100", "airfare": "1,200.50", "action": "total"}
    )
    html = client.get(URL).text
    assert groups(html)["Travel"] == (True, "$1,300.50 a month")
    assert groups(html)["Home and other"] == (False, "")
    assert "<strong>$1,900.50</strong> a month" in html


def test_an_error_in_a_group_that_would_be_closed_opens_it(client: Client) -> None:
    response = client.post(URL, {"utilities": "12e3", "action": "next"}, headers=HTMX)
    assert response.status_code == 200
    assert groups(response.text)["Home and other"][0] is True
    assert 'aria-invalid="true"' in response.text
    assert all(
        profile.spend().get("utilities", Decimal(0)) == 0
        for profile in SpendingProfile.objects.all()
    )
