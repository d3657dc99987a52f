"""HEAD answers like GET without a body on every page (uptime monitors and link previews use it)."""

from __future__ import annotations

import pytest
from django.test import Client

from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(client: Client, shipped_catalog: None) -> Client:
    client.post("/wizard/spending/", {"groceries": "600", "action": "next"})
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/healthz",
        "/cards/",
        "/cards/chase-sapphire-preferred/",
        "/cards/compare/?cards=chase-sapphire-preferred",
        "/wizard/spending/",
        "/wizard/preferences/",
        "/wizard/preferences/held-cards/?held_search=sapphire",
        "/wizard/review/",
        "/wizard/import/",
    ],
)
def test_head_answers_like_get_without_a_body(started: Client, url: str) -> None:
    get = started.get(url)
    head = started.head(url)
    assert head.status_code == get.status_code
    assert head.status_code in (200, 302)
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_head_on_a_results_permalink_answers_like_get(started: Client) -> None:
    started.post(
        "/wizard/preferences/",
        {"wallet_size": "1", "rank_by": "ongoing", "credit_band": "good", "reward_kind": "any"},
    )
    token = SpendingProfile.objects.get().token
    url = f"/results/{token}/"
    head = started.head(url)
    assert head.status_code == started.get(url).status_code == 200
    assert head.content == b""
