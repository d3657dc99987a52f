"""The generic fallback: a file in an unknown layout is read once the person maps its columns."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.statements.helpers import SAMPLES
from tests.wizard.conftest import HTMX
from wizard.import_views import SESSION_KEY, stored_summary
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/import/"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type="text/csv")


def layout_keys(html: str) -> list[str]:
    """The layouts the mapping page asks about (its hidden `layout` fields)."""
    return re.findall(r'name="layout" value="([0-9a-f]{16})"', html)


def mapping(key: str, **answers: str) -> dict[str, str]:
    """The mapping form's fields for one layout, as the browser posts them."""
    return {"layout": key, **{f"map-{key}-{name}": value for name, value in answers.items()}}


def totals(client: Client) -> dict[str, Decimal]:
    summary = stored_summary(client.session)
    return {category: total for category, total in summary.category_totals().items() if total}


def test_an_unknown_layout_asks_for_its_columns_showing_them_and_the_first_rows(
    client: Client,
) -> None:
    response = client.post(URL, {"files": [upload("generic_signed.csv")]})

    assert response.status_code == 200
    html = response.text
    assert "<html" in html
    assert '<h1 id="step-title" data-focus-on-swap>Which column holds what?</h1>' in html
    assert "We don't recognise the columns of generic_signed.csv" in html
    assert "choose the same files again: we never keep them" in html
    assert '<th scope="col">Merchant</th>' in html
    # The sample rows are shown (and only shown: nothing is kept).
    assert "<td>SUNSET SUSHI BAR</td>" in html and "<td>-42.00</td>" in html
    assert len(layout_keys(html)) == 1
    assert '<option value="2" selected>3: Value</option>' in html
    assert 'type="file" name="files"' in html
    assert SESSION_KEY not in client.session
    assert not SpendingProfile.objects.exists()


def test_the_mapping_step_is_an_htmx_partial_for_an_htmx_upload(client: Client) -> None:
    response = client.post(URL, {"files": [upload("generic_signed.csv")]}, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<title>Which column holds what?" in response.text
    assert "HX-Push-Url" not in response


def test_known_files_uploaded_with_an_unknown_one_wait_for_the_mapping(client: Client) -> None:
    files = [upload("chase.csv"), upload("generic_signed.csv")]
    html = client.post(URL, {"files": files}).text

    assert "<legend>generic_signed.csv</legend>" in html
    assert "<legend>chase.csv</legend>" not in html
    assert SESSION_KEY not in client.session


def test_the_files_chosen_again_with_a_signed_amount_mapping_are_read(client: Client) -> None:
    key = layout_keys(client.post(URL, {"files": [upload("generic_signed.csv")]}).text)[0]

    answers = mapping(
        key, date="0", description="1", amount="2", purchases="negative", has_header="on"
    )
    response = client.post(URL, {"files": [upload("generic_signed.csv")], **answers})

    assert response.status_code == 302
    assert response["Location"] == "/wizard/import/review/"
    assert totals(client) == {"dining": Decimal("42.00"), "gas": Decimal("39.90")}


def test_a_debit_and_credit_layout_is_guessed_and_read(client: Client) -> None:
    html = client.post(URL, {"files": [upload("generic_debit_credit.csv")]}).text
    (key,) = layout_keys(html)
    # Withdrawal and Deposit read as debit and credit columns.
    assert f'<select name="map-{key}-debit" id="id_map-{key}-debit">' in html
    assert '<option value="2" selected>3: Withdrawal</option>' in html
    assert '<option value="3" selected>4: Deposit</option>' in html

    answers = mapping(key, date="0", description="1", debit="2", credit="3", has_header="on")
    response = client.post(URL, {"files": [upload("generic_debit_credit.csv")], **answers})

    assert response.status_code == 302
    assert totals(client) == {
        "groceries": Decimal("54.10"),
        "utilities": Decimal("61.25"),
        "dining": Decimal("22.80"),
    }


def test_a_headerless_file_is_read_with_its_first_row_as_data(client: Client) -> None:
    html = client.post(URL, {"files": [upload("generic_headerless.csv")]}).text
    (key,) = layout_keys(html)
    assert "<td>CORNER BAKERY CAFE</td>" in html
    assert f'name="map-{key}-has_header" id="id_map-{key}-has_header">' in html  # unticked
    assert 'value="positive" id="id_map-' + key + '-purchases_1" checked' in html

    answers = mapping(key, date="0", description="1", amount="2", purchases="positive")
    response = client.post(URL, {"files": [upload("generic_headerless.csv")], **answers})

    assert response.status_code == 302
    assert totals(client) == {"dining": Decimal("12.50"), "other": Decimal("30.00")}


def test_known_and_mapped_files_are_read_together(client: Client) -> None:
    files = [upload("amex_basic.csv"), upload("generic_signed.csv")]
    key = layout_keys(client.post(URL, {"files": files}).text)[0]
    files = [upload("amex_basic.csv"), upload("generic_signed.csv")]
    answers = mapping(key, date="0", description="1", amount="2", has_header="on")

    response = client.post(URL, {"files": files, **answers})

    assert response.status_code == 302
    # Shake Shack 24.60 + Sunset Sushi Bar 42.00
    assert totals(client)["dining"] == Decimal("66.60")


def test_a_mapping_without_an_amount_column_is_asked_again_with_the_reason(
    client: Client,
) -> None:
    key = layout_keys(client.post(URL, {"files": [upload("generic_signed.csv")]}).text)[0]

    answers = mapping(key, date="0", description="1", amount="", debit="", has_header="on")
    response = client.post(URL, {"files": [upload("generic_signed.csv")], **answers})

    assert response.status_code == 200
    assert "choose either an amount column or a debit column" in response.text
    assert layout_keys(response.text) == [key]
    assert SESSION_KEY not in client.session


def test_the_same_column_twice_is_refused(client: Client) -> None:
    key = layout_keys(client.post(URL, {"files": [upload("generic_signed.csv")]}).text)[0]

    answers = mapping(key, date="0", description="0", amount="2", has_header="on")
    response = client.post(URL, {"files": [upload("generic_signed.csv")], **answers})

    assert "each column can only be chosen once" in response.text
    assert SESSION_KEY not in client.session


def test_a_wrong_column_names_the_file_and_line_and_keeps_the_choices(client: Client) -> None:
    key = layout_keys(client.post(URL, {"files": [upload("generic_signed.csv")]}).text)[0]

    answers = mapping(key, date="0", description="2", amount="1", has_header="on")
    response = client.post(URL, {"files": [upload("generic_signed.csv")], **answers}, headers=HTMX)

    assert response.status_code == 200
    html = response.text
    assert "generic_signed.csv, line 2: unreadable amount &quot;SUNSET SUSHI BAR&quot;" in html
    assert "Nothing was saved" in html
    # The mapping form is back with what the person chose.
    assert '<option value="1" selected>2: Merchant</option>' in html
    assert layout_keys(html) == [key]
    assert SESSION_KEY not in client.session


def test_the_mapping_sent_without_the_files_asks_for_the_files(client: Client) -> None:
    key = layout_keys(client.post(URL, {"files": [upload("generic_signed.csv")]}).text)[0]

    response = client.post(URL, mapping(key, date="0", description="1", amount="2"))

    assert response.status_code == 200
    assert "Choose one or more CSV files." in response.text
    assert SESSION_KEY not in client.session


def test_a_column_the_file_lacks_is_refused_naming_the_file(client: Client) -> None:
    key = layout_keys(client.post(URL, {"files": [upload("generic_signed.csv")]}).text)[0]

    # Only a tampered form can send this: the page offers the file's 4 columns.
    answers = mapping(key, date="0", description="1", amount="9", has_header="on")
    response = client.post(URL, {"files": [upload("generic_signed.csv")], **answers})

    assert "generic_signed.csv: the file has 4 columns; choose among those" in response.text
    assert SESSION_KEY not in client.session


def test_malformed_layout_keys_and_answers_are_ignored_not_a_crash(client: Client) -> None:
    data = {
        "files": [upload("generic_signed.csv")],
        "layout": ["../etc", "x" * 500, "95f8c801206d40c7"],
        "map-95f8c801206d40c7-date": "zero",
        "map-95f8c801206d40c7-amount": "-1",
    }
    response = client.post(URL, data)

    assert response.status_code == 200
    assert "Which column holds what?" in response.text
    assert SESSION_KEY not in client.session
