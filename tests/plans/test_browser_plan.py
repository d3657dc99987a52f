"""Plan my next cards in a 360 px Chromium on real uvicorn: with JavaScript (htmx swap, SSE
stream) and without (plain form, noscript refresh to the plan computed in the request)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest

from devtools.servers import RunningServer
from tests.wizard.test_browser_wizard import site as wizard_site  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.servers]


def fill_amount(field, value: str) -> None:  # type: ignore[no-untyped-def]
    """Fill an amount as a person would: open its spending group first if it is closed."""
    field.evaluate(
        "el => { const group = el.closest('details');"
        " if (group && !group.open) group.querySelector('summary').click(); }"
    )
    field.fill(value)


SCREENSHOTS = os.environ.get("PLAN_SCREENSHOTS")


@pytest.fixture(scope="module")
def site(wizard_site: RunningServer) -> Iterator[RunningServer]:  # noqa: F811
    yield wizard_site


def answer_step_one(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/wizard/spending/")
    fill_amount(page.get_by_label("Groceries"), "700")
    fill_amount(page.get_by_label("Dining and delivery"), "300")
    fill_amount(page.get_by_label("Everything else"), "900")
    page.get_by_role("button", name="Next: preferences").click()
    page.wait_for_url("**/wizard/preferences/")


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('.table-scroll'))"
        ".map(box => [box.scrollWidth, box.clientWidth])"
    )
    assert all(scroll <= client for scroll, client in widths), widths


def test_from_results_to_a_streamed_plan_with_javascript(site: RunningServer, open_page) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    answer_step_one(page, site.base_url)
    page.goto(site.base_url + "/wizard/review/")
    page.get_by_role("link", name="Find my cards").click()
    page.wait_for_url("**/results/*/")
    page.get_by_role("link", name="Plan my next cards").click()
    page.wait_for_url("**/plan/?answers=*")
    probe.wait_for("window.htmx !== undefined")
    page.evaluate("window.__marker = 'same page'")

    page.locator("#id_held-0-card").select_option("citi-double-cash")
    fill_amount(page.locator("#id_held-0-month"), "2025-03")
    # A mistake first: the form comes back in place with the message next to the answer.
    page.locator("#id_held-1-card").select_option("citi-double-cash")
    fill_amount(page.locator("#id_held-1-month"), "2024-01")
    page.get_by_role("button", name="Plan my next cards").click()
    page.wait_for_selector("text=is listed twice among your cards")
    assert page.evaluate("window.__marker") == "same page"
    page.locator("#id_held-1-card").select_option("")
    fill_amount(page.locator("#id_held-1-month"), "")
    page.get_by_role("radio", name="24 months").check()
    page.get_by_role("button", name="Plan my next cards").click()

    page.wait_for_url("**/plan/*/")
    assert page.evaluate("window.__marker") == "same page"
    page.wait_for_selector("#plan-best .timeline li", timeout=60_000)
    page.wait_for_selector("#plan-progress >> text=All done.", timeout=60_000)
    best = page.inner_text("#plan-best")
    assert "Month " in best and "apply for" in best
    assert "more than keeping the cards you have" in best
    assert page.locator("#plan-best svg[role=img] polyline").count() == 2
    assert page.locator("#plan-alternatives li.wallet").count() == 4
    page.locator("#plan-best details").evaluate("details => { details.open = true; }")
    if SCREENSHOTS:
        for n in range(4):
            clip = {"x": 0, "y": 1000 * n, "width": 360, "height": 1000}
            page.screenshot(path=f"{SCREENSHOTS}/plan-js-360-{n}.png", full_page=True, clip=clip)
    fits_the_phone(page)
    assert probe.console_errors == []
    assert probe.page_errors == []
    assert probe.csp_violations() == []
    # Reload: the permalink shows the cached plan at once.
    page.reload()
    assert page.locator("#plan-progress").count() == 0
    assert "apply for" in page.inner_text("#plan-best")


def test_the_plan_without_javascript(site: RunningServer, open_page) -> None:  # type: ignore[no-untyped-def]
    probe = open_page(javascript=False)
    page = probe.page
    answer_step_one(page, site.base_url)
    page.goto(site.base_url + "/")
    page.get_by_role("link", name="Plan my next cards").click()
    page.wait_for_url("**/plan/")
    page.locator("#id_held-0-card").select_option("amex-gold")
    # A month picker cannot send an impossible month; a future one it can.
    next_year = date.today().year + 1
    page.locator("#id_held-0-month").fill(f"{next_year}-06")
    page.get_by_role("radio", name="12 months").check()
    fill_amount(page.get_by_label("New cards at most"), "2")
    page.get_by_role("button", name="Plan my next cards").click()
    assert f"June {next_year} is in the future" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/plan-form-360.png")
    fill_amount(page.locator("#id_held-0-month"), "2025-06")
    page.get_by_role("button", name="Plan my next cards").click()
    # The noscript refresh brings the person to the plan computed in the request.
    page.wait_for_url("**/plan/*/?now=1", timeout=60_000)
    page.wait_for_selector("#plan-best .plan-gain")
    assert "Month " in page.inner_text("#plan-best")
    assert page.locator("#plan-best svg").count() == 1
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/plan-nojs-360.png", full_page=True)
    fits_the_phone(page)
    assert probe.console_errors == []
