"""The home page in a real phone-sized Chromium, with and without JavaScript."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_loads_with_htmx_and_no_console_errors_or_csp_violations(
    live_server, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    response = probe.page.goto(live_server.url + "/")
    assert response.status == 200
    probe.wait_for("window.htmx !== undefined")
    assert probe.page.evaluate("htmx.version").startswith("2.0.")
    assert probe.page.evaluate("htmx.config.allowEval") is False
    assert probe.page.evaluate("htmx.config.selfRequestsOnly") is True
    assert probe.page.get_by_role("heading", level=1).inner_text() == (
        "Which credit card pays you the most?"
    )
    # Nothing overflows a 360 px screen sideways.
    assert probe.page.evaluate("document.documentElement.scrollWidth") <= 360
    assert probe.console_errors == []
    assert probe.page_errors == []
    assert probe.csp_violations() == []


def test_home_page_works_with_javascript_disabled(live_server, open_page) -> None:  # type: ignore[no-untyped-def]
    probe = open_page(javascript=False)
    probe.page.goto(live_server.url + "/")
    probe.page.get_by_role("link", name="Start with your spending").click()
    probe.page.wait_for_url(live_server.url + "/wizard/spending/")
    assert probe.page.get_by_role("heading", level=1).inner_text() == "Your monthly spending"
    assert probe.console_errors == []
