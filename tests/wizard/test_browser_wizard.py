"""The whole wizard in a phone-sized Chromium, with JavaScript and without, on real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.servers import (
    RunningServer,
    manage,
    prepare_site,
    production_environment,
    uvicorn_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]
CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"

# Sums the layout shifts the page makes on its own (not caused by input).
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) { window.__cls += entry.value; }
  }
}).observe({type: 'layout-shift', buffered: true});
"""


def assert_plan_tables_fit(page) -> None:  # type: ignore[no-untyped-def]
    """The open plan tables fit a 360 px phone: no column hides off to the side."""
    assert page.locator("details[open] .plan").count() >= 1
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('details[open] .table-scroll'))"
        ".map(box => [box.scrollWidth, box.clientWidth])"
    )
    assert all(scroll <= client for scroll, client in widths), widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The production site on uvicorn, with the shipped catalog."""
    workdir = tmp_path_factory.mktemp("browser-site")
    env = production_environment(workdir)
    prepare_site(env)
    manage(env, "import_cards", str(CATALOG))
    with uvicorn_server(env, workdir, "--workers", "2") as server:
        yield server


def test_the_whole_flow_with_javascript_swaps_steps_and_streams_results(
    site: RunningServer, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    page.add_init_script(CLS_OBSERVER)
    page.goto(site.base_url + "/")
    page.get_by_role("link", name="Start with your spending").click()
    page.wait_for_url("**/wizard/spending/")
    probe.wait_for("window.htmx !== undefined")
    page.evaluate("window.__marker = 'same page'")

    page.get_by_label("Groceries").fill("600")
    page.get_by_label("Dining and delivery").fill("250")
    # The running total refreshes as the person types.
    page.wait_for_selector("#spending-total >> text=$850.00")

    page.get_by_role("button", name="Next: preferences").click()
    page.wait_for_url("**/wizard/preferences/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Your preferences"
    # After the swap, focus moves to the new step's heading.
    probe.wait_for("document.activeElement && document.activeElement.id === 'step-title'")
    assert page.evaluate("window.__marker") == "same page"
    assert page.title().startswith("Your preferences")

    page.get_by_label("Up to 2 cards").check()
    page.get_by_label("Find a card").fill("double cash")
    # Without a search only ticked cards are listed: wait for the search's answer itself.
    probe.wait_for("document.querySelector(\"#held-cards input[value='citi-double-cash']\")")
    assert "Citi Double Cash" in page.inner_text("#held-cards")
    page.locator("#held-cards input[value='citi-double-cash']").check()
    page.get_by_role("button", name="Next: review").click()
    page.wait_for_url("**/wizard/review/")
    assert page.evaluate("window.__marker") == "same page"
    assert "$850.00" in page.inner_text("main")

    # Back, forward and reload keep every answer.
    # (htmx keeps no history cache: going back or forward reloads the page from the server.)
    # Playwright's go_back() reports htmx's own reload as an aborted navigation, so the
    # history buttons are pressed from the page instead.
    page.evaluate("setTimeout(() => history.back(), 0)")
    page.wait_for_url("**/wizard/preferences/")
    page.wait_for_selector("input[name=wallet_size][value='2']:checked")
    page.wait_for_load_state("load")
    page.evaluate("setTimeout(() => history.back(), 0)")
    page.wait_for_url("**/wizard/spending/")
    page.wait_for_selector("input[name=groceries][value='600']")
    page.wait_for_load_state("load")
    page.evaluate("setTimeout(() => history.forward(), 0)")
    page.wait_for_url("**/wizard/preferences/")
    page.wait_for_selector("input[name=wallet_size][value='2']:checked")
    page.reload()
    assert page.get_by_label("Up to 2 cards").is_checked()
    assert page.locator("input[name=held_cards][value='citi-double-cash']").is_checked()
    page.goto(site.base_url + "/wizard/review/")

    page.get_by_role("link", name="Find my cards").click()
    page.wait_for_url("**/results/*/")
    page.wait_for_selector("#results .wallet", timeout=30_000)
    page.wait_for_selector("#progress >> text=All done.", timeout=60_000)
    # The answer comes first: what to get, then the money it makes.
    assert page.locator("#results h2").first.inner_text().startswith("Get the ")
    assert page.locator("#answer-title").bounding_box()["y"] < 740
    # htmx settles swapped attributes 20 ms after the content: the class follows shortly.
    page.wait_for_selector(".insight-pending", state="detached", timeout=5_000)
    assert page.locator(".insight").count() == 2
    assert "Stays your top pick" in page.inner_text("#insights")
    assert "Your Citi Double Cash" in page.inner_text("#results .answer")
    assert "Your current cards already earn" in page.inner_text("#results .answer")
    assert_plan_tables_fit(page)
    assert page.evaluate("window.__cls") < 0.02
    assert probe.console_errors == []
    assert probe.page_errors == []
    assert probe.csp_violations() == []


def test_the_whole_flow_without_javascript(site: RunningServer, open_page) -> None:  # type: ignore[no-untyped-def]
    probe = open_page(javascript=False)
    page = probe.page
    page.goto(site.base_url + "/wizard/spending/")
    page.get_by_label("Groceries").fill("-5")
    page.get_by_role("button", name="Next: preferences").click()
    assert "spending can't be negative" in page.inner_text("main")
    page.get_by_label("Groceries").fill("500")
    page.get_by_label("Gas and EV charging").fill("120")
    page.get_by_role("button", name="Update total").click()
    assert "$620.00" in page.inner_text("#spending-total")
    page.get_by_role("button", name="Next: preferences").click()
    page.wait_for_url("**/wizard/preferences/")
    page.get_by_label("1 card", exact=True).check()
    page.get_by_role("button", name="Next: review").click()
    page.wait_for_url("**/wizard/review/")
    page.get_by_role("link", name="Find my cards").click()
    # The noscript refresh brings the person to the page computed in the request.
    page.wait_for_url("**/results/*/?now=1", timeout=30_000)
    page.wait_for_selector("#results .wallet")
    assert page.locator(".insight").count() == 2
    assert "2 cards instead" not in page.inner_text("#results")
    assert "Other single cards" in page.inner_text("#results")
    page.locator("#results details").last.evaluate("details => { details.open = true; }")
    assert_plan_tables_fit(page)
    assert probe.console_errors == []
