"""The results page on a 360 px phone: the answer on the first screen, sharing, and paper."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import SHIPPED_CATALOG
from wizard.models import SpendingProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Takes the phone's share sheet away (headless Chromium may or may not have one), or puts a
# stand-in there that records what it was given.
NO_SHARE = "Object.defineProperty(navigator, 'share', {value: undefined});"
RECORD_SHARE = (
    "window.__shared = [];"
    "Object.defineProperty(navigator, 'share', {value: (data) => {"
    " window.__shared.push(data); return Promise.resolve(); }});"
)


@pytest.fixture
def results_url(transactional_db: None, live_server: Any) -> str:
    call_command("import_cards", str(SHIPPED_CATALOG), verbosity=0)
    profile = SpendingProfile(wallet_size=3)
    profile.set_spend(
        {"groceries": Decimal("600"), "dining": Decimal("250"), "gas": Decimal("120")}
    )
    profile.save()
    return f"{live_server.url}/results/{profile.token}/"


def test_without_javascript_the_first_screen_says_what_to_get(
    results_url: str, open_page: Any
) -> None:
    page = open_page(javascript=False).page
    page.goto(results_url + "?now=1")
    headline = page.locator("#answer-title")
    assert headline.inner_text().startswith("Get the ")
    assert headline.bounding_box()["y"] + headline.bounding_box()["height"] < 740
    assert page.locator(".answer-gain").inner_text().startswith("You gain $")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Share is a plain link to this page's address.
    share = page.get_by_role("link", name="Share these results")
    assert share.get_attribute("href") == results_url


def test_share_copies_the_link_where_there_is_no_share_sheet(
    results_url: str, open_page: Any, chromium: Any
) -> None:
    probe = open_page()
    page = probe.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.add_init_script(NO_SHARE)
    page.goto(results_url + "?now=1")
    page.get_by_role("link", name="Share these results").click()
    page.wait_for_selector("#share-status >> text=Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == results_url
    assert page.url == results_url + "?now=1"
    assert probe.csp_violations() == [] and probe.page_errors == []


def test_share_opens_the_share_sheet_where_there_is_one(results_url: str, open_page: Any) -> None:
    page = open_page().page
    page.add_init_script(RECORD_SHARE)
    page.goto(results_url + "?now=1")
    page.get_by_role("link", name="Share these results").click()
    page.wait_for_function("() => window.__shared.length === 1")
    shared = page.evaluate("window.__shared[0]")
    assert shared["url"] == results_url
    assert page.url == results_url + "?now=1"


def test_on_paper_only_the_results_print(results_url: str, open_page: Any) -> None:
    page = open_page().page
    page.goto(results_url + "?now=1")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "['.site-header', '.site-footer', '.results-actions', '.whatif']"
        ".map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none"] * 4
    assert page.locator(".answer").is_visible()


def test_a_runner_ups_math_is_fetched_when_opened(results_url: str, open_page: Any) -> None:
    probe = open_page()
    page = probe.page
    page.goto(results_url + "?now=1")
    assert page.locator("table.plan").count() == 1  # the chosen wallet's only
    group = page.locator("details.choice-group").first
    group.locator("summary").first.click()
    wallet = group.locator("article.wallet").first
    wallet.locator("summary", has_text="The math").click()
    table = wallet.locator("table.plan")
    table.wait_for()
    assert table.locator("tbody tr").count() == 3  # groceries, dining, gas
    assert page.url == results_url + "?now=1"  # fetched into place, no navigation
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert probe.csp_violations() == [] and probe.page_errors == []


def test_without_javascript_a_runner_ups_math_is_its_own_page(
    results_url: str, open_page: Any
) -> None:
    page = open_page(javascript=False).page
    page.goto(results_url + "?now=1")
    group = page.locator("details.choice-group").first
    group.locator("summary").first.click()
    wallet = group.locator("article.wallet").first
    names = wallet.locator("h3").inner_text()
    wallet.locator("summary", has_text="The math").click()
    wallet.get_by_role("link", name=f"Show the math for {names}").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"The math: {names}"
    assert page.locator("table.plan tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="← Back to your results").click()
    page.wait_for_load_state()
    assert page.locator("#answer-title").inner_text().startswith("Get the ")
