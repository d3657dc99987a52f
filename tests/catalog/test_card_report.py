"""A visitor reports a problem on a card page: stored for editors, rate-limited, never applied."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Card, ProblemReport
from catalog.reports import REPORTS_PER_WINDOW

pytestmark = pytest.mark.django_db

GOOD = {"fact": "annual_fee", "seen": "The issuer's page says $150 since May.", "link": ""}


def report_url(slug: str = "grocer-cash") -> str:
    return reverse("catalog:card-report", args=[slug])


def test_the_card_page_has_the_report_form(imported_small: dict[str, Any], client: Client) -> None:
    text = client.get(reverse("catalog:card-detail", args=["grocer-cash"])).content.decode()

    assert f'<form method="post" action="{report_url()}" hx-post="{report_url()}"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert "No account or e-mail needed" in text


def test_without_javascript_a_report_is_stored_and_the_page_thanks(
    imported_small: dict[str, Any], client: Client
) -> None:
    fee = Card.objects.get(slug="grocer-cash").annual_fee

    response = client.post(report_url(), {**GOOD, "link": "https://example.com/terms"})

    assert response.status_code == 302
    assert response["Location"] == "/cards/grocer-cash/#report"
    report = ProblemReport.objects.get()
    assert (report.card.slug, report.fact, report.link) == (
        "grocer-cash",
        "annual_fee",
        "https://example.com/terms",
    )
    assert report.status == "new" and len(report.address_hash) == 64
    assert "127.0.0.1" not in report.address_hash
    # A report changes nothing by itself.
    assert Card.objects.get(slug="grocer-cash").annual_fee == fee
    page = client.get(response["Location"]).content.decode()
    assert "Thank you: an editor will check it against the sources." in page


def test_with_htmx_the_report_box_is_swapped_for_the_thanks(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.post(report_url(), GOOD, headers={"HX-Request": "true"})

    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="report-box">')
    assert "<html" not in text
    assert "Thank you" in text
    assert ProblemReport.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"seen": "Wrong fee here"}, "Choose which fact is wrong."),
        ({"fact": "apr", "seen": "Wrong fee here"}, "Select a valid choice."),
        ({"fact": "bonus"}, "Tell us what you saw."),
        ({"fact": "bonus", "seen": "x" * 1001}, "Keep it under 1000 characters."),
        ({"fact": "bonus", "seen": "Wrong bonus", "link": "not a link"}, "is not a web address"),
    ],
)
def test_bad_input_is_explained_on_the_page_and_in_the_swap(
    imported_small: dict[str, Any], client: Client, data: dict[str, str], message: str
) -> None:
    page = client.post(report_url(), data)
    swap = client.post(report_url(), data, headers={"HX-Request": "true"})

    assert page.status_code == 400
    assert message in page.content.decode()
    assert '<h1 id="card-title">' in page.content.decode()
    assert swap.status_code == 200
    assert message in swap.content.decode()
    assert "<html" not in swap.content.decode()
    assert ProblemReport.objects.count() == 0


def test_reports_are_limited_per_address(imported_small: dict[str, Any], client: Client) -> None:
    for _ in range(REPORTS_PER_WINDOW):
        assert client.post(report_url(), GOOD).status_code == 302

    page = client.post(report_url(), GOOD)
    swap = client.post(report_url("business-miles"), GOOD, headers={"HX-Request": "true"})
    other = client.post(report_url(), GOOD, REMOTE_ADDR="203.0.113.9")

    assert page.status_code == 429
    assert "try again later" in page.content.decode()
    assert swap.status_code == 200 and "try again later" in swap.content.decode()
    assert other.status_code == 302
    assert ProblemReport.objects.count() == REPORTS_PER_WINDOW + 1


def test_the_limit_is_counted_in_the_database(imported_small: dict[str, Any]) -> None:
    # Two clients stand for two worker processes: only the database is shared between them.
    first, second = Client(), Client()
    for _ in range(REPORTS_PER_WINDOW):
        assert first.post(report_url(), GOOD).status_code == 302
    assert second.post(report_url(), GOOD).status_code == 429


def test_reports_need_a_post_and_a_known_card(
    imported_small: dict[str, Any], client: Client
) -> None:
    assert client.get(report_url()).status_code == 405
    assert client.post(report_url("no-such-card"), GOOD).status_code == 404
