"""axe-core finds no accessibility violations on the main pages, at 360 px, light and dark.

axe-core is pinned in package.json and copied to tests/vendor/ (never served): the check runs in
Debian's Chromium against the live test server, on the pages a person goes through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import PHONE_VIEWPORT, SHIPPED_CATALOG
from tests.statements.helpers import SAMPLES
from wizard.models import SpendingProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE = (VENDOR / "axe.min.js").read_text()


def test_the_vendored_axe_is_the_pinned_version() -> None:
    pins = json.loads((VENDOR.parent.parent / "package.json").read_text())["devDependencies"]
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    assert manifest["axe.min.js"]["version"] == pins["axe-core"]
    assert f'"{pins["axe-core"]}"' in AXE


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A 360 px page that may inject axe (CSP bypassed for this test's script only)."""
    context = chromium.new_context(viewport=PHONE_VIEWPORT, bypass_csp=True)
    yield context.new_page()
    context.close()


def violations(page: Any) -> list[str]:
    """axe's violations on the page as it is now, one line each (rule, impact, first target)."""
    page.add_script_tag(content=AXE)
    found = page.evaluate("axe.run(document).then(result => result.violations)")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['nodes'][0]['failureSummary']}"
        for v in found
    ]


def results_token() -> str:
    profile = SpendingProfile(wallet_size=3, held_cards=["chase-sapphire-preferred"])
    profile.set_spend(
        {"groceries": Decimal("600"), "dining": Decimal("250"), "gas": Decimal("120")}
    )
    profile.save()
    return profile.token


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_pages_have_no_axe_violations(live_server: Any, phone: Any, scheme: str) -> None:
    call_command("import_cards", str(SHIPPED_CATALOG), verbosity=0)
    phone.emulate_media(color_scheme=scheme)
    base = live_server.url
    token = results_token()
    pages = {
        "home": "/",
        "spending step": "/wizard/spending/",
        # Computed in the request (as without JavaScript), so the page opens finished; the
        # live stream's page is checked by the wizard's browser test.
        "results": f"/results/{token}/?now=1",
        "cards": "/cards/",
        "compare": "/cards/compare/?cards=citi-double-cash,chase-sapphire-preferred",
    }
    found: dict[str, list[str]] = {}
    for name, path in pages.items():
        phone.goto(base + path)
        phone.wait_for_load_state("load")
        if name == "results":
            # Open every disclosure: the alternatives and their math are checked too.
            phone.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        found[name] = violations(phone)

    phone.goto(base + "/wizard/import/")
    phone.set_input_files("#id_files", [SAMPLES / "chase.csv", SAMPLES / "discover.csv"])
    phone.get_by_role("button", name="Read my statements").click()
    phone.wait_for_url("**/wizard/import/review/")
    phone.wait_for_load_state("load")
    found["import review"] = violations(phone)

    assert {name: lines for name, lines in found.items() if lines} == {}
