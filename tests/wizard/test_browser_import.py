"""Statement import in a phone-sized Chromium, with JavaScript (htmx swaps) and without."""

from __future__ import annotations

import pytest

from tests.statements.helpers import SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_clean(probe) -> None:  # type: ignore[no-untyped-def]
    """No console errors, no script errors, no CSP violations, nothing wider than the phone."""
    assert probe.console_errors == []
    assert probe.page_errors == []
    assert probe.csp_violations() == []
    assert probe.page.evaluate("document.documentElement.scrollWidth") <= 360


def test_import_with_javascript_swaps_every_step_in_place(live_server, open_page) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    page.goto(live_server.url + "/wizard/spending/")
    probe.wait_for("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")

    page.get_by_role("link", name="Import bank or card statements (CSV) instead").click()
    page.wait_for_url("**/wizard/import/")
    assert page.get_by_role("heading", level=1).inner_text() == "Import your statements"
    page.set_input_files("#id_files", [SAMPLES / "chase.csv", SAMPLES / "discover.csv"])
    page.get_by_role("button", name="Read my statements").click()

    page.wait_for_url("**/wizard/import/review/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your imported spending"
    assert page.title().startswith("Your imported spending")
    assert "2 statements covering Jan 2 – Apr 15, 2026" in page.inner_text("main")
    probe.wait_for("document.activeElement && document.activeElement.id === 'step-title'")
    assert_clean(probe)

    target = page.locator(".import-merchants li", has_text="Target")
    target.get_by_label("Move Target to").select_option("groceries")
    target.get_by_role("button", name="Move Target").click()
    page.wait_for_selector("#import-review-table >> text=Moved Target to Groceries.")
    # Focus lands on the note that says what changed, as the button it came from is gone.
    probe.wait_for("document.activeElement.textContent === 'Moved Target to Groceries.'")
    groceries = page.locator("#import-review-table tbody tr", has_text="Groceries")
    # Whole Foods 86.45 + Publix 76.54 + Target 64.33
    assert "$227.32" in groceries.inner_text()
    assert page.evaluate("window.__marker") == 1
    assert page.url.endswith("/wizard/import/review/")

    # The decision sits at the top of a phone's screen, before the merchants (and after them).
    use = page.get_by_role("button", name="Use these numbers")
    assert use.count() == 2
    assert use.first.bounding_box()["y"] < 740
    use.first.click()
    page.wait_for_url("**/wizard/spending/")
    assert "Filled in from 2 statements covering Jan 2 – Apr 15, 2026" in page.inner_text("main")
    # 227.32 over 104 days: 227.32 x 30.4375 / 104 = 66.53
    assert page.get_by_label("Groceries").input_value() == "66.53"
    assert_clean(probe)


def test_an_unknown_layout_is_mapped_and_a_bad_file_explained_with_javascript(
    live_server, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    page.goto(live_server.url + "/wizard/import/")
    probe.wait_for("window.htmx !== undefined")
    page.evaluate("window.__marker = 1")

    page.set_input_files(
        "#id_files",
        files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": b"%PDF-1.7\n"}],
    )
    page.get_by_role("button", name="Read my statements").click()
    page.wait_for_selector("[role=alert] >> text=this is not a CSV file")
    assert "broken.csv: this is not a CSV file: it looks like a PDF document" in (
        page.inner_text("[role=alert]")
    )

    page.set_input_files("#id_files", [SAMPLES / "generic_signed.csv"])
    page.get_by_role("button", name="Read my statements").click()
    page.wait_for_selector("h1 >> text=Which column holds what?")
    assert "SUNSET SUSHI BAR" in page.inner_text("table")
    assert page.get_by_label("Amount:", exact=True).input_value() == "2"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.set_input_files("#id_files", [SAMPLES / "generic_signed.csv"])
    page.get_by_role("button", name="Read my statements with these columns").click()
    page.wait_for_url("**/wizard/import/review/")
    assert "Sunset Sushi Bar" in page.inner_text("#import-review-table")
    assert page.evaluate("window.__marker") == 1
    assert_clean(probe)


def test_import_works_with_javascript_disabled(live_server, open_page) -> None:  # type: ignore[no-untyped-def]
    probe = open_page(javascript=False)
    page = probe.page
    page.goto(live_server.url + "/wizard/spending/")
    page.get_by_role("link", name="Import bank or card statements (CSV) instead").click()
    page.wait_for_url("**/wizard/import/")

    page.set_input_files("#id_files", [SAMPLES / "chase.csv"])
    page.get_by_role("button", name="Read my statements").click()
    page.wait_for_url("**/wizard/import/review/")
    assert "1 statement covering Jan 2 – Feb 1, 2026" in page.inner_text("main")

    starbucks = page.locator(".import-merchants li", has_text="Starbucks")
    starbucks.get_by_label("Move Starbucks to").select_option("groceries")
    starbucks.get_by_role("button", name="Move Starbucks").click()
    page.wait_for_url("**/wizard/import/review/")
    assert "Moved Starbucks to Groceries." in page.inner_text("main")

    page.get_by_role("button", name="Use these numbers").last.click()
    page.wait_for_url("**/wizard/spending/")
    # 86.45 + 12.70 over 31 days: 99.15 x 30.4375 / 31 = 97.35
    assert page.get_by_label("Groceries").input_value() == "97.35"
    assert page.get_by_label("Airfare").input_value() == "1212.16"
    assert probe.console_errors == []
