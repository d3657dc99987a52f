"""The Django admin for catalog editors: lists, filters, search, inlines and validation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.io import catalog_dict_from_db
from catalog.models import (
    Card,
    CatalogVersion,
    Currency,
    EarnRule,
    Evidence,
    Issuer,
    IssuerRule,
    ProblemReport,
)
from rewards.catalog import catalog_to_dict, parse_catalog
from tests.catalog.admin_forms import form_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client: Client) -> Client:
    user = User.objects.create_superuser("editor", "editor@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def change_url(slug: str) -> str:
    return reverse("admin:catalog_card_change", args=[Card.objects.get(slug=slug).pk])


def new_card_data(**overrides: str) -> dict[str, str]:
    """A valid add-card POST: one rule, no caps, bonus or credits."""
    data = {
        "name": "New Test Card",
        "slug": "new-test-card",
        "issuer": str(Issuer.objects.get(name="Example Bank").pk),
        "network": "visa",
        "currency": str(Currency.objects.get(code="cash").pk),
        "active": "on",
        "annual_fee": "0",
        "first_year_fee": "",
        "foreign_fee_pct": "0",
        "credit": "good",
        "base_rate": "1.5",
        "source_url": "https://www.example.com/new",
        "verified_on": timezone.localdate().isoformat(),
        "status": "open",
        "status_confirmed_on": "",
        "family": "",
    }
    for prefix in ("shared_caps", "rules", "bonus", "credits", "evidence", "unconfirmed"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data["rules-TOTAL_FORMS"] = "1"
    data.update(
        {
            "rules-0-position": "",
            "rules-0-categories": "groceries, dining",
            "rules-0-rate": "3",
            "rules-0-cap_amount": "",
            "rules-0-cap_per": "",
            "rules-0-cap_key": "",
            "rules-0-choose": "",
            "rules-0-pick": "",
            "rules-0-calendar": "",
        }
    )
    # A source for the fee and the rules: the format needs them supported or unconfirmed.
    data["evidence-TOTAL_FORMS"] = "1"
    data.update(
        {
            "evidence-0-position": "",
            "evidence-0-fields": "annual_fee, rules",
            "evidence-0-source_url": "https://www.example.com/new/terms",
            "evidence-0-source_date": "",
            "evidence-0-quote": "3% on groceries and dining.",
            "evidence-0-note": "",
        }
    )
    data.update(overrides)
    return data


def test_the_card_list_shows_every_card_to_a_staff_user(
    imported_small: dict[str, Any], editor: Client
) -> None:
    response = editor.get(reverse("admin:catalog_card_changelist"))

    assert response.status_code == 200
    text = response.content.decode()
    for card in imported_small["cards"]:
        assert card["name"] in text
    assert "Verified on" in text


def test_anonymous_visitors_are_sent_to_the_login_page(
    imported_small: dict[str, Any], client: Client
) -> None:
    response = client.get(reverse("admin:catalog_card_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("network__exact=mastercard", {"Top Category Cash"}),
        ("active__exact=0", set()),
        ("business__exact=1", {"Business Miles Plus"}),
        ("q=shared", {"Shared Cap Cash Rewards"}),
        ("q=zeta", {"Shared Cap Cash Rewards", "Business Miles Plus"}),
    ],
)
def test_the_card_list_filters_and_searches(
    imported_small: dict[str, Any], editor: Client, query: str, expected: set[str]
) -> None:
    response = editor.get(f"{reverse('admin:catalog_card_changelist')}?{query}")

    assert response.status_code == 200
    shown = {card.name for card in response.context["cl"].result_list}
    assert shown == expected


def test_the_card_list_filters_by_issuer_and_currency(
    imported_small: dict[str, Any], editor: Client
) -> None:
    issuer = Issuer.objects.get(name="Zeta Bank")
    currency = Currency.objects.get(code="air_miles")
    url = reverse("admin:catalog_card_changelist")

    by_issuer = editor.get(f"{url}?issuer__id__exact={issuer.pk}")
    by_currency = editor.get(f"{url}?currency__id__exact={currency.pk}")

    assert {c.slug for c in by_issuer.context["cl"].result_list} == {
        "shared-cap-cash",
        "business-miles",
    }
    assert {c.slug for c in by_currency.context["cl"].result_list} == {"business-miles"}


def test_cards_verified_more_than_six_months_ago_carry_a_warning(
    imported_small: dict[str, Any], editor: Client
) -> None:
    today = timezone.localdate()
    Card.objects.update(verified_on=today)
    Card.objects.filter(slug="quarterly-points").update(verified_on=today - timedelta(days=200))
    url = reverse("admin:catalog_card_changelist")

    listing = editor.get(url).content.decode()
    stale = editor.get(f"{url}?verified=stale")
    page = editor.get(change_url("quarterly-points"))
    fresh_page = editor.get(change_url("grocer-cash"))

    assert listing.count("(200 days ago)") == 1
    assert [c.slug for c in stale.context["cl"].result_list] == ["quarterly-points"]
    assert "200 days ago" in page.content.decode()
    assert "days ago" not in fresh_page.content.decode()


def test_the_change_page_shows_the_rules_inline(
    imported_small: dict[str, Any], editor: Client
) -> None:
    response = editor.get(change_url("quarterly-points"))

    assert response.status_code == 200
    values = form_values(response.content.decode())
    assert values["rules-0-calendar"].splitlines() == [
        "2026Q1: groceries, streaming",
        "2026Q2: gas, home_improvement",
        "2026Q3: dining, drugstores",
        "2026Q4: online_retail, wholesale_clubs",
        "2027Q1: groceries, streaming",
    ]
    assert values["evidence-0-fields"] == "annual_fee, rules"
    assert values["unconfirmed-0-reason"] == "no source dated 2025 or later"
    assert values["rules-1-categories"] == "dining, drugstores"
    assert values["bonus-0-points"] == "20000"


def test_an_editor_adds_a_card_with_a_rule(imported_small: dict[str, Any], editor: Client) -> None:
    version = CatalogVersion.current()

    response = editor.post(reverse("admin:catalog_card_add"), new_card_data())

    assert response.status_code == 302
    card = Card.objects.get(slug="new-test-card")
    assert [(rule.categories, rule.rate) for rule in card.rules.all()] == [
        (["groceries", "dining"], 3)
    ]
    assert CatalogVersion.current() != version


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rules-0-categories": "groceries, grocery"}, "unknown category &#x27;grocery&#x27;"),
        ({"rules-0-categories": "travel, hotels"}, "overlaps &#x27;travel&#x27;"),
        ({"rules-0-cap_key": "combined"}, "unknown shared cap &#x27;combined&#x27;"),
        ({"rules-0-cap_amount": "500"}, "A cap needs both an amount and a period."),
        ({"rules-0-choose": "3"}, "choose 3 is more than the 2 listed categories"),
        ({"rules-0-calendar": "2027Q1: gas"}, "either categories or a rotating calendar"),
        ({"evidence-0-fields": "rules"}, "nothing supports &#x27;annual_fee&#x27;"),
        ({"evidence-0-fields": "annual_fee, apr"}, "unknown field &#x27;apr&#x27;"),
        ({"evidence-0-quote": "x" * 201}, "at most 200 characters"),
        ({"rules-0-rate": "-2"}, "Ensure this value is greater than or equal to 0."),
        ({"annual_fee": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"slug": "Bad Id"}, "Use lowercase letters, digits and single hyphens"),
        ({"slug": "compare"}, "is the address of another page on the site"),
        ({"source_url": "http://www.example.com/"}, "must be an https:// URL"),
    ],
)
def test_the_admin_refuses_what_the_import_refuses(
    imported_small: dict[str, Any], editor: Client, overrides: dict[str, str], message: str
) -> None:
    version = CatalogVersion.current()

    response = editor.post(reverse("admin:catalog_card_add"), new_card_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Card.objects.filter(name="New Test Card").exists()
    assert CatalogVersion.current() == version


def test_an_editor_changes_a_rule_and_the_export_follows(
    imported_small: dict[str, Any], editor: Client
) -> None:
    url = change_url("grocer-cash")
    data = form_values(editor.get(url).content.decode())
    data["rules-0-rate"] = "5"
    data["rules-0-cap_amount"] = "7000"

    response = editor.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    rule = EarnRule.objects.get(card__slug="grocer-cash", position=0)
    assert (rule.rate, rule.cap_amount) == (5, 7000)
    exported = catalog_dict_from_db()["cards"][0]["rules"][0]
    assert exported == {
        "categories": ["groceries"],
        "rate": 5,
        "cap": {"amount": 7000, "per": "year"},
    }


def test_a_shared_cap_no_rule_uses_is_refused(
    imported_small: dict[str, Any], editor: Client
) -> None:
    url = change_url("shared-cap-cash")
    data = form_values(editor.get(url).content.decode())
    data["rules-0-cap_key"] = ""
    data["rules-1-cap_key"] = ""

    response = editor.post(url, data)

    assert response.status_code == 200
    assert "shared cap &#x27;combined&#x27; is not used by any rule" in response.content.decode()
    assert EarnRule.objects.filter(card__slug="shared-cap-cash", cap_key="combined").count() == 2


def test_an_unchanged_card_saves_back_cleanly(
    imported_small: dict[str, Any], editor: Client
) -> None:
    for card in imported_small["cards"]:
        url = change_url(card["id"])
        data = form_values(editor.get(url).content.decode())

        response = editor.post(url, data)

        assert response.status_code == 302, (card["id"], response.content.decode()[:2000])
    assert catalog_dict_from_db() == catalog_to_dict(parse_catalog(imported_small))


def test_a_new_rule_without_an_order_goes_last(
    imported_small: dict[str, Any], editor: Client
) -> None:
    url = change_url("grocer-cash")
    data = form_values(editor.get(url).content.decode())
    data["rules-TOTAL_FORMS"] = "4"
    data.update(
        {
            "rules-3-position": "",
            "rules-3-categories": "dining",
            "rules-3-rate": "2",
            "rules-3-card": data["rules-0-card"],
        }
    )

    response = editor.post(url, data)

    assert response.status_code == 302
    rules = list(Card.objects.get(slug="grocer-cash").rules.all())
    assert [rule.categories for rule in rules] == [
        ["groceries"],
        ["streaming"],
        ["gas", "transit"],
        ["dining"],
    ]


def test_the_currency_admin_refuses_a_negative_value(
    imported_small: dict[str, Any], editor: Client
) -> None:
    response = editor.post(
        reverse("admin:catalog_currency_add"),
        {"code": "new_pts", "name": "New points", "kind": "points", "cents_per_point": "-1"},
    )

    assert response.status_code == 200
    assert not Currency.objects.filter(code="new_pts").exists()


def test_the_currency_and_issuer_lists_open(imported_small: dict[str, Any], editor: Client) -> None:
    assert editor.get(reverse("admin:catalog_currency_changelist")).status_code == 200
    assert editor.get(reverse("admin:catalog_issuer_changelist")).status_code == 200
    assert editor.get(reverse("admin:catalog_catalogversion_changelist")).status_code == 200


def test_the_inactive_action_hides_cards_and_changes_the_version(
    imported_small: dict[str, Any], editor: Client
) -> None:
    version = CatalogVersion.current()
    card = Card.objects.get(slug="grocer-cash")

    response = editor.post(
        reverse("admin:catalog_card_changelist"),
        {"action": "make_inactive", "_selected_action": [str(card.pk)]},
    )

    assert response.status_code == 302
    assert Card.objects.get(slug="grocer-cash").active is False
    assert CatalogVersion.current() != version


# --- evidence, verification, audit, issuer rules, reports ---------------------------------


def _mark_verified(editor: Client, *slugs: str) -> str:
    ids = [str(Card.objects.get(slug=slug).pk) for slug in slugs]
    response = editor.post(
        reverse("admin:catalog_card_changelist"),
        {"action": "mark_verified_today", "_selected_action": ids},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_mark_verified_today_records_the_check_of_an_unchanged_card(
    imported_small: dict[str, Any], editor: Client, today: Any
) -> None:
    text = _mark_verified(editor, "grocer-cash")

    card = Card.objects.get(slug="grocer-cash")
    assert card.verified_on == card.status_confirmed_on == today
    assert "Marked verified today: Grocer Cash Preferred." in text


def test_mark_verified_today_needs_new_evidence_for_each_changed_fact(
    imported_small: dict[str, Any], editor: Client, today: Any
) -> None:
    card = Card.objects.get(slug="grocer-cash")
    card.annual_fee = 150
    card.save()
    rule = card.rules.get(position=1)
    rule.rate = 5
    rule.save()

    refused = _mark_verified(editor, "grocer-cash")

    card.refresh_from_db()
    assert card.verified_on == date(2026, 10, 15)
    assert "Grocer Cash Preferred was not marked verified" in refused
    assert "annual_fee, rules[1]" in refused

    Evidence.objects.create(
        card=card,
        position=1,
        fields=["annual_fee"],
        source_url="https://www.example.com/grocer-cash/2026",
        quote="Annual fee: $150.",
    )
    still = _mark_verified(editor, "grocer-cash")
    assert "add evidence for what changed since 2026-10-15: rules[1]." in still

    Evidence.objects.create(
        card=card,
        position=2,
        fields=["rules"],
        source_url="https://www.example.com/grocer-cash/2026",
        quote="5% on select streaming.",
    )
    done = _mark_verified(editor, "grocer-cash")
    card.refresh_from_db()
    assert card.verified_on == today
    assert "Marked verified today: Grocer Cash Preferred." in done
    # The check is now the baseline: the next one needs no new evidence.
    assert card.verified_facts["annual_fee"] == 150


@pytest.mark.parametrize(
    ("audit", "expected"),
    [
        ("stale_cards", {"quarterly-points"}),
        # Bonus sources of the two cash cards are dated 2024 (see the audit tests).
        ("stale_bonuses", {"grocer-cash", "quarterly-points", "shared-cap-cash"}),
        ("unconfirmed", {"quarterly-points"}),
        ("missing_calendars", {"quarterly-points"}),
        ("any", {"grocer-cash", "quarterly-points", "shared-cap-cash"}),
    ],
)
def test_the_audit_is_a_filter_of_the_card_list(
    imported_small: dict[str, Any], editor: Client, today: Any, audit: str, expected: set[str]
) -> None:
    response = editor.get(f"{reverse('admin:catalog_card_changelist')}?audit={audit}")

    assert response.status_code == 200
    assert {card.slug for card in response.context["cl"].result_list} == expected


def test_an_issuer_rule_is_edited_with_its_evidence(
    imported_small: dict[str, Any], editor: Client
) -> None:
    rule = IssuerRule.objects.get(kind="recent_cards")
    url = reverse("admin:catalog_issuerrule_change", args=[rule.pk])
    data = form_values(editor.get(url).content.decode())
    data["max"] = "4"

    saved = editor.post(url, data)
    rule.refresh_from_db()
    assert saved.status_code == 302 and rule.max == 4

    data["evidence-0-DELETE"] = "on"
    refused = editor.post(url, data)
    assert refused.status_code == 200
    assert "must list at least one source" in refused.content.decode()

    issuer_page = editor.get(reverse("admin:catalog_issuer_change", args=[rule.issuer_id]))
    assert "Recently opened cards, all issuers" in issuer_page.content.decode()


def test_problem_reports_are_listed_for_editors_and_change_nothing(
    imported_small: dict[str, Any], editor: Client, client: Client
) -> None:
    Client().post(
        reverse("catalog:card-report", args=["grocer-cash"]),
        {"fact": "bonus", "seen": "The bonus is now $300 after $3,000."},
    )
    report = ProblemReport.objects.get()

    listing = editor.get(reverse("admin:catalog_problemreport_changelist")).content.decode()
    editor.post(
        reverse("admin:catalog_problemreport_changelist"),
        {"action": "mark_handled", "_selected_action": [str(report.pk)]},
    )

    assert "The bonus is now $300 after $3,000." in listing
    assert ProblemReport.objects.get().status == "handled"
    assert Card.objects.get(slug="grocer-cash").get_bonus().points == 25000
