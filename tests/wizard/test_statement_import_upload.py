"""/wizard/import/: the upload form, and known exports read into a summary for the review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from statements import Summary
from tests.statements.helpers import SAMPLES
from tests.wizard.conftest import HTMX
from wizard.import_views import SESSION_KEY, span_text, stored_summary

pytestmark = pytest.mark.django_db
URL = "/wizard/import/"


def upload(name: str) -> SimpleUploadedFile:
    """A sample statement as the browser sends it."""
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type="text/csv")


def session_summary(client: Client) -> Summary:
    return stored_summary(client.session)


def test_step_one_links_to_the_import_page(client: Client) -> None:
    html = client.get("/wizard/spending/").text
    assert 'href="/wizard/import/"' in html
    assert "Import bank or card statements (CSV) instead" in html


def test_the_full_page_has_a_multipart_form_for_several_csv_files(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text
    assert "<html" in html and 'class="site-header"' in html
    assert '<h1 id="step-title" data-focus-on-swap>Import your statements</h1>' in html
    assert 'enctype="multipart/form-data"' in html and 'method="post"' in html
    assert 'action="/wizard/import/"' in html
    assert 'hx-post="/wizard/import/"' in html and 'hx-encoding="multipart/form-data"' in html
    assert 'type="file" name="files"' in html
    assert 'accept=".csv,text/csv"' in html and "multiple" in html
    assert "csrfmiddlewaretoken" in html
    assert "never stored, logged or written to disk" in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_request_gets_only_the_upload_partial(client: Client) -> None:
    response = client.get(URL, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'class="site-header"' not in response.text
    assert response.text.count('id="wizard-step"') == 1
    assert "<title>Import your statements" in response.text


def test_a_full_page_upload_keeps_the_summary_in_the_session_and_redirects_to_the_review(
    client: Client,
) -> None:
    response = client.post(URL, {"files": [upload("chase.csv")]})

    assert response.status_code == 302
    assert response["Location"] == "/wizard/import/review/"
    summary = session_summary(client)
    assert [report.name for report in summary.files] == ["chase.csv"]


def test_an_htmx_upload_answers_with_the_review_partial_and_pushes_its_url(
    client: Client,
) -> None:
    response = client.post(URL, {"files": [upload("chase.csv")]}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/wizard/import/review/"
    assert "<html" not in response.text
    assert "<title>Your imported spending" in response.text
    assert 'id="import-review-table"' in response.text
    assert SESSION_KEY in client.session


def test_chase_monthly_figures_are_the_totals_over_its_31_day_span(client: Client) -> None:
    client.post(URL, {"files": [upload("chase.csv")]})

    summary = session_summary(client)
    # Purchases from Jan 2 to Feb 1, 2026: 31 days, so each total x 30.4375 / 31.
    assert (summary.start.isoformat(), summary.end.isoformat(), summary.days) == (
        "2026-01-02",
        "2026-02-01",
        31,
    )
    assert {k: v for k, v in summary.monthly_spend().items() if v} == {
        "groceries": Decimal("84.88"),  # 86.45
        "dining": Decimal("43.99"),  # 44.80
        "gas": Decimal("47.13"),  # 48.00
        "airfare": Decimal("1212.16"),  # 1,234.56
        "hotels": Decimal("382.14"),  # 389.20
        "transit": Decimal("22.98"),  # 23.40
        "travel_other": Decimal("73.64"),  # 75.00
        "streaming": Decimal("15.21"),  # 15.49
        "drugstores": Decimal("17.94"),  # 18.27
        "online_retail": Decimal("41.41"),  # 42.18
        "phone_internet": Decimal("83.46"),  # 85.00
        "other": Decimal("63.16"),  # 64.33
    }
    html = client.get("/wizard/import/review/").text
    assert "1 statement covering Jan 2 – Feb 1, 2026 (31 days)" in html
    assert '<td class="num">$1,234.56</td><td class="num">$1,212.16</td>' in html


def test_discover_over_15_days_counts_as_one_month_and_says_so(client: Client) -> None:
    client.post(URL, {"files": [upload("discover.csv")]})

    summary = session_summary(client)
    # Apr 1 to Apr 15: under a month, so the monthly figures are the totals themselves.
    assert summary.days == 15
    assert {k: v for k, v in summary.monthly_spend().items() if v} == {
        "groceries": Decimal("76.54"),
        "dining": Decimal("21.30"),
        "gas": Decimal("44.10"),
        "airfare": Decimal("356.20"),
        "wholesale_clubs": Decimal("201.87"),
        "home_improvement": Decimal("88.42"),
        "entertainment": Decimal("28.50"),
        "other": Decimal("64.00"),
    }
    html = client.get("/wizard/import/review/").text
    assert "These purchases cover less than a month" in html


def test_several_cards_at_once_share_one_span(client: Client) -> None:
    files = [upload("chase.csv"), upload("discover.csv"), upload("wells_fargo.csv")]
    response = client.post(URL, {"files": files})

    assert response.status_code == 302
    summary = session_summary(client)
    assert [report.format for report in summary.files] == ["chase", "discover", "wells_fargo"]
    # 86.45 + 76.54 + 63.18 over Jan 2 to May 14, 2026 (133 days).
    assert summary.category_totals()["groceries"] == Decimal("226.17")
    assert summary.days == 133
    assert summary.monthly_spend()["groceries"] == Decimal("51.76")
    html = client.get("/wizard/import/review/").text
    assert "3 statements covering Jan 2 – May 14, 2026 (133 days)" in html


def test_every_supported_format_is_read_through_the_page(client: Client) -> None:
    names = [
        "amex.csv",
        "apple_card.csv",
        "bank_of_america.csv",
        "bank_of_america_checking.csv",
        "capital_one.csv",
        "chase_checking.csv",
        "citi.csv",
        "us_bank.csv",
        "wells_fargo.csv",
        "chase.csv",
    ]
    response = client.post(URL, {"files": [upload(name) for name in names]})

    assert response.status_code == 302
    formats = [report.format for report in session_summary(client).files]
    assert formats == [
        "amex",
        "apple",
        "bank_of_america",
        "bank_of_america_checking",
        "capital_one",
        "chase_checking",
        "citi",
        "us_bank",
        "wells_fargo",
        "chase",
    ]


def test_the_upload_page_offers_the_review_waiting_in_the_session(client: Client) -> None:
    client.post(URL, {"files": [upload("chase.csv")]})
    html = client.get(URL).text
    assert "You have imported statements waiting" in html
    assert 'href="/wizard/import/review/"' in html


def test_a_post_without_the_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"files": [upload("chase.csv")]})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_a_post_with_the_csrf_token_from_the_page_is_accepted() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"files": [upload("chase.csv")], "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_an_htmx_post_may_carry_the_csrf_token_in_its_header() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    token = client.cookies["csrftoken"].value
    headers = {**HTMX, "X-CSRFToken": token}
    response = client.post(URL, {"files": [upload("chase.csv")]}, headers=headers)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/wizard/import/review/"


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ("2026-01-02", "2026-03-30", "Jan 2 – Mar 30, 2026"),
        ("2025-12-15", "2026-02-10", "Dec 15, 2025 – Feb 10, 2026"),
        ("2026-05-04", "2026-05-04", "May 4, 2026"),
    ],
)
def test_spans_read_as_people_write_them(start: str, end: str, text: str) -> None:
    from datetime import date

    assert span_text(date.fromisoformat(start), date.fromisoformat(end)) == text
