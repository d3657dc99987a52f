"""The card list in a phone-sized Chromium: active search with JavaScript, and the same without."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card_names(page: Any) -> list[str]:
    return page.locator("#results .card-item h3").all_inner_texts()


def test_active_search_swaps_results_as_you_type_and_updates_the_address(
    imported_small: dict[str, Any], live_server: Any, open_page: Any
) -> None:
    probe = open_page()
    page = probe.page
    page.goto(f"{live_server.url}/cards/")
    page.wait_for_function("() => window.htmx !== undefined")
    assert len(card_names(page)) == 5
    # Survives only if the page is never reloaded.
    page.evaluate("window.__samePage = true")

    page.locator("#id_q").press_sequentially("zeta", delay=40)
    expect(page.locator("#results .card-item")).to_have_count(2)

    assert card_names(page) == ["Business Miles Plus", "Shared Cap Cash Rewards"]
    expect(page).to_have_url(f"{live_server.url}/cards/?q=zeta")
    assert page.locator("#results-status").inner_text() == "2 cards found"

    page.locator("summary").click()
    page.select_option("#id_card_type", "business")
    expect(page.locator("#results .card-item")).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/cards/?q=zeta&card_type=business")
    assert page.evaluate("window.__samePage") is True

    # Back: htmx keeps no history cache here, so the earlier address is fetched again.
    page.go_back()
    expect(page.locator("#results .card-item")).to_have_count(2)
    assert page.url == f"{live_server.url}/cards/?q=zeta"

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert probe.console_errors == []
    assert probe.page_errors == []
    assert probe.csp_violations() == []


def test_the_same_search_works_with_javascript_disabled(
    imported_small: dict[str, Any], live_server: Any, open_page: Any
) -> None:
    probe = open_page(javascript=False)
    page = probe.page
    page.goto(f"{live_server.url}/cards/")

    page.fill("#id_q", "zeta")
    page.get_by_role("button", name="Search", exact=True).click()

    page.wait_for_url(f"{live_server.url}/cards/?q=zeta*")
    assert card_names(page) == ["Business Miles Plus", "Shared Cap Cash Rewards"]
    assert page.locator("#id_q").input_value() == "zeta"

    page.select_option("#id_card_type", "business")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**card_type=business*")
    assert card_names(page) == ["Business Miles Plus"]
    assert probe.console_errors == []


def test_adding_to_compare_with_javascript_updates_the_button_and_the_tray(
    imported_small: dict[str, Any], live_server: Any, open_page: Any
) -> None:
    probe = open_page()
    page = probe.page
    page.goto(f"{live_server.url}/cards/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("window.__samePage = true")

    page.get_by_role("button", name="Add to compare: Grocer Cash Preferred").click()
    page.get_by_role("button", name="Remove from compare: Grocer Cash Preferred").wait_for()
    page.get_by_role("button", name="Add to compare: Business Miles Plus").click()
    page.get_by_role("button", name="Remove from compare: Business Miles Plus").wait_for()

    assert "Comparing 2 of 3" in page.locator("#compare-status").inner_text()
    assert page.locator("#compare-tray li").count() == 2
    # The button keeps keyboard focus after its swap.
    assert page.evaluate("document.activeElement.id") == "compare-button-business-miles"

    tray = page.locator("#compare-tray")
    tray.get_by_role("button", name="Remove Grocer Cash Preferred from the comparison").click()
    page.get_by_role("button", name="Add to compare: Grocer Cash Preferred").wait_for()
    assert page.locator("#compare-tray li").count() == 1
    assert page.evaluate("window.__samePage") is True

    page.get_by_role("link", name="Compare 1 card side by side").click()
    page.wait_for_url(f"{live_server.url}/cards/compare/?cards=business-miles")
    assert page.get_by_role("heading", level=1).inner_text() == "Compare cards"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert probe.console_errors == []
    assert probe.csp_violations() == []


def test_adding_to_compare_without_javascript_goes_through_the_server(
    imported_small: dict[str, Any], live_server: Any, open_page: Any
) -> None:
    probe = open_page(javascript=False)
    page = probe.page
    page.goto(f"{live_server.url}/cards/grocer-cash/")

    page.get_by_role("button", name="Add to compare: Grocer Cash Preferred").click()
    page.wait_for_url(f"{live_server.url}/cards/grocer-cash/")

    assert "Added Grocer Cash Preferred" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Compare 1 card side by side").click()
    page.wait_for_url(f"{live_server.url}/cards/compare/?cards=grocer-cash")
    assert page.locator(".compare-table th[scope=col]").first.inner_text() == (
        "Grocer Cash Preferred"
    )
    assert probe.console_errors == []
