"""Hypothesis throws arbitrary form data at every wizard step: never a server error."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards.categories import LEAF_CATEGORIES

pytestmark = pytest.mark.django_db

NASTY_NUMBERS = st.sampled_from(
    [
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "-0",
        "0x10",
        "1_000",
        "١٢٣",
        "",
        " ",
        "9" * 40,
        "1.0000000001",
        "12,50",
        "$12",
        "1e-9",
        "\x00",
        "1\n2",
    ]
)
VALUES = st.one_of(st.text(max_size=30), NASTY_NUMBERS, st.decimals(allow_nan=True).map(str))
FIELDS = st.sampled_from(
    [
        *LEAF_CATEGORIES,
        "action",
        "wallet_size",
        "rank_by",
        "max_annual_fee",
        "credit_band",
        "reward_kind",
        "include_business",
        "count_credits",
        "held_cards",
        "excluded_issuers",
        "cpp_chase_ur",
        "held_search",
        "csrfmiddlewaretoken",
        "unexpected",
    ]
)
FORM_DATA = st.dictionaries(FIELDS, st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=12)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_no_server_error(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.content[:500]


@FUZZ
@given(data=FORM_DATA, htmx=st.booleans())
def test_step_one_never_fails(client: Client, data: dict, htmx: bool) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    assert_no_server_error(client.post("/wizard/spending/", data, headers=headers))
    assert_no_server_error(client.post("/wizard/spending/total/", data, headers=headers))


@FUZZ
@given(data=FORM_DATA, htmx=st.booleans())
def test_step_two_and_the_card_search_never_fail(
    client: Client, shipped_catalog: None, data: dict, htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    client.post("/wizard/spending/", {"groceries": "300", "action": "next"})
    assert_no_server_error(client.post("/wizard/preferences/", data, headers=headers))
    assert_no_server_error(client.get("/wizard/preferences/held-cards/", data, headers=headers))
    assert_no_server_error(client.get("/wizard/review/", headers=headers))


@FUZZ
@given(token=st.text(max_size=60), query=st.dictionaries(st.text(max_size=10), VALUES, max_size=3))
def test_results_urls_never_fail(client: Client, token: str, query: dict) -> None:
    from urllib.parse import quote

    path = quote(token, safe="")
    assert_no_server_error(client.get(f"/results/{path}/", query))
    assert_no_server_error(client.post(f"/results/{path}/change/"))
    assert_no_server_error(client.get(f"/results/{path}/stream/"))
