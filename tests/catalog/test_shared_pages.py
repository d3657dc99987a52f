"""Shared rendered pages (web/pagecache.py, issue 14): fresh after any catalog change, and
never carrying one visitor's token, compare picks, messages or answers to another."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Card, CatalogVersion
from tests.catalog.admin_forms import form_values
from web import pagecache
from web.pagecache import CSRF_HOLE, code_version
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db

CARDS = "/cards/"
GROCER = "/cards/grocer-cash/"
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


ANY_TOKEN_RE = re.compile(r"[A-Za-z0-9]{64}")


def tokens(html: str) -> set[str]:
    return set(TOKEN_RE.findall(html))


def without_tokens(html: str) -> str:
    """The page with every CSRF token (form fields and htmx's header) taken out."""
    return ANY_TOKEN_RE.sub("", html)


def test_the_card_list_and_a_card_page_are_rendered_once_then_read_from_the_cache(
    imported_small: dict[str, Any], client: Client, django_assert_max_num_queries: Any
) -> None:
    first_list, first_card = client.get(CARDS).text, client.get(GROCER).text
    # From the cache: the catalog version and one cache read (no cards, no rules).
    with django_assert_max_num_queries(2):
        again_list = Client().get(CARDS)
    with django_assert_max_num_queries(2):
        again_card = Client().get(GROCER)
    # The same page, but for the CSRF token each visitor gets.
    assert without_tokens(again_list.text) == without_tokens(first_list)
    assert without_tokens(again_card.text) == without_tokens(first_card)
    assert "Grocer Cash Preferred" in again_list.text


def test_a_page_this_process_served_is_kept_in_its_memory_in_front_of_the_shared_cache(
    imported_small: dict[str, Any], client: Client
) -> None:
    first = client.get(CARDS).text
    # Only the catalog version is read: no trip to the shared cache (the database here).
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(CARDS)
    assert [q["sql"] for q in queries.captured_queries if "django_cache" in q["sql"]] == []
    assert len(queries.captured_queries) == 1
    assert without_tokens(again.text) == without_tokens(first)
    # Another process (an empty memory) reads the shared copy, and keeps it from then on.
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as queries:
        from_shared = Client().get(CARDS)
    assert any("django_cache" in q["sql"] for q in queries.captured_queries)
    assert without_tokens(from_shared.text) == without_tokens(first)


def test_a_catalog_edit_shows_at_once_on_the_cached_pages(
    imported_small: dict[str, Any], client: Client
) -> None:
    client.get(CARDS), client.get(GROCER)
    card = Card.objects.get(slug="grocer-cash")
    card.name = "Grocer Cash Renamed"
    card.save()
    assert "Grocer Cash Renamed" in client.get(CARDS).text
    assert "Grocer Cash Renamed" in client.get(GROCER).text


def test_an_admin_edit_shows_at_once_on_the_cached_pages(
    imported_small: dict[str, Any], client: Client
) -> None:
    visitor = Client()
    assert "Grocer Cash Preferred" in visitor.get(CARDS).text
    visitor.get(GROCER)
    editor = Client()
    editor.force_login(User.objects.create_superuser("editor", "e@example.com", "a-long-pass-1"))
    url = reverse("admin:catalog_card_change", args=[Card.objects.get(slug="grocer-cash").pk])
    data = form_values(editor.get(url).text)
    data["name"] = "Grocer Cash Edited"
    assert editor.post(url, data).status_code == 302

    assert "Grocer Cash Edited" in visitor.get(CARDS).text
    assert "Grocer Cash Edited" in visitor.get(GROCER).text
    assert "Grocer Cash Preferred" not in visitor.get(CARDS).text


def test_a_catalog_import_shows_at_once_on_the_cached_pages(
    imported_small: dict[str, Any], client: Client, write_catalog: Any
) -> None:
    client.get(CARDS), client.get(GROCER)
    changed = dict(imported_small)
    changed["cards"] = [dict(card) for card in imported_small["cards"]]
    changed["cards"][0]["name"] = "Grocer Cash Imported"
    call_command("import_cards", str(write_catalog(changed)), verbosity=0)

    assert "Grocer Cash Imported" in client.get(CARDS).text
    assert "Grocer Cash Imported" in client.get(GROCER).text


def test_every_visitor_gets_their_own_working_csrf_token_on_a_shared_page(
    imported_small: dict[str, Any],
) -> None:
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_page, second_page = first.get(CARDS), second.get(CARDS)  # the second from the cache
    assert CSRF_HOLE not in first_page.text and CSRF_HOLE not in second_page.text
    assert len(tokens(second_page.text)) == 1
    assert tokens(first_page.text) != tokens(second_page.text)
    # Each page's token is accepted for its own visitor (the CSRF cookie came with the page).
    for client, page in ((first, first_page), (second, second_page)):
        assert "csrftoken" in page.cookies
        response = client.post(
            reverse("catalog:compare-toggle"),
            {
                "csrfmiddlewaretoken": tokens(page.text).pop(),
                "card": "grocer-cash",
                "op": "add",
                "next": CARDS,
            },
        )
        assert response.status_code == 302


@pytest.mark.parametrize("path", [CARDS, GROCER])
def test_compare_picks_never_go_into_or_come_out_of_the_shared_cache(
    imported_small: dict[str, Any], path: str
) -> None:
    picker, stranger = Client(), Client()
    stranger.get(path)  # the shared copy exists before the picker comes
    picker.post(
        reverse("catalog:compare-toggle"), {"card": "grocer-cash", "op": "add", "next": path}
    )
    picked = picker.get(path).text
    assert "Remove from compare: Grocer Cash Preferred" in picked
    assert 'href="/cards/compare/?cards=grocer-cash"' in picked
    for _ in range(2):
        shown = stranger.get(path).text
        assert "Add to compare: Grocer Cash Preferred" in shown
        assert "Remove from compare" not in shown
        assert "Choose “Add to compare”" in shown
        assert Client().get(path).text.count("Remove from compare") == 0


def test_a_flash_message_is_shown_to_its_visitor_only_and_once(
    imported_small: dict[str, Any],
) -> None:
    reporter, stranger = Client(), Client()
    stranger.get(GROCER)
    thanks = "Thank you: an editor will check it against the sources."
    response = reporter.post(
        reverse("catalog:card-report", args=["grocer-cash"]),
        {"fact": "annual_fee", "seen": "The issuer says $150 since May.", "link": ""},
    )
    assert response.status_code == 302
    assert thanks in reporter.get(GROCER).text
    assert thanks not in reporter.get(GROCER).text
    assert thanks not in stranger.get(GROCER).text


def test_a_search_is_cached_per_address_and_reflects_only_its_own_query(
    imported_small: dict[str, Any], client: Client
) -> None:
    grocer = client.get(CARDS, {"q": "grocer"}).text
    quarterly = client.get(CARDS, {"q": "quarterly"}).text
    assert "Grocer Cash Preferred" in grocer and "Quarterly Points Card" not in grocer
    assert "Quarterly Points Card" in quarterly and "Grocer Cash Preferred" not in quarterly
    # An htmx swap and a full page of the same address are different entries.
    swap = client.get(CARDS, {"q": "grocer"}, headers={"HX-Request": "true"})
    assert "<html" not in swap.text and "Grocer Cash Preferred" in swap.text
    assert swap["HX-Push-Url"] == "/cards/?q=grocer"
    assert "<html" in client.get(CARDS, {"q": "grocer"}).text


def test_the_first_wizard_step_is_shared_only_by_visitors_without_answers(
    shipped_catalog: None,
) -> None:
    newcomer, returning = Client(), Client()
    returning.get("/wizard/spending/")
    returning.post("/wizard/spending/", {"action": "preset"})
    empty = newcomer.get("/wizard/spending/").text
    assert Client().get("/wizard/spending/").text.count('value="') == empty.count('value="')
    filled = returning.get("/wizard/spending/").text
    assert filled != empty
    assert re.search(r'name="groceries"[^>]*value="\d', filled)
    assert not re.search(r'name="groceries"[^>]*value="\d', Client().get("/wizard/spending/").text)


def test_a_complete_results_page_is_shared_with_each_visitors_own_token(
    shipped_catalog: None, django_assert_max_num_queries: Any
) -> None:
    profile = SpendingProfile(wallet_size=2)
    profile.set_spend({"groceries": Decimal("600"), "dining": Decimal("250")})
    profile.save()
    url = f"/results/{profile.token}/"
    computed = Client().get(url + "?now=1").text
    assert "sse-connect" not in computed  # complete
    first = Client().get(url).text
    with django_assert_max_num_queries(3):  # the profile, the catalog version, the cache
        second = Client().get(url).text
    assert without_tokens(first) == without_tokens(second)
    assert tokens(first) != tokens(second) and CSRF_HOLE not in second
    # New answers (a copy with its own token) and a new catalog are new pages.
    CatalogVersion.bump()
    assert "sse-connect" in Client().get(url).text


def test_pages_rendered_by_other_code_are_never_served(
    imported_small: dict[str, Any], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get(CARDS)
    with CaptureQueriesContext(connection) as hit:
        client.get(CARDS)
    # A deployment with changed templates or code has another code version: the page is
    # rendered again (the cards are read), not taken from the old code's copy.
    monkeypatch.setattr(pagecache, "code_version", lambda: "new-code-version")
    with CaptureQueriesContext(connection) as miss:
        client.get(CARDS)
    assert len(hit) <= 2 < len(miss)
    assert re.fullmatch(r"[0-9a-f]{16}", code_version())


def test_the_home_page_is_kept_in_memory_with_each_visitors_own_token(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    first = client.get("/")
    with django_assert_max_num_queries(0):
        second = Client().get("/")
    assert first.status_code == second.status_code == 200
    assert without_tokens(first.text) == without_tokens(second.text)
    assert CSRF_HOLE not in second.text and "csrftoken" in second.cookies
    assert tokens_in_headers(first.text) != tokens_in_headers(second.text)


def tokens_in_headers(html: str) -> str:
    """The token htmx sends as X-CSRFToken (in the body's hx-headers)."""
    found = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)
