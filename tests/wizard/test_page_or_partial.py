"""The view alone decides page or partial: a step's title and messages appear once either way."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.wizard.conftest import HTMX

pytestmark = pytest.mark.django_db
URL = "/wizard/spending/"


def test_the_full_page_has_one_title_in_its_head() -> None:
    html = Client().get(URL).text
    assert html.count("<title>") == 1
    assert html.index("<title>") < html.index("</head>")


def test_an_htmx_swap_has_the_title_once_before_the_step() -> None:
    html = Client().get(URL, headers=HTMX).text
    assert html.count("<title>") == 1
    assert html.index("<title>") < html.index('id="wizard-step"')


def test_a_history_restore_gets_the_whole_page() -> None:
    html = Client().get(URL, headers={**HTMX, "HX-History-Restore-Request": "true"}).text
    assert "<html" in html and html.count("<title>") == 1


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["full page", "htmx"])
def test_a_message_shows_once_inside_the_step(headers: dict[str, str]) -> None:
    client = Client()
    client.post(URL, {"action": "preset"})
    html = client.get(URL, headers=headers).text
    assert html.count("typical US household&#x27;s spending") == 1
    assert html.index('id="wizard-step"') < html.index("typical US household&#x27;s spending")
