"""Fixtures shared by the whole suite: Playwright on Debian's Chromium, the shipped catalog."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from hypothesis import settings

# Property tests (hypothesis) in two profiles, chosen by HYPOTHESIS_PROFILE:
# - "gate" (the default, `make test` and CI): derandomized, so every run tries the same
#   examples on every machine and a green run here is a green run in CI. Fresh random
#   examples once kept CI past its 90 minutes: an example that took 42 s a spend (fixed in
#   rewards/allocation/, with its own test) came up only there.
# - "explore" (`make fuzz`): fresh random examples each run, failures kept in .hypothesis/
#   and replayed first. Each new counterexample becomes a named test.
settings.register_profile("gate", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
SHIPPED_CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog.json"


@pytest.fixture
def shipped_catalog(db: None) -> None:
    """The real card catalog in the database, imported as `make run` does."""
    call_command("import_cards", str(SHIPPED_CATALOG), verbosity=0)


# Records CSP violations the page reports, so tests can assert there are none.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright, shared by the session."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    # Playwright's sync API keeps an event loop running in this thread; the test's own Django
    # calls (fixtures, assertions on the database) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@dataclass
class BrowserPage:
    """A Playwright page plus what the browser complained about while the test ran."""

    page: Any
    javascript: bool = True
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def wait_for(self, expression: str, timeout: float = 10.0) -> None:
        """Poll a JavaScript expression until it is truthy.

        Playwright's wait_for_function evaluates strings with eval() inside the page, which our
        CSP (rightly) forbids; page.evaluate goes through the debugger protocol instead.
        """
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def csp_violations(self) -> list[str]:
        """CSP violations seen by the current document (and Chromium's console reports)."""
        reported = self.page.evaluate("window.__cspViolations || []") if self.javascript else []
        from_console = [m for m in self.console_errors if "Content Security Policy" in m]
        return list(reported) + from_console


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Callable[..., BrowserPage]]:
    """Factory for phone-sized pages, with or without JavaScript; closed after the test."""
    contexts: list[Any] = []

    def factory(*, javascript: bool = True, viewport: dict[str, int] | None = None) -> BrowserPage:
        context = chromium.new_context(
            viewport=viewport or PHONE_VIEWPORT, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        probe = BrowserPage(page, javascript)
        if javascript:
            page.add_init_script(_CSP_LISTENER)
        page.on(
            "console",
            lambda msg: probe.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda error: probe.page_errors.append(str(error)))
        return probe

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _empty_page_memory() -> Iterator[None]:
    """Each test starts with an empty in-process page layer (settings.CACHES["pages"]).

    The shared cache lives in the test database and is rolled back with it; this layer is not,
    and a catalog version number can repeat from one test's database to the next.
    """
    caches["pages"].clear()
    yield
