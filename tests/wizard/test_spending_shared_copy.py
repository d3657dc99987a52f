"""Step 1 with saved answers is served from a copy rendered once per process (issue 14): the
answers fill its holes. What a visitor gets must be the page a render of the template gives."""

from __future__ import annotations

import gzip
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django_htmx.middleware import HtmxDetails
from hypothesis import given
from hypothesis import strategies as st

from rewards.categories import LEAF_CATEGORIES
from tests.wizard.conftest import HTMX
from web.pagecache import CSRF_HOLE
from wizard.forms import amount_totals, spend_inputs_html
from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY
from wizard.models import SpendingProfile
from wizard.views import ANSWER_HOLES, _answer_fills, _render_spending, _shown_amounts, _total_html

pytestmark = pytest.mark.django_db
URL = "/wizard/spending/"
# A masked CSRF token: 64 letters and digits, fresh in every response.
TOKEN = re.compile(r'(?<=")[A-Za-z0-9]{64}(?=")')

ANSWERS = [
    {},
    dict(TYPICAL_US_HOUSEHOLD_MONTHLY),
    {"groceries": Decimal("612.35"), "foreign": Decimal("80")},
    # Only in a group that starts closed: it opens, with its subtotal in the summary.
    {"utilities": Decimal("1000000")},
]


def _saved(client: Client, spend: dict[str, Decimal]) -> SpendingProfile:
    client.get(URL)
    client.post(URL, {key: str(value) for key, value in spend.items()} | {"action": "total"})
    profile = SpendingProfile.objects.for_session_or_new(client.session)
    if spend:
        saved = {key: value for key, value in profile.spend().items() if value}
        assert saved == {key: value for key, value in spend.items() if value}
    return profile


def _rendered(profile: SpendingProfile, htmx: bool) -> str:
    """The step as the template renders it for the profile (the path of a POST's answer)."""
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().get(URL, headers=headers)
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    request.session = {}  # type: ignore[assignment]
    return _render_spending(request, profile).content.decode()  # type: ignore[arg-type]


@pytest.mark.parametrize("spend", ANSWERS, ids=["none", "household", "cents", "closed-group"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_the_step_with_saved_answers_is_the_page_the_template_renders(
    spend: dict[str, Decimal], htmx: bool
) -> None:
    client = Client()
    profile = _saved(client, spend)
    headers = HTMX if htmx else {}
    for _ in range(2):  # the first request renders the shared copy, the second reuses it
        served = client.get(URL, headers=headers)
        assert served.status_code == 200
        html = served.content.decode()
        assert len(TOKEN.findall(html)) >= 2  # the visitor's own token in each form
        for hole in (CSRF_HOLE, *ANSWER_HOLES.values()):
            assert hole not in html
        assert TOKEN.sub("T", html) == TOKEN.sub("T", _rendered(profile, htmx))
        zipped = client.get(URL, headers={**headers, "Accept-Encoding": "gzip"})
        assert zipped["Content-Encoding"] == "gzip"
        assert TOKEN.sub("T", gzip.decompress(zipped.content).decode()) == TOKEN.sub("T", html)


def test_two_visitors_each_see_their_own_answers_and_a_change_shows_at_once() -> None:
    first, second = Client(), Client()
    _saved(first, {"groceries": Decimal("600")})
    _saved(second, {"dining": Decimal("45.50")})
    for _ in range(2):
        page = first.get(URL, headers=HTMX).content.decode()
        assert 'name="groceries" value="600"' in page and "$600.00</strong> a month" in page
        assert 'value="45.50"' not in page
        other = second.get(URL, headers=HTMX).content.decode()
        assert 'name="dining" value="45.50"' in other and "$45.50</strong> a month" in other
        assert 'value="600"' not in other
    first.post(URL, {"groceries": "700", "action": "total"})
    page = first.get(URL, headers=HTMX).content.decode()
    assert 'name="groceries" value="700"' in page and "$700.00</strong> a month" in page


@pytest.mark.parametrize(
    "totals",
    [None, (Decimal("0.01"), Decimal("0.12")), (Decimal("1234.50"), Decimal("14814.00"))],
)
def test_the_running_total_from_its_pieces_is_the_partial_as_rendered(
    totals: tuple[Decimal, Decimal] | None,
) -> None:
    shown = None if totals is None else tuple(f"{amount:,.2f}" for amount in totals)
    rendered = render_to_string("wizard/spending.html#total", {"totals": shown})
    assert _total_html(totals) == rendered
    if totals:
        assert f"<strong>${shown[0]}</strong> a month" in rendered


# Saved amounts as the profile gives them: whole dollars, cents, more places than the form
# allows (older or hand-edited rows), zero, and the largest the form takes.
SAVED_AMOUNTS = st.one_of(
    st.integers(0, 1_000_000).map(Decimal),
    st.decimals(0, 1_000_000, places=2),
    st.decimals(0, 1_000_000, places=3),
)


@given(st.dictionaries(st.sampled_from(LEAF_CATEGORIES), SAVED_AMOUNTS))
def test_saved_answers_fill_step_one_as_the_typed_amounts_would(
    spend: dict[str, Decimal],
) -> None:
    """The fills read saved amounts as numbers, not by parsing the text they show: the inputs,
    group subtotals and running total must still be those of the shown text, read as typed."""
    shown = _shown_amounts(spend)
    fills = _answer_fills(spend)
    assert fills[ANSWER_HOLES["spend_inputs"]] == spend_inputs_html(shown)
    assert fills[ANSWER_HOLES["spend_total"]] == _total_html(amount_totals(shown))


def test_the_page_and_its_fragments_are_never_served_for_each_other() -> None:
    """The shared copies are kept apart by what htmx asked for (web/pagecache.py page_key)."""
    client = Client()
    _saved(client, {"groceries": Decimal("600")})
    kinds = [
        ({}, True),
        (HTMX, False),
        ({**HTMX, "HX-History-Restore-Request": "true"}, True),
        ({**HTMX, "HX-Target": "wizard-step"}, False),
    ]
    for _ in range(2):
        for headers, whole in kinds:
            html = client.get(URL, headers=headers).text
            assert ("<html" in html) == whole, headers
            assert 'name="groceries" value="600"' in html
