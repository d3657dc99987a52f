""" "Use these numbers": the monthly averages fill step 1, and the whole flow without JavaScript."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.statements.helpers import SAMPLES
from tests.wizard.conftest import HTMX
from wizard.import_views import SESSION_KEY
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
USE = "/wizard/import/use/"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type="text/csv")


def test_the_whole_flow_without_javascript(client: Client) -> None:
    step_one = client.get("/wizard/spending/").text
    assert 'href="/wizard/import/"' in step_one

    response = client.post("/wizard/import/", {"files": [upload("chase.csv")]})
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert review.status_code == 200 and "Starbucks" in review.text

    response = client.post("/wizard/import/move/", {"key": "other:target", "category": "groceries"})
    assert response.status_code == 302
    assert "Moved Target to Groceries." in client.get(response["Location"]).text

    response = client.post(USE)
    assert response.status_code == 302
    assert response["Location"] == "/wizard/spending/"
    page = client.get("/wizard/spending/").text
    assert "Filled in from 1 statement covering Jan 2 – Feb 1, 2026; check and adjust." in page
    # Groceries 86.45 + Target 64.33 = 150.78 over 31 days: 148.04 a month.
    assert 'name="groceries" value="148.04"' in page
    assert 'name="airfare" value="1212.16"' in page
    assert 'name="other" value=' not in page
    profile = SpendingProfile.objects.get()
    assert profile.spend()["groceries"] == Decimal("148.04")
    assert profile.spend()["other"] == Decimal("0")
    assert client.session["wizard_profile_token"] == profile.token
    # Only the monthly totals are kept: the session no longer holds the merchants.
    assert SESSION_KEY not in client.session


def test_several_statements_fill_step_one_with_their_shared_monthly_average(
    client: Client,
) -> None:
    files = [upload("chase.csv"), upload("discover.csv"), upload("wells_fargo.csv")]
    client.post("/wizard/import/", {"files": files})

    client.post(USE)

    profile = SpendingProfile.objects.get()
    # 226.17 over Jan 2 to May 14 (133 days) x 30.4375
    assert profile.monthly_spend["groceries"] == "51.76"
    messages = client.get("/wizard/spending/").text
    assert "Filled in from 3 statements covering Jan 2 – May 14, 2026; check and adjust." in (
        messages
    )


def test_use_replaces_the_amounts_typed_before(client: Client) -> None:
    client.post("/wizard/spending/", {"groceries": "600", "hotels": "50", "action": "next"})
    client.post("/wizard/import/", {"files": [upload("discover.csv")]})

    client.post(USE)

    profile = SpendingProfile.objects.get()
    assert profile.monthly_spend == {
        "groceries": "76.54",
        "dining": "21.30",
        "gas": "44.10",
        "airfare": "356.20",
        "wholesale_clubs": "201.87",
        "home_improvement": "88.42",
        "entertainment": "28.50",
        "other": "64.00",
    }


def test_an_htmx_use_sends_the_browser_to_step_one(client: Client) -> None:
    client.post("/wizard/import/", {"files": [upload("discover.csv")]})

    response = client.post(USE, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/wizard/spending/"
    assert SpendingProfile.objects.get().monthly_spend["groceries"] == "76.54"
    assert "Filled in from 1 statement covering Apr 1 – Apr 15, 2026" in (
        client.get("/wizard/spending/").text
    )


def test_answers_whose_results_were_shown_are_copied_not_changed(client: Client) -> None:
    client.post("/wizard/spending/", {"groceries": "600", "action": "next"})
    shown = SpendingProfile.objects.get()
    shown.results_shown_at = timezone.now() - timedelta(minutes=5)
    shown.save()
    client.post("/wizard/import/", {"files": [upload("discover.csv")]})

    client.post(USE)

    shown.refresh_from_db()
    assert shown.monthly_spend == {"groceries": "600.00"}
    copy = SpendingProfile.objects.exclude(pk=shown.pk).get()
    assert copy.monthly_spend["groceries"] == "76.54"
    assert client.session["wizard_profile_token"] == copy.token


def test_use_without_an_import_goes_back_to_the_upload(client: Client) -> None:
    page = client.post(USE)
    swap = client.post(USE, headers=HTMX)

    assert page.status_code == 302 and page["Location"] == "/wizard/import/"
    assert swap.status_code == 200 and swap["HX-Push-Url"] == "/wizard/import/"
    assert not SpendingProfile.objects.exists()


def test_a_category_above_what_step_one_accepts_is_refused(client: Client) -> None:
    # 20 purchases of $900,000 in one day: $18,000,000 in a month.
    rows = b"".join(b"01/02/2026,BIG SPENDER %d,900000.00\n" % n for n in range(20))
    data = b"Date,Description,Amount\n" + rows
    client.post("/wizard/import/", {"files": [SimpleUploadedFile("a.csv", data)]})

    page = client.post(USE)
    swap = client.post(USE, headers=HTMX)

    assert page.status_code == 302 and page["Location"] == "/wizard/import/review/"
    assert "Everything else: more than $1,000,000 a month" in client.get(page["Location"]).text
    assert swap.status_code == 200
    assert "Everything else: more than $1,000,000 a month" in swap.text
    assert not SpendingProfile.objects.exists()
    assert SESSION_KEY in client.session
