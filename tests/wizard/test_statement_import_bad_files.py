"""Every unusable upload gets a clear message naming the file (and line); nothing is saved."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from statements import MAX_FILE_BYTES
from tests.statements.helpers import SAMPLES
from tests.wizard.conftest import HTMX
from wizard.import_views import MAX_REQUEST_BYTES, SESSION_KEY
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db
URL = "/wizard/import/"
CHASE_HEADER = b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
AMEX_HEADER = b"Date,Description,Amount\n"
NOT_CSV = (
    "this is not a CSV file: it looks like {}. Export your statement as CSV "
    "(comma-separated values) and upload that"
)


def csv_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def sample(name: str) -> SimpleUploadedFile:
    return csv_file(name, (SAMPLES / name).read_bytes())


@pytest.fixture
def saved_client(client: Client) -> Client:
    """A visitor who has already typed step 1."""
    client.post("/wizard/spending/", {"groceries": "600", "dining": "80", "action": "next"})
    return client


def assert_untouched(client: Client) -> None:
    profile = SpendingProfile.objects.get()
    assert profile.monthly_spend == {"groceries": "600.00", "dining": "80.00"}
    assert client.session["wizard_profile_token"] == profile.token
    assert SESSION_KEY not in client.session


def shown(response_text: str) -> str:
    """The page text with entities decoded, as the person reads it."""
    return html.unescape(response_text)


BAD_FILES = [
    pytest.param(
        "statement.pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        "statement.pdf: " + NOT_CSV.format("a PDF document"),
        id="pdf",
    ),
    pytest.param(
        "export.xlsx",
        b"PK\x03\x04\x14\x00\x06\x00",
        "export.xlsx: " + NOT_CSV.format("a spreadsheet or zip archive (such as .xlsx)"),
        id="xlsx",
    ),
    pytest.param(
        "data.csv",
        b"date,amount\n\x00\x01\x02\x03",
        "data.csv: " + NOT_CSV.format("a binary file"),
        id="binary",
    ),
    pytest.param(
        "notes.txt",
        b"Dear customer\nthanks\n",
        "notes.txt, line 1: this is not a CSV file: the first row has no comma-separated columns",
        id="text-without-columns",
    ),
    pytest.param("empty.csv", b"", "empty.csv: the file is empty", id="empty"),
    pytest.param(
        "chase.csv",
        CHASE_HEADER + b"\n",
        "chase.csv: the file has a header row but no transactions",
        id="header-only",
    ),
    pytest.param(
        "chase.csv",
        CHASE_HEADER
        + b"".join(
            b"01/%02d/2026,01/%02d/2026,SAFEWAY #12,Groceries,Sale,-1.00,\n" % (day, day)
            for day in range(1, 13)
        )
        + b"13/45/2026,01/14/2026,SAFEWAY #12,Groceries,Sale,-1.00,\n",
        'chase.csv, line 14: unreadable date "13/45/2026"',
        id="unreadable-date",
    ),
    pytest.param(
        "a.csv",
        AMEX_HEADER + b"01/02/2026,SHOP,12.OO\n",
        'a.csv, line 2: unreadable amount "12.OO"',
        id="unreadable-amount",
    ),
    pytest.param(
        "a.csv",
        AMEX_HEADER + b'01/02/2026,"SHOP,1.00\n01/03/2026,SHOP,1.00\n',
        "a.csv, line 2: a quoted field is never closed",
        id="unclosed-quote",
    ),
    pytest.param(
        "payments.csv",
        AMEX_HEADER + b"01/02/2026,AUTOPAY PAYMENT - THANK YOU,-500.00\n",
        "payments.csv: no purchases found: the files hold only payments, refunds, credits, "
        "transfers or fees",
        id="no-purchases",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_a_bad_file_is_named_on_the_page_and_nothing_is_saved(
    saved_client: Client, name: str, data: bytes, message: str
) -> None:
    response = saved_client.post(URL, {"files": [csv_file(name, data)]})

    assert response.status_code == 200
    assert "<html" in response.text
    assert message in shown(response.text)
    assert "Nothing was saved: your answers in step 1 are as they were." in response.text
    assert 'role="alert"' in response.text
    assert_untouched(saved_client)


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_a_bad_file_in_an_htmx_upload_swaps_in_the_message(
    saved_client: Client, name: str, data: bytes, message: str
) -> None:
    response = saved_client.post(URL, {"files": [csv_file(name, data)]}, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text and 'id="wizard-step"' in response.text
    assert message in shown(response.text)
    assert "HX-Push-Url" not in response
    assert_untouched(saved_client)


def test_one_bad_file_among_good_ones_fails_the_whole_import(saved_client: Client) -> None:
    files = [sample("chase.csv"), csv_file("broken.csv", AMEX_HEADER + b"01/02/2026,SHOP,oops\n")]
    response = saved_client.post(URL, {"files": files})

    assert 'broken.csv, line 2: unreadable amount "oops"' in shown(response.text)
    assert_untouched(saved_client)


def test_an_unknown_format_without_a_mapping_saves_nothing(saved_client: Client) -> None:
    response = saved_client.post(URL, {"files": [sample("generic_signed.csv")]})

    assert "We don't recognise the columns of generic_signed.csv" in response.text
    assert_untouched(saved_client)


def test_no_file_at_all_asks_for_one(saved_client: Client) -> None:
    response = saved_client.post(URL, {})

    assert response.status_code == 200
    assert "Choose one or more CSV files." in response.text
    assert_untouched(saved_client)


def test_a_file_over_5_mb_is_refused_by_its_size(saved_client: Client) -> None:
    data = AMEX_HEADER + b"01/02/2026,SHOP,1.00\n" * (MAX_FILE_BYTES // 20)
    response = saved_client.post(URL, {"files": [csv_file("big.csv", data)]})

    assert response.status_code == 200
    assert "big.csv: the file is 5.3 MB; the limit is 5 MB per file" in response.text
    assert_untouched(saved_client)


def test_more_than_10_files_are_refused(saved_client: Client) -> None:
    files = [sample("amex_basic.csv") for _ in range(11)]
    response = saved_client.post(URL, {"files": files}, headers=HTMX)

    assert response.status_code == 200
    assert "11 files were uploaded; the limit is 10 at a time" in response.text
    assert_untouched(saved_client)


def test_more_than_100000_rows_across_the_files_are_refused(saved_client: Client) -> None:
    rows = b"01/02/2026,SHOP,1.00\n"
    files = [
        csv_file("a.csv", AMEX_HEADER + rows * 50_000),
        csv_file("b.csv", AMEX_HEADER + rows.replace(b"SHOP", b"STORE") * 50_001),
    ]
    response = saved_client.post(URL, {"files": files})

    assert (
        "b.csv, line 50,002: too many rows: together the files hold more than 100,000 "
        "transactions; upload fewer months at a time"
    ) in response.text
    assert_untouched(saved_client)


def test_a_request_over_the_size_limit_gets_a_413_page_unread(saved_client: Client) -> None:
    # Eleven files just under 5 MB: 53.9 MB, more than 10 files at the limit can be.
    data = AMEX_HEADER + b"01/02/2026,SHOP,1.00\n" * (4_900_000 // 21)
    files = [csv_file(f"{n}.csv", data) for n in range(11)]
    response = saved_client.post(URL, {"files": files})

    assert response.status_code == 413
    assert "<html" in response.text
    text = shown(response.text)
    assert re.search(r"The upload is 51\.\d MB; the limit is 10 files of 5 MB each\.", text)
    assert "Upload fewer or smaller files." in text
    assert response.wsgi_request.upload_handlers[0].__class__.__name__ == ("StatementUploadHandler")
    # The body was refused before it was parsed.
    assert not hasattr(response.wsgi_request, "_files")
    assert_untouched(saved_client)


def test_a_too_large_htmx_request_swaps_in_the_message(saved_client: Client) -> None:
    response = saved_client.post(
        URL,
        {"files": [sample("chase.csv")]},
        headers=HTMX,
        CONTENT_LENGTH=str(MAX_REQUEST_BYTES + 1),
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "the limit is 10 files of 5 MB each" in response.text
    assert_untouched(saved_client)


def test_a_malformed_multipart_body_gets_a_clear_message_not_a_500(
    saved_client: Client,
) -> None:
    response = saved_client.generic(
        "POST",
        URL,
        b"--xyz\r\nContent-Disposition: form-data; name=files; filename=a.csv\r\n\r\nno end",
        content_type="multipart/form-data",  # no boundary
    )

    assert response.status_code == 400
    assert "The upload could not be read. Choose the files again." in response.text
    assert_untouched(saved_client)


def test_a_failed_upload_keeps_the_review_already_waiting(client: Client) -> None:
    client.post(URL, {"files": [sample("chase.csv")]})
    waiting = client.session[SESSION_KEY]

    client.post(URL, {"files": [csv_file("empty.csv", b"")]})

    assert client.session[SESSION_KEY] == waiting


def test_the_profile_spend_is_never_changed_by_an_upload_alone(saved_client: Client) -> None:
    response = saved_client.post(URL, {"files": [sample("chase.csv")]})

    assert response.status_code == 302
    profile = SpendingProfile.objects.get()
    assert profile.spend()["groceries"] == Decimal("600")
    assert profile.spend()["airfare"] == Decimal("0")
