"""The runners-up's math: fetched when opened (htmx) or on its own page (no JavaScript).

The results page used to carry a math table for each of its 15 wallets (2,583 elements, which
cost it Lighthouse performance points on a phone); now only the chosen wallet's table is inline.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from catalog.engine_catalog import engine_version, load_engine_catalog
from catalog.models import CatalogVersion
from results.cache import RANKING_KEY, store
from results.payloads import ranking_payload, wallet_key
from rewards.engine import recommend
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(shipped_catalog: None) -> tuple[SpendingProfile, dict]:
    """A profile whose ranking is cached, as the stream leaves it."""
    profile = SpendingProfile(wallet_size=2)
    profile.set_spend({"groceries": Decimal("600"), "dining": Decimal("250")})
    profile.save()
    catalog = load_engine_catalog()
    engine_input = profile.engine_input(catalog, top_n=5)
    recommendation = recommend(catalog, engine_input.spend, engine_input.options)
    payload = ranking_payload(recommendation, catalog, engine_input.options)
    store(profile, engine_version(), RANKING_KEY, payload)
    return profile, payload


def runner_up(payload: dict) -> dict:
    return next(w for g in payload["sizes"] for w in g["wallets"] if not w["chosen"])


def test_the_results_page_carries_only_the_chosen_wallets_table(
    client: Client, ranked: tuple[SpendingProfile, dict]
) -> None:
    profile, payload = ranked
    html = client.get(f"/results/{profile.token}/").text
    assert html.count('<table class="plan">') == 1
    wallets = [w for g in payload["sizes"] for w in g["wallets"]]
    assert len(wallets) == 10
    for wallet in wallets:
        url = f"/results/{profile.token}/math/{wallet_key(wallet)}/"
        # Every runner-up links to its math, with a real href for the page without JavaScript.
        assert (f'href="{url}" hx-get="{url}"' in html) is not wallet["chosen"]


def test_the_math_page_shows_a_runner_ups_plan_and_figures(
    client: Client, ranked: tuple[SpendingProfile, dict]
) -> None:
    profile, payload = ranked
    wallet = runner_up(payload)
    response = client.get(f"/results/{profile.token}/math/{wallet_key(wallet)}/")
    assert response.status_code == 200
    html = response.text
    assert "<html" in html and f"<h1>The math: {wallet['names']}</h1>" in html
    assert f'href="/results/{profile.token}/"' in html  # back to the results
    assert html.count("<tbody>") == 1
    for row in wallet["plan"]:
        assert f'<th scope="row">{row["label"]}</th>' in html
    value = Decimal(wallet["ongoing_value"])
    assert f"<strong>${value:,.2f}</strong>" in html
    assert response["Cache-Control"].startswith("max-age=0")  # personal: never kept
    assert "no-store" in response["Cache-Control"]


def test_opened_with_htmx_it_answers_the_table_alone(
    client: Client, ranked: tuple[SpendingProfile, dict]
) -> None:
    profile, payload = ranked
    wallet = runner_up(payload)
    url = f"/results/{profile.token}/math/{wallet_key(wallet)}/"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and "<h1" not in html
    assert re.match(r'\s*<div class="table-scroll" tabindex="0" role="region"', html)
    assert '<table class="plan">' in html
    assert "HX-Request" in response["Vary"]
    # The same URL without htmx is the whole page (the Vary header keeps caches apart).
    assert "<html" in client.get(url).text


@pytest.mark.parametrize(
    "wallet",
    ["no-such-card", "chase-freedom-unlimited,no-such-card", "", ",", "%00", "a" * 300],
)
def test_a_wallet_the_results_do_not_list_is_a_404(
    client: Client, ranked: tuple[SpendingProfile, dict], wallet: str
) -> None:
    profile, _ = ranked
    response = client.get(f"/results/{profile.token}/math/{wallet}/")
    assert response.status_code == 404


def test_an_unknown_link_is_a_404(client: Client, ranked: tuple[SpendingProfile, dict]) -> None:
    _, payload = ranked
    response = client.get(f"/results/nosuchtoken123/math/{wallet_key(runner_up(payload))}/")
    assert response.status_code == 404


def test_after_a_catalog_change_it_goes_back_to_the_results_to_work_them_out_again(
    client: Client, ranked: tuple[SpendingProfile, dict]
) -> None:
    profile, payload = ranked
    CatalogVersion.bump()
    response = client.get(f"/results/{profile.token}/math/{wallet_key(runner_up(payload))}/")
    assert response.status_code == 302
    assert response["Location"] == f"/results/{profile.token}/"
    page = client.get(response["Location"]).text
    assert "being worked out again" in page


def test_opened_with_htmx_after_a_catalog_change_the_browser_goes_to_the_results(
    client: Client, ranked: tuple[SpendingProfile, dict]
) -> None:
    profile, payload = ranked
    CatalogVersion.bump()
    url = f"/results/{profile.token}/math/{wallet_key(runner_up(payload))}/"
    response = client.get(url, headers={"HX-Request": "true"})
    # Not a redirect htmx would follow and swap the whole results page into the disclosure.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/results/{profile.token}/"
