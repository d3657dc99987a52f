"""/cards/<id>/: the card's terms in plain words, fees, bonus, credits and its source."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Card
from tests.catalog.conftest import run_command

pytestmark = pytest.mark.django_db


def detail(client: Client, slug: str) -> str:
    response = client.get(reverse("catalog:card-detail", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_says_the_rules_in_plain_words(imported_small: dict[str, Any], client: Client) -> None:
    text = detail(client, "grocer-cash")

    assert '<h1 id="card-title">Grocer Cash Preferred</h1>' in text
    assert "6% back on groceries on up to $6,000 a year, then 1%" in text
    assert "6% back on streaming services<sup>" in text
    assert "3% back on gas and EV charging and transit, rideshare, parking and tolls<sup>" in text
    assert "1% back on everything else" in text


def test_it_shows_fees_bonus_credits_source_and_verified_date(
    imported_small: dict[str, Any], client: Client
) -> None:
    text = detail(client, "grocer-cash")

    assert "$95 a year ($0 the first year)" in text
    assert "2.7% of each purchase abroad" in text
    assert "$250 back after you spend $3,000 in the first 6 months" in text
    assert "Streaming credit: $84 a year" in text
    assert 'href="https://www.example.com/grocer-cash"' in text
    assert '<time datetime="2026-10-15">October 15, 2026</time>' in text


def test_points_cards_say_what_a_point_is_worth(
    imported_small: dict[str, Any], client: Client, today: Any
) -> None:
    text = detail(client, "quarterly-points")

    assert (
        "5 points per dollar in categories that change each quarter on up to $1,500 a quarter"
        in text
    )
    # The person's year from 2026-12-03: two published quarters, two not announced.
    assert (
        "(Oct–Dec 2026: online shopping and wholesale clubs; Jan–Mar 2027: groceries and "
        "streaming services; Apr–Jun 2027: not announced yet; Jul–Sep 2027: not announced yet)"
    ) in text
    assert "20,000 points after you spend $500 in the first 3 months (worth about $300)" in text
    assert "We value Bank Points at 1.5¢ each" in text
    assert "No annual fee" in text
    assert "Foreign transaction fee</dt><dd>None" in text


def test_choice_and_shared_cap_rules_read_naturally(
    imported_small: dict[str, Any], client: Client
) -> None:
    top = detail(client, "top-category-cash")
    shared = detail(client, "shared-cap-cash")

    assert (
        "5% back on whichever of dining and delivery, gas and EV charging, groceries or travel "
        "you spend the most on each month on up to $500 a month, then 1%"
    ) in top
    assert (
        "3% back on one category you choose from gas and EV charging, online shopping, "
        "dining and delivery or travel on up to $2,500 a quarter shared with the card’s other "
        "capped categories, then 1%"
    ) in shared.replace("&#x27;", "’").replace("card's", "card’s")


def test_miles_cards_and_business_cards(imported_small: dict[str, Any], client: Client) -> None:
    text = detail(client, "business-miles")

    assert "5 miles per dollar on travel" in text
    assert "1.5 miles per dollar on everything else" in text
    assert "Business card" in text
    assert "Travel credit: $25 a quarter" in text
    assert "Excellent (740+) or better" in text


def test_an_unknown_card_is_a_404_with_a_way_to_the_list(db: None, client: Client) -> None:
    response = client.get(reverse("catalog:card-detail", args=["no-such-card"]))

    assert response.status_code == 404
    assert "Browse the cards" in response.content.decode()


@pytest.mark.parametrize("path", ["/cards/%00/", "/cards/a%20b/", "/cards/" + "x" * 300 + "/"])
def test_garbage_ids_are_404s(db: None, client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_an_inactive_card_is_still_shown_with_a_note(
    imported_small: dict[str, Any], client: Client
) -> None:
    Card.objects.filter(slug="grocer-cash").update(active=False)

    text = detail(client, "grocer-cash")

    assert "no longer in our catalog" in text


def test_a_stale_card_says_so(imported_small: dict[str, Any], client: Client, today: Any) -> None:
    stale = detail(client, "quarterly-points")
    fresh = detail(client, "shared-cap-cash")

    assert "Checked 692 days ago" in stale  # 2025-01-10
    assert "more than 180 days ago: terms may have changed" in stale
    assert "Checked 32 days ago" in fresh  # 2026-11-01
    assert "terms may have changed" not in fresh


def test_every_figure_points_to_its_sources(imported_small: dict[str, Any], client: Client) -> None:
    text = detail(client, "grocer-cash")

    assert '$95 a year ($0 the first year)<sup><a href="#source-1"' in text
    assert (
        '<li id="source-1">Annual fee, earn rates, sign-up bonus: “The terms of the Grocer Cash '
        "Preferred.” — "
    ) in text
    assert ">www.example.com</a> (page dated 2024-06)" in text
    assert "not confirmed" not in text


def test_an_unconfirmed_figure_says_not_confirmed(
    imported_small: dict[str, Any], client: Client
) -> None:
    text = detail(client, "quarterly-points")

    bonus = text[text.index("<dt>Sign-up bonus</dt>") : text.index("<dt>Credits</dt>")]
    assert "(not confirmed)" in bonus
    fee = text[text.index("<dt>Annual fee</dt>") : text.index("<dt>Foreign")]
    assert "not confirmed" not in fee
    assert "<li>Sign-up bonus: no source dated 2025 or later</li>" in text


def test_a_card_from_an_v1_file_has_every_figure_unconfirmed(
    db: None, small_catalog_v1: dict[str, Any], write_catalog: Any, client: Client
) -> None:
    assert run_command("import_cards", str(write_catalog(small_catalog_v1))).status == 0

    text = detail(client, "grocer-cash")

    assert text.count("(not confirmed)") >= 5  # the fee, each rule, the bonus
    assert "We have no recorded source for these figures" in text
    assert "no source recorded: read from a catalog@1 file" in text


def test_a_closed_card_is_marked_and_never_recommended(
    imported_small: dict[str, Any], client: Client
) -> None:
    Card.objects.filter(slug="grocer-cash").update(status="closed")

    text = detail(client, "grocer-cash")

    assert "Closed to new applicants (as of October 15, 2026)" in text
    assert "it is never recommended" in text


def test_the_page_has_one_h1_and_h2_sections(
    imported_small: dict[str, Any], client: Client
) -> None:
    text = detail(client, "grocer-cash")

    assert text.count("<h1") == 1
    assert text.index("<h1") < text.index("<h2")
    assert "<h3" not in text  # only a card with unconfirmed figures has that section


def test_a_quarter_without_a_bonus_category_says_so(
    small_catalog: dict[str, Any], write_catalog: Any, client: Client
) -> None:
    card = next(c for c in small_catalog["cards"] if c["id"] == "quarterly-points")
    rule = next(r for r in card["rules"] if "rotating" in r)
    rule["rotating"]["2026Q4"] = []  # published, but none of the categories we track
    result = run_command("import_cards", str(write_catalog(small_catalog)))
    assert result.status == 0, result.stderr

    text = detail(client, "quarterly-points")

    assert "none we track" in text


def test_the_shipped_freedom_flex_says_which_quarters_are_not_announced_yet(
    shipped_catalog_path: Any, client: Client
) -> None:
    result = run_command("import_cards", str(shipped_catalog_path))
    assert result.status == 0, result.stderr

    text = detail(client, "chase-freedom-flex")

    # No 2026 Q2-Q4 or 2027 calendar was found in any source: never last year's list instead.
    assert "not announced yet" in text
