"""The home page says what the product does and starts the wizard; /healthz checks the DB."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_explains_the_product_and_links_start_to_step_one(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.text
    assert '<h1 id="home-title">Which credit card pays you the most?</h1>' in html
    start = reverse("wizard:spending")
    assert f'<a class="button button-primary" href="{start}">Start with your spending</a>' in html
    assert reverse("wizard:spending") == "/wizard/spending/"


@pytest.mark.django_db
def test_the_layout_has_landmarks_a_skip_link_and_the_htmx_config(client: Client) -> None:
    html = client.get("/").text
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    for landmark in ("<header", '<main id="main"', "<footer", "<nav"):
        assert landmark in html
    assert '<meta name="description"' in html
    assert 'rel="icon"' in html
    for setting in (
        '"includeIndicatorStyles":false',
        '"allowEval":false',
        '"allowScriptTags":false',
        '"selfRequestsOnly":true',
        '"historyCacheSize":0',
    ):
        assert setting in html


@pytest.mark.django_db
def test_healthz_answers_200_after_querying_the_database(
    client: Client, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_home_refuses_post_with_405(client: Client) -> None:
    assert client.post("/").status_code == 405
