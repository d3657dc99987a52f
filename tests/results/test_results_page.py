"""The results permalink: live shell with JavaScript, computed in the request without it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from catalog.audit import card_notes
from catalog.engine_catalog import load_engine_catalog
from catalog.models import CatalogVersion
from creditcard_guru.env import CACHE_TABLE
from results.cache import RANKING_KEY
from results.models import CachedResult
from results.payloads import top_pick
from rewards.engine import break_even, recommend
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db


def make_profile(**preferences: object) -> SpendingProfile:
    profile = SpendingProfile(wallet_size=2, **preferences)
    profile.set_spend({"groceries": Decimal("600"), "dining": Decimal("250")})
    profile.save()
    return profile


def test_a_fresh_permalink_renders_the_live_shell_at_once(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    response = client.get(f"/results/{profile.token}/")
    assert response.status_code == 200
    html = response.text
    assert f'sse-connect="/results/{profile.token}/stream/?last_event_id=0"' in html
    assert 'hx-ext="sse"' in html and 'sse-close="done"' in html
    assert 'id="searching" class="progress" role="status" aria-live="polite"' in html
    assert 'sse-swap="results"' in html
    assert 'id="insight-groceries"' in html and 'id="insight-dining"' in html
    # Without JavaScript the browser follows this to the computed page.
    assert (
        f'<noscript><meta http-equiv="refresh" content="0; url=/results/{profile.token}/?now=1">'
        in html
    )
    assert not CachedResult.objects.exists()


def test_without_javascript_the_page_computes_the_real_ranking_in_the_request(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    response = client.get(f"/results/{profile.token}/?now=1")
    assert response.status_code == 200
    html = response.text
    catalog = load_engine_catalog()
    engine_input = profile.engine_input(catalog, top_n=5)
    expected = recommend(catalog, engine_input.spend, engine_input.options)
    best_single = expected.wallets[1][0]
    best_pair = expected.wallets[2][0]
    assert "One card instead" in html and "Our pick: a 2-card wallet" in html
    assert f'<a href="/cards/{best_single.cards[0]}/">' in html
    assert f"<dd>${best_single.ongoing_value:,.2f}</dd>" in html
    assert f"<strong>${best_pair.ongoing_value:,.2f}</strong>" in html
    assert "sse-connect" not in html
    assert "http-equiv" not in html
    assert html.count('class="insight"') == 2
    assert "Stays your top pick" in html
    assert CachedResult.objects.filter(key=RANKING_KEY).count() == 1


def test_cards_that_would_add_nothing_are_left_out_of_the_answer(
    client: Client, shipped_catalog: None
) -> None:
    """Groceries only: one card earns as much as any two or three (the others would get no
    spending), so the answer is that one card, not a 3-card wallet with two idle cards, and
    the insights explain that card."""
    profile = SpendingProfile(wallet_size=3)
    profile.set_spend({"groceries": Decimal("400")})
    profile.save()
    catalog = load_engine_catalog()
    engine_input = profile.engine_input(catalog, top_n=5)
    expected = recommend(catalog, engine_input.spend, engine_input.options)
    single, triple = expected.wallets[1][0], expected.wallets[3][0]
    assert triple.ongoing_value == single.ongoing_value  # the premise: two idle cards
    assert expected.pick_size == 1
    html = client.get(f"/results/{profile.token}/?now=1").text
    answer = html[html.index('<section class="answer"') : html.index('id="alternatives-title"')]
    name = catalog.card(single.cards[0]).name
    assert '<p class="kicker">Our pick</p>' in answer
    assert f"Get the {escape(name)}." in answer
    assert "No wallet of 2 or 3 cards earns more a year" in answer
    assert "so we leave out cards that would add nothing a year." in answer
    assert "would get no spending" not in answer
    assert "2 cards instead" in html and "3 cards instead" in html
    ranking = CachedResult.objects.get(key=RANKING_KEY).payload
    assert top_pick(ranking) == list(single.cards)
    assert "Stays your top pick" in html
    one = engine_input.with_top_n(1)
    explained = break_even(catalog, one.spend, one.options, "groceries")
    assert explained.wallet == single.cards


def test_a_held_card_shows_its_own_value_worked_out_by_hand(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(held_cards=["amex-blue-cash-preferred"])
    html = client.get(f"/results/{profile.token}/?now=1").text
    # Blue Cash Preferred alone: groceries 6% on the $6,000 cap = $360, 1% on the other
    # $1,200 = $12; dining 1% on $3,000 = $30; rewards $402, minus the $95 fee = $307.00.
    assert 'Your current cards already earn</th><td class="num">−$307.00' in html
    assert "Gain per year" in html


def test_the_permalink_reproduces_the_result_for_a_new_visitor(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    first = client.get(f"/results/{profile.token}/?now=1").text
    stranger = Client()
    second = stranger.get(f"/results/{profile.token}/")
    assert second.status_code == 200
    start, end = first.index('id="results"'), first.index('class="actions results-actions"')
    assert second.text[second.text.index('id="results"') :][: end - start] == first[start:end]
    # Cached: no live stream needed the second time.
    assert "sse-connect" not in second.text


def test_results_are_cached_per_catalog_version(client: Client, shipped_catalog: None) -> None:
    profile = make_profile()
    client.get(f"/results/{profile.token}/?now=1")
    CatalogVersion.bump()
    html = client.get(f"/results/{profile.token}/").text
    assert "sse-connect" in html


def test_an_unknown_or_malformed_token_is_a_404(client: Client) -> None:
    assert client.get("/results/doesnotexist123/").status_code == 404
    assert client.get("/results/%21%21bad%20token/").status_code == 404
    assert client.get("/results/doesnotexist123/stream/").status_code == 404


def test_a_profile_without_spending_sends_the_visitor_to_step_one(client: Client) -> None:
    profile = SpendingProfile.objects.create()
    response = client.get(f"/results/{profile.token}/", follow=True)
    assert response.redirect_chain == [("/wizard/spending/", 302)]
    assert "start with step 1" in response.text


def test_change_my_answers_opens_the_wizard_filled_in_and_keeps_the_permalink(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    client.get(f"/results/{profile.token}/?now=1")
    stranger = Client()
    response = stranger.post(f"/results/{profile.token}/change/")
    assert response.status_code == 302 and response["Location"] == "/wizard/spending/"
    assert 'name="groceries" value="600"' in stranger.get("/wizard/spending/").text
    stranger.post("/wizard/spending/", {"groceries": "900", "dining": "250", "action": "next"})
    profile.refresh_from_db()
    assert profile.spend()["groceries"] == Decimal("600")
    assert SpendingProfile.objects.count() == 2


def test_change_my_answers_needs_a_post(client: Client) -> None:
    profile = make_profile()
    assert client.get(f"/results/{profile.token}/change/").status_code == 405


def test_without_javascript_insights_past_the_time_budget_continue_after_a_reload(
    client: Client,
    shipped_catalog: None,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.RESULTS_INLINE_SECONDS = 0
    profile = make_profile()
    html = client.get(f"/results/{profile.token}/?now=1").text
    # The ranking is always waited for; the insights' time is up at once.
    assert "Our pick" in html
    assert "working it out…" in html
    assert f'url=/results/{profile.token}/?now=1"' in html
    assert CachedResult.objects.filter(key=RANKING_KEY).count() == 1


def test_the_results_say_which_recommended_figures_rest_on_unconfirmed_or_dated_facts(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    html = client.get(f"/results/{profile.token}/?now=1").text
    catalog = load_engine_catalog()
    engine_input = profile.engine_input(catalog, top_n=5)
    expected = recommend(catalog, engine_input.spend, engine_input.options)
    listed = {card for wallets in expected.wallets.values() for w in wallets for card in w.cards}
    notes = card_notes(catalog, sorted(listed), timezone.localdate())
    lines = [line for card_lines in notes.values() for line in card_lines]
    # The shipped catalog has unconfirmed facts (see catalog_audit): some recommended card has one.
    assert lines
    assert "What these figures rest on" in html
    for line in lines:
        assert f"<li>{escape(line)}</li>" in html


def test_saving_keeps_the_stored_fingerprint_in_step_with_the_answers() -> None:
    """The cached page is found by the fingerprint saved with the profile: every save, whole
    or partial, must store the one the answers give now."""
    profile = make_profile()
    assert profile.inputs_fingerprint == profile.fingerprint() != ""
    before = profile.inputs_fingerprint
    profile.set_spend({"groceries": Decimal("601")})
    profile.save(update_fields=["monthly_spend", "spending_saved"])
    profile.refresh_from_db()
    assert profile.inputs_fingerprint == profile.fingerprint() != before
    profile.wallet_size = 1
    profile.save()
    assert SpendingProfile.objects.get(pk=profile.pk).inputs_fingerprint == profile.fingerprint()


def test_a_cached_results_page_is_found_in_one_query_and_follows_catalog_changes(
    client: Client, shipped_catalog: None, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    """A complete result's page is read by (token, saved fingerprint, catalog version) in one
    query, and is the page the full path renders; a new catalog version is a miss."""
    profile = make_profile()
    computed = client.get(f"/results/{profile.token}/?now=1")
    assert "sse-connect" not in computed.text  # complete: insights all cached
    stranger = Client()
    full = stranger.get(f"/results/{profile.token}/")  # the full path stores the page
    with django_assert_num_queries(1):
        cached = stranger.get(f"/results/{profile.token}/")
    assert cached.status_code == 200
    start = full.text.index('id="results"')
    assert (
        cached.text[start:].split('name="csrfmiddlewaretoken"')[0]
        == (full.text[start:].split('name="csrfmiddlewaretoken"')[0])
    )
    CatalogVersion.bump()
    assert "sse-connect" in stranger.get(f"/results/{profile.token}/").text


def test_a_profile_saved_before_fingerprints_were_stored_still_shows_its_cached_results(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()
    client.get(f"/results/{profile.token}/?now=1")
    SpendingProfile.objects.filter(pk=profile.pk).update(inputs_fingerprint="")
    html = Client().get(f"/results/{profile.token}/").text
    assert 'id="results"' in html and "sse-connect" not in html


def test_a_deleted_profiles_cached_page_is_gone_with_it(
    client: Client, shipped_catalog: None
) -> None:
    """The one-read path still asks the database: a profile purged after its page was cached
    is a 404, never its answers from the page cache."""
    profile = make_profile()
    client.get(f"/results/{profile.token}/?now=1")
    stranger = Client()
    assert stranger.get(f"/results/{profile.token}/").status_code == 200
    profile.delete()
    assert stranger.get(f"/results/{profile.token}/").status_code == 404


def test_a_results_page_not_cached_yet_reads_the_version_and_the_page_cache_once(
    client: Client, shipped_catalog: None
) -> None:
    """The live shell (results still to compute) after the one-read lookup missed: the catalog
    version and the shared page cache are not read a second time."""
    profile = make_profile()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/results/{profile.token}/").text
    assert "sse-connect" in html
    version_table = CatalogVersion._meta.db_table
    version_reads = [q for q in queries if f'FROM "{version_table}"' in q["sql"]]
    cache_reads = [q for q in queries if q["sql"].startswith("SELECT") and CACHE_TABLE in q["sql"]]
    assert len(version_reads) == 1 and len(cache_reads) == 1
