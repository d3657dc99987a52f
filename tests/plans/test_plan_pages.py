"""Plan my next cards: the form (full page, htmx partial, bad input), the permalink page (live
shell, htmx partial, computed in the request without JavaScript)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from catalog.engine_catalog import load_engine_catalog
from plans.models import PlanRequest
from results.models import CachedResult
from rewards.roadmap import RoadmapOptions, roadmap
from wizard.models import SESSION_KEY, SpendingProfile

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def make_profile(client: Client | None = None, **preferences: Any) -> SpendingProfile:
    profile = SpendingProfile(**preferences)
    profile.set_spend(
        {"groceries": Decimal("600"), "dining": Decimal("300"), "other": Decimal("900")}
    )
    profile.save()
    if client is not None:
        session = client.session
        session[SESSION_KEY] = profile.token
        session.save()
    return profile


def form_data(profile: SpendingProfile, **fields: str) -> dict[str, str]:
    data = {
        "answers": profile.token,
        "held-TOTAL_FORMS": "2",
        "held-INITIAL_FORMS": "0",
        "held-MIN_NUM_FORMS": "0",
        "held-MAX_NUM_FORMS": "12",
        "held-0-card": "",
        "held-0-month": "",
        "held-1-card": "",
        "held-1-month": "",
        "bonus-TOTAL_FORMS": "1",
        "bonus-INITIAL_FORMS": "0",
        "bonus-MIN_NUM_FORMS": "0",
        "bonus-MAX_NUM_FORMS": "12",
        "bonus-0-card": "",
        "bonus-0-month": "",
        "other_recent": "0",
        "other_months": "",
        "months": "12",
        "max_new": "2",
        "spacing": "3",
    }
    data.update(fields)
    return data


def test_the_form_is_filled_from_the_saved_answers(client: Client, shipped_catalog: None) -> None:
    profile = make_profile(client, held_cards=["chase-freedom-unlimited"])
    response = client.get("/plan/")
    assert response.status_code == 200
    html = response.text
    assert "<title>" in html and 'id="plan-page"' in html and "site-header" in html
    assert 'name="held-0-card"' in html
    assert re.search(r'<option value="chase-freedom-unlimited" selected>', html)
    assert 'type="month"' in html
    assert f'value="{profile.token}"' in html
    assert 'hx-post="/plan/"' in html and 'method="post"' in html


def test_the_form_as_an_htmx_partial_is_the_page_body_only(
    client: Client, shipped_catalog: None
) -> None:
    make_profile(client)
    response = client.get("/plan/", **HTMX)
    assert response.status_code == 200
    assert 'id="plan-page"' in response.text and "site-header" not in response.text
    assert "HX-Request" in response["Vary"]


def test_a_results_link_names_the_answers_to_plan_with(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile()  # not this session's
    response = client.get(f"/plan/?answers={profile.token}")
    assert response.status_code == 200
    assert f'value="{profile.token}"' in response.text


def test_without_saved_answers_the_form_sends_you_to_step_one(client: Client, db: None) -> None:
    response = client.get("/plan/")
    assert response.status_code == 302 and response["Location"] == "/wizard/spending/"
    response = client.get("/plan/", **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/wizard/spending/"


def test_a_valid_form_saves_the_plan_and_redirects_to_its_permalink(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(client)
    data = form_data(
        profile,
        **{"held-0-card": "chase-freedom-unlimited", "held-0-month": "2025-03"},
        **{"bonus-0-card": "amex-gold", "bonus-0-month": "2024-05"},
        other_recent="2",
        other_months="2025-06, 2026-02",
    )
    response = client.post("/plan/", data)
    assert response.status_code == 302, response.text
    plan = PlanRequest.objects.get()
    assert response["Location"] == f"/plan/{plan.token}/"
    assert plan.today == this_month()
    assert plan.answers == {
        "held": [["chase-freedom-unlimited", "2025-03"]],
        "other_recent": 0,
        "other_recent_months": ["2025-06", "2026-02"],
        "bonus_history": [["amex-gold", "2024-05"]],
        "months": 12,
        "max_new": 2,
        "spacing": 3,
    }
    # The saved answers are untouched (the plan only reads them).
    profile.refresh_from_db()
    assert profile.held_cards == []


def test_a_valid_htmx_post_swaps_in_the_plan_page_and_pushes_its_url(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(client)
    response = client.post("/plan/", form_data(profile), **HTMX)
    assert response.status_code == 200
    plan = PlanRequest.objects.get()
    assert response["HX-Push-Url"] == f"/plan/{plan.token}/"
    assert 'id="plan-page"' in response.text and "site-header" not in response.text
    assert f'sse-connect="/plan/{plan.token}/stream/"' in response.text


def test_a_fresh_permalink_is_the_live_shell(client: Client, shipped_catalog: None) -> None:
    profile = make_profile()
    plan = PlanRequest.objects.create(
        profile=profile, today="2026-12", answers={"months": 12, "max_new": 2, "spacing": 3}
    )
    html = client.get(f"/plan/{plan.token}/").text
    assert f'sse-connect="/plan/{plan.token}/stream/"' in html
    assert 'sse-swap="best"' in html and 'sse-swap="alternatives"' in html
    assert 'sse-swap="progress,done"' in html
    assert f'url=/plan/{plan.token}/?now=1"></noscript>' in html
    assert "January 2027" in html
    partial = client.get(f"/plan/{plan.token}/", **HTMX).text
    assert 'id="plan-page"' in partial and "site-header" not in partial


def test_plan_pages_are_never_stored_by_a_cache(client: Client, shipped_catalog: None) -> None:
    profile = make_profile(client)
    plan = PlanRequest.objects.create(
        profile=profile, today="2026-12", answers={"months": 12, "max_new": 2, "spacing": 3}
    )
    for url in ("/plan/", f"/plan/{plan.token}/"):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_an_unknown_plan_link_is_404(client: Client, db: None) -> None:
    assert client.get("/plan/nope-nope/").status_code == 404
    assert client.get("/plan/nope-nope/stream/").status_code == 404


def test_without_javascript_the_plan_is_computed_in_the_request(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(client)
    held = [["chase-freedom-unlimited", "2025-03"]]
    data = form_data(profile, **{"held-0-card": held[0][0], "held-0-month": held[0][1]})
    location = client.post("/plan/", data)["Location"]
    response = client.get(location + "?now=1")
    assert response.status_code == 200
    html = response.text
    assert "sse-connect" not in html and "<noscript>" not in html
    # The same plan the engine makes, independently of the page.
    catalog = load_engine_catalog(("chase-freedom-unlimited",))
    options = RoadmapOptions(
        today=this_month(), months=12, max_new=2, spacing=3, held=(tuple(held[0]),), top=5
    )
    expected = roadmap(catalog, profile.spend(), options)
    best = expected.plans[0]
    assert best.applications, "the shipped catalog pays for a new card here"
    first = best.applications[0]
    assert f"Month {first.month} (" in html
    assert f'href="/cards/{first.card}/">' in html
    assert f"{best.gain:,.2f}" in html
    assert "<svg" in html and "The numbers, month by month" in html
    assert len(re.findall(r'<li class="wallet">', html)) == len(expected.plans) - 1
    # Cached: the permalink now shows the plan at once, and the answers are frozen.
    assert CachedResult.objects.filter(key=f"plan:{location.split('/')[2]}").exists()
    assert client.get(location).text.count("sse-connect") == 0
    profile.refresh_from_db()
    assert profile.results_shown_at is not None


def test_without_javascript_a_plan_over_the_time_limit_says_so(
    client: Client, shipped_catalog: None, settings: Any
) -> None:
    settings.RESULTS_STREAM_MAX_SECONDS = 0
    profile = make_profile(client)
    location = client.post("/plan/", form_data(profile))["Location"]
    response = client.get(location + "?now=1")
    assert response.status_code == 200
    assert "This plan took too long and was stopped" in response.text
    assert not CachedResult.objects.exists()
