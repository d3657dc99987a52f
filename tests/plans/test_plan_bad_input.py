"""Bad input on the plan form: a clear message next to the answer, the form re-rendered with
what was typed, never a 500, and the saved answers untouched."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from plans.models import PlanRequest
from tests.plans.test_plan_pages import HTMX, form_data, make_profile
from wizard.models import SESSION_KEY

pytestmark = pytest.mark.django_db


def next_year_month() -> str:
    today = timezone.localdate()
    return f"{today.year + 1}-{today.month:02d}"


def held(card: str, month: str, row: int = 0) -> dict[str, str]:
    return {f"held-{row}-card": card, f"held-{row}-month": month}


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("impossible month", held("chase-freedom-unlimited", "2025-13"), "2025-13 is not a real month"),
    ("not a month", held("chase-freedom-unlimited", "March"), "Enter a month as YYYY-MM"),
    (
        "a day, not a month",
        held("chase-freedom-unlimited", "2025-02-30"),
        "Enter a month as YYYY-MM",
    ),
    ("opened in the future", held("chase-freedom-unlimited", "FUTURE"), "is in the future"),
    ("card without month", held("chase-freedom-unlimited", ""), "Enter the month (YYYY-MM)."),
    ("month without card", held("", "2025-03"), "Choose the card for this month."),
    ("unknown card", held("no-such-card", "2025-03"), "That card is not in our catalog"),
    (
        "duplicate held cards",
        {**held("amex-gold", "2025-03"), **held("amex-gold", "2024-01", 1)},
        "is listed twice among your cards",
    ),
    (
        "duplicate bonus",
        {
            "bonus-0-card": "amex-gold",
            "bonus-0-month": "2024-05",
            "bonus-TOTAL_FORMS": "2",
            "bonus-1-card": "amex-gold",
            "bonus-1-month": "2024-05",
        },
        "bonus is listed twice for the same month",
    ),
    (
        "bonus in the future",
        {"bonus-0-card": "amex-gold", "bonus-0-month": "FUTURE"},
        "is in the future",
    ),
    ("horizon out of range", {"months": "36"}, "Choose a plan of 12 or 24 months."),
    ("horizon not a number", {"months": "lots"}, "Choose a plan of 12 or 24 months."),
    ("too many new cards", {"max_new": "9"}, "Choose 1 to 4 new cards"),
    ("no new card", {"max_new": "0"}, "Choose 1 to 4 new cards"),
    ("spacing zero", {"spacing": "0"}, "Enter 1 to 12 months."),
    ("spacing text", {"spacing": "soon"}, "Enter a whole number of months"),
    ("negative other cards", {"other_recent": "-1"}, "Enter 0 or more."),
    (
        "months for a wrong count",
        {"other_recent": "1", "other_months": "2025-06, 2026-01"},
        "You gave 2 months for 1 card",
    ),
    (
        "other card too old",
        {"other_recent": "1", "other_months": "2019-01"},
        "more than 24 months ago",
    ),
    ("unknown field", {"is_admin": "1"}, "This form does not accept the field(s): is_admin."),
    (
        "more held cards than the form allows",
        {"held-TOTAL_FORMS": "13", **{k: v for i in range(13) for k, v in held("", "", i).items()}},
        "This form takes at most 12 cards you have",
    ),
]


def fill(data: dict[str, str]) -> dict[str, str]:
    return {k: next_year_month() if v == "FUTURE" else v for k, v in data.items()}


@pytest.mark.parametrize(("fields", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named_and_nothing_is_lost(
    client: Client, shipped_catalog: None, fields: dict[str, str], message: str
) -> None:
    check_bad_input(client, fields, message, htmx=False)


HTMX_CASES = [CASES[0], CASES[3], CASES[7], CASES[10], CASES[-1]]


@pytest.mark.parametrize(
    ("fields", "message"), [c[1:] for c in HTMX_CASES], ids=[c[0] for c in HTMX_CASES]
)
def test_bad_input_in_an_htmx_post_gets_the_form_partial_with_the_message(
    client: Client, shipped_catalog: None, fields: dict[str, str], message: str
) -> None:
    check_bad_input(client, fields, message, htmx=True)


def check_bad_input(client: Client, fields: dict[str, str], message: str, *, htmx: bool) -> None:
    profile = make_profile(client, held_cards=["amex-gold"])
    saved = (profile.monthly_spend, profile.held_cards, profile.updated_at)
    response = client.post("/plan/", form_data(profile, **fill(fields)), **(HTMX if htmx else {}))
    assert response.status_code == 200
    html = response.text
    assert escape(message) in html or message in html, html
    assert ("site-header" in html) is not htmx
    assert not PlanRequest.objects.exists()
    profile.refresh_from_db()
    assert (profile.monthly_spend, profile.held_cards, profile.updated_at) == saved
    assert client.session[SESSION_KEY] == profile.token


def test_what_was_typed_stays_in_the_form(client: Client, shipped_catalog: None) -> None:
    profile = make_profile(client)
    data = form_data(profile, **held("amex-gold", "2025-13"), spacing="4", other_months="")
    html = client.post("/plan/", data).text
    assert 'value="2025-13"' in html
    assert '<option value="amex-gold" selected>' in html
    assert 'name="spacing" value="4"' in html


def test_a_missing_management_form_is_a_message_not_an_error(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(client)
    data = {k: v for k, v in form_data(profile).items() if not k.startswith("held-")}
    response = client.post("/plan/", data)
    assert response.status_code == 200
    assert "Part of this form was missing or changed" in response.text


def test_a_garbage_answers_token_falls_back_to_the_session(
    client: Client, shipped_catalog: None
) -> None:
    profile = make_profile(client)
    response = client.post("/plan/", form_data(profile, answers="x" * 200))
    assert response.status_code == 302
    assert PlanRequest.objects.get().profile == profile


def test_plan_urls_refuse_other_methods(client: Client, shipped_catalog: None) -> None:
    profile = make_profile(client)
    plan = PlanRequest.objects.create(
        profile=profile, today="2026-12", answers={"months": 12, "max_new": 1, "spacing": 3}
    )
    assert client.post(f"/plan/{plan.token}/").status_code == 405
    assert client.put("/plan/").status_code == 405
