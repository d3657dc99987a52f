"""Keeping one's place in /cards/ on a 360 px phone: Back after "Show more cards", compare without
JavaScript, and no duplicate history entry from a search sent twice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import SHIPPED_CATALOG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shipped_in_live_db(transactional_db: None) -> None:
    call_command("import_cards", str(SHIPPED_CATALOG), verbosity=0)


def test_back_after_show_more_keeps_the_cards_and_the_place(
    shipped_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    probe = open_page()
    page = probe.page
    page.goto(f"{live_server.url}/cards/")
    page.wait_for_function("() => window.htmx !== undefined")
    for shown in (40, 60):
        page.get_by_role("link", name="Show more cards").click()
        expect(page.locator("#results .card-item")).to_have_count(shown)
        expect(page.locator("#results-title")).to_have_text(re.compile(rf"^Cards 1–{shown} of "))
    expect(page).to_have_url(f"{live_server.url}/cards/?page=3")

    card = page.locator("#results .card-item").nth(50)
    name = card.locator("h3").inner_text()
    card.scroll_into_view_if_needed()
    top = page.evaluate("window.scrollY")
    assert top > 3000
    card.locator("h3 a").click()
    page.wait_for_url("**/cards/*/")
    page.evaluate("setTimeout(() => history.back(), 0)")
    page.wait_for_url("**/cards/?page=3")
    page.wait_for_load_state("load")
    expect(page.locator("#results .card-item")).to_have_count(60)
    assert page.locator("#results .card-item").nth(50).locator("h3").inner_text() == name
    # The browser puts the page back where it was: the same cards make the same height.
    page.wait_for_function(f"() => Math.abs(window.scrollY - {top}) < 200")
    assert probe.page_errors == []
    assert probe.csp_violations() == []


def test_add_to_compare_without_javascript_comes_back_to_the_card(
    shipped_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    page = open_page(javascript=False).page
    page.goto(f"{live_server.url}/cards/")
    card = page.locator("#results .card-item").nth(15)
    slug = card.get_attribute("id")
    card.get_by_role("button", name="Add to compare").click()
    page.wait_for_url(f"**/cards/#{slug}")
    assert page.evaluate("window.scrollY") > 1500
    expect(page.locator(f"#{slug}").get_by_role("button")).to_have_text("Remove from compare")


def test_a_search_paused_then_sent_with_enter_adds_one_history_entry(
    shipped_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    page = open_page().page
    page.goto(f"{live_server.url}/cards/")
    page.wait_for_function("() => window.htmx !== undefined")
    before = page.evaluate("history.length")
    page.locator("#id_q").press_sequentially("cash", delay=40)
    expect(page).to_have_url(f"{live_server.url}/cards/?q=cash")
    page.wait_for_timeout(600)  # the pause: the active search has answered
    page.locator("#id_q").press("Enter")
    page.wait_for_timeout(800)
    expect(page).to_have_url(f"{live_server.url}/cards/?q=cash")
    assert page.evaluate("history.length") == before + 1
