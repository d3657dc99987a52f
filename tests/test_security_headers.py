"""Security headers on every HTML response, CSRF on every POST, and the custom error pages."""

from __future__ import annotations

import re
import time

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils.cache import add_never_cache_headers

from web.headers import never_cache

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    # The what-if panel's WebSocket (tests run over plain HTTP, so ws: as well as wss:).
    "connect-src": "'self' ws://localhost:* wss://localhost:* ws://127.0.0.1:* wss://127.0.0.1:*",
    "font-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

HTML_PAGES = ["/", "/wizard/spending/", "/no-such-page/"]


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("url", HTML_PAGES)
def test_every_html_page_carries_the_strict_content_security_policy(
    client: Client, url: str
) -> None:
    response = client.get(url)
    assert response["Content-Type"].startswith("text/html")
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP


@pytest.mark.django_db
@pytest.mark.parametrize("url", HTML_PAGES)
def test_every_html_page_forbids_sniffing_framing_and_cross_site_referrers(
    client: Client, url: str
) -> None:
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_policy_allows_neither_inline_code_nor_eval() -> None:
    header_values = " ".join(EXPECTED_CSP.values())
    assert "unsafe-inline" not in header_values
    assert "unsafe-eval" not in header_values


@pytest.mark.django_db
def test_a_post_without_a_csrf_token_is_refused_with_403() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/wizard/spending/", {"groceries": "500"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_htmx_post_with_the_token_in_the_header_is_accepted() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/wizard/spending/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/wizard/spending/",
        {"groceries": "500", "action": "total"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_page_puts_the_csrf_token_in_hx_headers_on_body() -> None:
    # The home page may come from the shared copy (web/pagecache.py), so no template context:
    # the token is read from the page and shown to work for this visitor.
    client = Client(enforce_csrf_checks=True)
    response = client.get("/")
    found = re.search(
        r'<body hx-headers=\'\{"X-CSRFToken": "([A-Za-z0-9]{64})"\}\'>', response.text
    )
    assert found, response.text[:1000]
    toggle = "/cards/compare/toggle/"
    assert client.post(toggle, {"card": "x", "op": "add"}).status_code == 403
    with_token = client.post(toggle, {"card": "x", "op": "add"}, HTTP_X_CSRFTOKEN=found.group(1))
    assert with_token.status_code != 403


@pytest.mark.django_db
def test_an_unknown_page_gets_the_custom_404_inside_the_layout(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert 'class="site-header"' in response.text
    assert 'href="#main"' in response.text


def test_the_500_page_renders_without_a_request() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "<main" in html


def test_html_templates_contain_no_inline_scripts_or_styles() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    templates = [
        path
        for pattern in ("templates/**/*.html", "*/templates/**/*.html")
        for path in root.glob(pattern)
        if ".venv" not in path.parts
    ]
    assert templates
    for path in templates:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline script in {path}"
        assert "<style" not in text, f"inline <style> in {path}"
        assert not re.search(r"\sstyle=", text), f"style attribute in {path}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*HTML_PAGES, "/healthz", "/cards/"])
def test_every_response_switches_off_browser_features_the_site_never_uses(
    client: Client, url: str
) -> None:
    policy = client.get(url)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


@pytest.fixture
def answered(client: Client, shipped_catalog: None) -> str:
    """A visitor who has entered some spending, and the token of their results."""
    client.post("/wizard/spending/", {"groceries": "400", "dining": "200", "action": "save"})
    return client.session["wizard_profile_token"]


def test_pages_with_a_persons_spending_are_never_stored_by_caches(
    client: Client, answered: str
) -> None:
    pages = [
        "/wizard/spending/",
        "/wizard/preferences/",
        "/wizard/review/",
        "/wizard/import/",
        "/wizard/import/review/",
        f"/results/{answered}/",
    ]
    for url in pages:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/cards/"])
def test_public_pages_stay_cacheable(client: Client, url: str) -> None:
    assert "no-store" not in client.get(url).get("Cache-Control", "")


@pytest.mark.parametrize(
    "existing", [{}, {"Cache-Control": "max-age=60, public"}, {"Expires": "0"}]
)
def test_personal_pages_get_exactly_djangos_never_cache_headers(
    existing: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """web/headers.py never_cache sets the headers itself when the response has none: they must
    be what add_never_cache_headers gives, in every second (the date is kept for a second)."""
    for now in (1_796_000_000.25, 1_796_000_000.75, 1_796_000_001.0, 1_796_086_400.5):
        monkeypatch.setattr(time, "time", lambda now=now: now)
        ours, djangos = HttpResponse("x", headers=existing), HttpResponse("x", headers=existing)
        never_cache(ours)
        add_never_cache_headers(djangos)
        assert dict(ours.headers) == dict(djangos.headers)
        assert "no-store" in ours["Cache-Control"] and "private" in ours["Cache-Control"]
