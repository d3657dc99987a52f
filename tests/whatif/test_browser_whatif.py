"""Try other amounts in a phone-sized Chromium: live over the WebSocket, and as a GET without JS."""

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
from tests.results.test_results_stream import start_profile
from tests.whatif.conftest import CATALOG

pytestmark = [pytest.mark.browser, pytest.mark.servers]


def fill_amount(field, value: str) -> None:  # type: ignore[no-untyped-def]
    """Fill an amount as a person would: open its spending group first if it is closed."""
    field.evaluate(
        "el => { const group = el.closest('details');"
        " if (group && !group.open) group.querySelector('summary').click(); }"
    )
    field.fill(value)


# Every htmx WebSocket event the page sees, in order.
WS_EVENTS = """
window.__ws = [];
for (const name of ['htmx:wsOpen', 'htmx:wsClose', 'htmx:wsAfterSend', 'htmx:wsAfterMessage']) {
  document.addEventListener(name, (event) => {
    const code = name === 'htmx:wsClose' ? ' ' + event.detail.event.code : '';
    window.__ws.push(name + code);
  });
}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("whatif-browser")
    env = production_environment(workdir)
    prepare_site(env)
    manage(env, "import_cards", str(CATALOG))
    with uvicorn_server(env, workdir, "--workers", "2") as server:
        yield server


@pytest.fixture
def impatient_site(tmp_path: Path) -> Iterator[RunningServer]:
    """A site that closes what-if sockets after 2 idle seconds."""
    env = production_environment(tmp_path, DJANGO_WHATIF_IDLE_SECONDS="2")
    prepare_site(env)
    manage(env, "import_cards", str(CATALOG))
    with uvicorn_server(env, tmp_path) as server:
        yield server


def new_profile(site: RunningServer) -> str:
    with site.client() as client:
        return start_profile(client)


def first_single_card(page, scope: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(f"{scope} ol").first.locator("li a").first.inner_text()


def test_typing_an_amount_re_ranks_the_wallets_live_over_the_websocket(
    site: RunningServer, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    page.add_init_script(WS_EVENTS)
    token = new_profile(site)
    page.goto(f"{site.base_url}/results/{token}/")
    page.wait_for_selector("#results .wallet", timeout=30_000)
    saved_top = page.locator("#results .wallet h3 a").first.inner_text()
    # The panel is closed: no socket yet (nothing for the server to hold for a mere visit).
    assert page.evaluate("document.querySelector('#whatif').hasAttribute('ws-connect')") is False
    assert page.evaluate("window.__ws") == []

    page.get_by_text("Try other amounts").click()
    probe.wait_for("window.__ws.includes('htmx:wsOpen')")
    form = page.locator("#whatif-form")
    assert form.locator("[name=groceries]").input_value() == "600"
    fill_amount(form.locator("[name=airfare]"), "800")
    fill_amount(form.locator("[name=hotels]"), "600")
    fill_amount(form.locator("[name=dining]"), "900")
    page.wait_for_selector("#whatif-results >> text=drops out.", timeout=30_000)

    status = page.inner_text("#whatif-status")
    assert "At $3,920 a month, against your saved $1,870." in status
    new_top = first_single_card(page, "#whatif-results")
    assert new_top != saved_top
    assert saved_top in page.inner_text("#whatif-results")  # it dropped out, or moved down
    # Typing a few fields quickly (debounced) sent few messages, all over one socket.
    assert probe.page.evaluate("window.__ws.filter(n => n === 'htmx:wsOpen').length") == 1
    assert page.url == f"{site.base_url}/results/{token}/"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Save these amounts").click()
    page.wait_for_url("**/wizard/review/")
    assert "Saved these amounts." in page.inner_text("main")
    assert "$3,920.00" in page.inner_text("main")
    assert probe.console_errors == []
    assert probe.page_errors == []
    assert probe.csp_violations() == []


def test_without_javascript_the_form_is_a_get_to_the_what_if_page(
    site: RunningServer, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page(javascript=False)
    page = probe.page
    token = new_profile(site)
    page.goto(f"{site.base_url}/results/{token}/?now=1")
    page.wait_for_selector("#results .wallet", timeout=30_000)
    saved_top = page.locator("#results .wallet h3 a").first.inner_text()

    page.get_by_text("Try other amounts").click()
    form = page.locator("#whatif-form")
    fill_amount(form.locator("[name=airfare]"), "800")
    fill_amount(form.locator("[name=hotels]"), "600")
    fill_amount(form.locator("[name=dining]"), "900")
    form.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/results/{token}/what-if/?*")
    assert "airfare=800" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Try other amounts"
    assert "drops out." in page.inner_text("#whatif-results")
    assert first_single_card(page, "#whatif-results") != saved_top
    assert form.locator("[name=airfare]").input_value() == "800"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Save these amounts").click()
    page.wait_for_url("**/wizard/review/")
    assert "$3,920.00" in page.inner_text("main")
    assert probe.console_errors == []


def test_a_socket_closed_while_idle_reopens_when_the_person_types_again(
    impatient_site: RunningServer, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    page.add_init_script(WS_EVENTS)
    token = new_profile(impatient_site)
    page.goto(f"{impatient_site.base_url}/results/{token}/")
    page.get_by_text("Try other amounts").click()
    probe.wait_for("window.__ws.includes('htmx:wsClose 4408')", timeout=20)
    assert "Paused while you were away" in page.text_content("#whatif-status")

    fill_amount(page.locator("#whatif-form [name=airfare]"), "800")
    page.wait_for_selector("#whatif-results >> text=Single cards", timeout=30_000)
    assert "At $2,670 a month, against your saved $1,870." in page.inner_text("#whatif-status")
    assert page.evaluate("window.__ws.filter(n => n === 'htmx:wsOpen').length") == 2
    assert probe.console_errors == []
    assert probe.page_errors == []


def test_the_what_if_page_opens_its_socket_at_once_with_the_panel_open(
    site: RunningServer, open_page
) -> None:  # type: ignore[no-untyped-def]
    probe = open_page()
    page = probe.page
    page.add_init_script(WS_EVENTS)
    token = new_profile(site)
    page.goto(f"{site.base_url}/results/{token}/what-if/?groceries=900&wallet_size=1")
    assert page.locator("#whatif > details").get_attribute("open") is not None
    probe.wait_for("window.__ws.includes('htmx:wsOpen')")
    fill_amount(page.locator("#whatif-form [name=dining]"), "700")
    probe.wait_for("window.__ws.includes('htmx:wsAfterMessage')")
    assert probe.console_errors == []
    assert probe.page_errors == []
