"""Finding a held card on a 360 px phone: Enter searches and never submits the step (JS on, off)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


@pytest.fixture
def catalog_in_live_db(transactional_db: None) -> None:
    call_command("import_cards", str(CATALOG), verbosity=0)


def _to_preferences(page: Any, base: str) -> None:
    page.goto(f"{base}/wizard/spending/")
    page.fill("input[name=groceries]", "1,200")
    page.get_by_role("button", name="Next: preferences").click()
    page.wait_for_url("**/wizard/preferences/**")


def _preferences_with_htmx(open_page: Any, base: str) -> Any:
    """A phone page with JavaScript on the preferences step, htmx loaded."""
    probe = open_page()
    _to_preferences(probe.page, base)
    probe.page.wait_for_function("() => window.htmx !== undefined")
    return probe


def test_enter_in_find_a_card_filters_the_list_in_place_with_javascript(
    catalog_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    probe = _preferences_with_htmx(open_page, live_server.url)
    page = probe.page
    page.evaluate("window.__samePage = true")

    page.locator("#held-search").fill("double cash")
    page.locator("#held-search").press("Enter")
    expect(page.locator("#held-cards input[value='citi-double-cash']")).to_have_count(1)
    assert page.locator("#held-cards input[name=held_cards]").count() < 5
    assert "/wizard/review/" not in page.url
    assert page.evaluate("window.__samePage") is True

    page.locator("#held-cards input[value='citi-double-cash']").check()
    page.get_by_role("button", name="Next: review").click()
    page.wait_for_url("**/wizard/review/")
    assert "Citi Double Cash" in page.inner_text("main")
    # A checkbox keeps its size however its label wraps.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert probe.console_errors == []
    assert probe.csp_violations() == []


def test_a_box_ticked_while_a_search_is_on_its_way_stays_ticked(
    catalog_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    """The reply to a search sent before the tick must not undo it (CI run of stop 21)."""
    probe = _preferences_with_htmx(open_page, live_server.url)
    page = probe.page
    page.locator("#held-search").fill("double cash")
    box = page.locator("#held-cards input[value='citi-double-cash']")
    expect(box).to_have_count(1)
    page.wait_for_load_state("networkidle")

    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/wizard/preferences/held-cards/**", hold_the_first)
    page.locator("#held-search").fill("double")
    while not held:
        page.wait_for_timeout(25)
    assert "held_cards=" not in held[0].request.url
    box.check()
    with page.expect_response("**/wizard/preferences/held-cards/**"):
        held[0].continue_()
    page.wait_for_load_state("networkidle")
    assert box.is_checked()

    page.get_by_role("button", name="Next: review").click()
    page.wait_for_url("**/wizard/review/")
    assert "Citi Double Cash" in page.inner_text("main")
    assert probe.console_errors == []


def test_enter_in_find_a_card_searches_without_javascript(
    catalog_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    probe = open_page(javascript=False)
    page = probe.page
    _to_preferences(page, live_server.url)

    page.locator("#held-search").fill("double cash")
    page.locator("#held-search").press("Enter")
    page.wait_for_url("**/wizard/preferences/?held_search=double+cash")
    assert page.locator("#held-cards input[value='citi-double-cash']").count() == 1
    assert page.locator("#held-cards input[name=held_cards]").count() < 5

    boxes = page.evaluate(
        "Array.from(document.querySelectorAll('#held-cards input[type=checkbox]'))"
        ".map(box => [box.getBoundingClientRect().width, box.getBoundingClientRect().height])"
    )
    assert boxes and all(width >= 18 and height >= 18 for width, height in boxes), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_advanced_sections_keep_their_disclosure_marker(
    catalog_in_live_db: None, live_server: Any, open_page: Any
) -> None:
    page = open_page().page
    _to_preferences(page, live_server.url)
    display = page.evaluate("getComputedStyle(document.querySelector('.advanced summary')).display")
    assert display == "list-item"
