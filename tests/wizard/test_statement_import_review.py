"""The review table: totals, monthly averages, top merchants, and moving a merchant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from statements import Summary
from tests.statements.helpers import SAMPLES
from tests.wizard.conftest import HTMX
from wizard.import_views import IMPORT_MAX_AGE, SESSION_KEY, SESSION_TIME_KEY, stored_summary
from wizard.models import BrowserSession

pytestmark = pytest.mark.django_db
URL = "/wizard/import/review/"
MOVE = "/wizard/import/move/"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type="text/csv")


@pytest.fixture
def imported(client: Client) -> Client:
    """A visitor who has uploaded the Chase sample."""
    client.post("/wizard/import/", {"files": [upload("chase.csv")]})
    return client


def summary_of(client: Client) -> Summary:
    return stored_summary(client.session)


def test_the_full_page_shows_totals_monthly_averages_and_top_merchants(imported: Client) -> None:
    response = imported.get(URL)

    assert response.status_code == 200
    html = response.text
    assert "<html" in html
    assert '<h1 id="step-title" data-focus-on-swap>Your imported spending</h1>' in html
    assert (
        '<a href="#cat-dining">Dining and delivery</a></th>'
        '<td class="num">$44.80</td><td class="num">$43.99</td>'
    ) in html
    assert (
        '<th scope="row">All purchases</th><td class="num">$2,126.68</td>'
        '<td class="num">$2,088.10</td>'
    ) in html
    # Dining's merchants, biggest first.
    assert html.index("<strong>Joes Pizza</strong>") < html.index("<strong>Starbucks</strong>")
    assert "2 purchases" in html
    assert "chase.csv</strong>: Chase, 14 purchases; left out: payments 1" in html
    assert 'action="/wizard/import/move/"' in html and 'hx-post="/wizard/import/move/"' in html
    assert 'hx-target="#import-review-table"' in html
    assert 'action="/wizard/import/use/"' in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_request_gets_only_the_review_partial(imported: Client) -> None:
    response = imported.get(URL, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.count('id="wizard-step"') == 1
    assert "<title>Your imported spending" in response.text


def test_without_an_import_the_review_sends_the_visitor_to_the_upload(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/wizard/import/"
    assert "There are no imported statements to review" in client.get("/wizard/import/").text


def test_without_an_import_an_htmx_review_swaps_in_the_upload(client: Client) -> None:
    response = client.get(URL, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/wizard/import/"
    assert "There are no imported statements to review" in response.text
    assert 'type="file" name="files"' in response.text


def test_an_altered_session_summary_is_dropped_not_a_crash(imported: Client) -> None:
    session = imported.session
    session[SESSION_KEY] = {"version": 1, "start": "yesterday"}
    session.save()

    response = imported.get(URL)

    assert response.status_code == 302
    assert SESSION_KEY not in imported.session


def test_moving_a_merchant_without_javascript_redirects_to_the_updated_review(
    imported: Client,
) -> None:
    response = imported.post(MOVE, {"key": "other:target", "category": "groceries"})

    assert response.status_code == 302
    assert response["Location"] == URL
    summary = summary_of(imported)
    assert summary.category_totals()["groceries"] == Decimal("150.78")  # 86.45 + 64.33
    assert summary.category_totals()["other"] == Decimal("0")
    html = imported.get(URL).text
    assert "Moved Target to Groceries." in html
    assert "moved from Everything else" in html
    assert '<option value="groceries" selected>Groceries</option>' in html


def test_moving_a_merchant_with_htmx_swaps_only_the_table(imported: Client) -> None:
    response = imported.post(
        MOVE, {"key": "dining:starbucks", "category": "groceries"}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="import-review-table"')
    assert 'id="wizard-step"' not in html and "<html" not in html
    assert "Moved Starbucks to Groceries." in html
    # Groceries 86.45 + 12.70 over 31 days: 99.15 x 30.4375 / 31 = 97.35
    assert (
        '<a href="#cat-groceries">Groceries</a></th>'
        '<td class="num">$99.15</td><td class="num">$97.35</td>'
    ) in html
    assert summary_of(imported).monthly_spend()["groceries"] == Decimal("97.35")


def test_moving_a_merchant_back_home_clears_the_move(imported: Client) -> None:
    imported.post(MOVE, {"key": "other:target", "category": "groceries"})
    imported.post(MOVE, {"key": "other:target", "category": "other"})

    summary = summary_of(imported)
    assert summary.overrides == {}
    assert summary.category_totals()["other"] == Decimal("64.33")


@pytest.mark.parametrize(
    "data",
    [
        {"key": "dining:nobody", "category": "groceries"},
        {"key": "dining:starbucks", "category": "bitcoin"},
        {"key": "", "category": "groceries"},
        {},
    ],
)
def test_a_move_of_an_unknown_merchant_or_to_an_unknown_category_changes_nothing(
    imported: Client, data: dict[str, str]
) -> None:
    before = imported.session[SESSION_KEY]

    page = imported.post(MOVE, data)
    swap = imported.post(MOVE, data, headers=HTMX)

    assert page.status_code == 302 and page["Location"] == URL
    assert "nothing was moved" in imported.get(URL).text
    assert swap.status_code == 200
    assert "That merchant or category is not part of this import; nothing was moved." in (swap.text)
    assert imported.session[SESSION_KEY] == before


def test_a_move_without_an_import_goes_back_to_the_upload(client: Client) -> None:
    response = client.post(MOVE, {"key": "dining:starbucks", "category": "groceries"})
    assert response.status_code == 302
    assert response["Location"] == "/wizard/import/"


def test_the_review_and_move_urls_refuse_other_methods(imported: Client) -> None:
    assert imported.post(URL).status_code == 405
    assert imported.get(MOVE).status_code == 405
    assert imported.get("/wizard/import/use/").status_code == 405
    assert imported.put("/wizard/import/").status_code == 405


def test_big_categories_show_their_top_five_merchants_and_sum_up_the_rest(
    client: Client,
) -> None:
    header = b"Date,Description,Amount\n"
    rows = b"".join(
        b"01/%02d/2026,CORNER SHOP NUMBER %s,%d.00\n" % (day, b"ABCDEFGH"[day - 1 : day], day)
        for day in range(1, 9)
    )
    client.post("/wizard/import/", {"files": [SimpleUploadedFile("a.csv", header + rows)]})

    html = client.get(URL).text

    assert html.count('name="key" value="other:') == 5
    # The three smallest: 1 + 2 + 3
    assert "and 3 more merchant lines, $6.00 together." in html


def test_discarding_the_import_forgets_it_and_shows_the_upload(imported: Client) -> None:
    html = imported.get(URL).text
    assert 'name="action" value="discard"' in html

    response = imported.post("/wizard/import/", {"action": "discard"})

    assert response.status_code == 302
    assert response["Location"] == "/wizard/import/"
    assert SESSION_KEY not in imported.session
    assert SESSION_TIME_KEY not in imported.session
    assert "The imported statements were discarded." in imported.get("/wizard/import/").text


def test_discarding_with_htmx_swaps_in_the_upload(imported: Client) -> None:
    response = imported.post("/wizard/import/", {"action": "discard"}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/wizard/import/"
    assert "The imported statements were discarded." in response.text
    assert "<html" not in response.text
    assert SESSION_KEY not in imported.session


def import_row(client: Client) -> BrowserSession:
    """The session row of its own that holds the client's import (merchant names included)."""
    return BrowserSession.objects.get(session_key=client.session[SESSION_KEY])


def test_the_import_row_expires_two_hours_after_it_was_saved(imported: Client) -> None:
    row = import_row(imported)
    left = (row.expire_date - timezone.now()).total_seconds()
    assert IMPORT_MAX_AGE - 60 < left <= IMPORT_MAX_AGE
    # The visitor's own session, which lives for weeks, holds only the row's key.
    visitor = BrowserSession.objects.get(session_key=imported.session.session_key)
    assert "Chase" not in str(visitor.get_decoded())
    assert "statement_import_at" not in visitor.get_decoded()


def test_an_import_older_than_two_hours_is_forgotten(imported: Client) -> None:
    BrowserSession.objects.filter(pk=import_row(imported).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = imported.get(URL)

    assert response.status_code == 302
    assert SESSION_KEY not in imported.session
    assert "we keep them two hours at most" in imported.get("/wizard/import/").text


def test_a_move_keeps_the_import_two_more_hours(imported: Client) -> None:
    BrowserSession.objects.filter(pk=import_row(imported).pk).update(
        expire_date=timezone.now() + timedelta(seconds=60)
    )

    imported.post(MOVE, {"key": "other:target", "category": "groceries"})

    left = (import_row(imported).expire_date - timezone.now()).total_seconds()
    assert left > IMPORT_MAX_AGE - 60
