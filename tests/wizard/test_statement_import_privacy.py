"""Uploaded statements stay in memory: no temporary file, no log line, nothing kept but totals."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopFutureHandlers
from django.test import Client, RequestFactory

from tests.statements.helpers import SAMPLES
from tests.wizard.conftest import HTMX
from wizard.import_views import SESSION_KEY, SESSION_TIME_KEY, StatementUploadHandler
from wizard.models import BrowserSession

pytestmark = pytest.mark.django_db
URL = "/wizard/import/"
# Merchants of the uploads below, as the files spell them and as the review names them.
MERCHANT_WORDS = ("STARBUCKS", "Starbucks", "MARRIOTT", "Marriott", "SUNSET SUSHI", "Sushi")
LOGGERS = ("", "django", "django.request", "django.server", "wizard", "statements")


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type="text/csv")


def big_statement() -> bytes:
    """A valid Amex-style export of about 3 MB: more than Django keeps in memory by default."""
    rows = b"".join(
        b"01/%02d/2026,NEIGHBORHOOD FARMERS MARKET STALL %05d,12.34\n" % (n % 28 + 1, n % 50)
        for n in range(55_000)
    )
    return b"Date,Description,Amount\n" + rows


@pytest.fixture
def temp_dir(settings: Any, tmp_path: Path) -> Path:
    """Django's upload temp directory, empty, where a TemporaryUploadedFile would land."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


@pytest.fixture
def tempfile_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every temporary file Python is asked for while the test runs."""
    calls: list[str] = []
    for name in ("NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkstemp"):
        original = getattr(tempfile, name)

        def record(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(tempfile, name, record)
    return calls


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every project and Django logger, at DEBUG (they do not all propagate)."""
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


def test_the_upload_is_parsed_by_the_memory_only_handler(client: Client) -> None:
    response = client.post(URL, {"files": [upload("chase.csv"), upload("discover.csv")]})

    request = response.wsgi_request
    assert [type(handler) for handler in request.upload_handlers] == [StatementUploadHandler]
    assert isinstance(request.upload_handlers[0], MemoryFileUploadHandler)
    files = request.FILES.getlist("files")
    assert [type(file) for file in files] == [InMemoryUploadedFile, InMemoryUploadedFile]


def test_an_htmx_upload_uses_the_same_handler(client: Client) -> None:
    response = client.post(URL, {"files": [upload("chase.csv")]}, headers=HTMX)

    assert [type(h) for h in response.wsgi_request.upload_handlers] == [StatementUploadHandler]


def test_a_3_mb_upload_writes_no_temporary_file(
    client: Client, temp_dir: Path, tempfile_calls: list[str]
) -> None:
    data = big_statement()
    assert 2_621_440 < len(data) < 5 * 1024 * 1024  # over FILE_UPLOAD_MAX_MEMORY_SIZE

    response = client.post(URL, {"files": [SimpleUploadedFile("big.csv", data)]})

    assert response.status_code == 302
    (file,) = response.wsgi_request.FILES.getlist("files")
    assert type(file) is InMemoryUploadedFile
    assert file.size == len(data)
    assert list(temp_dir.iterdir()) == []
    assert tempfile_calls == []


def test_django_alone_would_have_written_that_upload_to_the_temp_dir(
    temp_dir: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    # The control for the test above: Django's default handlers, at their default 2.5 MB
    # threshold, spill it to FILE_UPLOAD_TEMP_DIR.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    request = RequestFactory().post(
        URL, {"files": [SimpleUploadedFile("big.csv", big_statement())]}
    )

    (file,) = request.FILES.getlist("files")

    assert type(file) is TemporaryUploadedFile
    assert Path(file.temporary_file_path()).parent == temp_dir
    file.close()


def test_a_file_over_the_limit_is_not_kept_whole_in_memory() -> None:
    handler = StatementUploadHandler(None)
    handler.handle_raw_input(None, {}, 60 * 1024 * 1024, b"boundary")
    with pytest.raises(StopFutureHandlers):
        handler.new_file("files", "big.csv", "text/csv", None)
    chunk = b"x" * 65_536
    for start in range(0, 8 * 1024 * 1024, len(chunk)):
        assert handler.receive_data_chunk(chunk, start) is None

    file = handler.file_complete(8 * 1024 * 1024)

    # Its size is known, so check_files refuses it; only the first 5 MB (+1 byte) were kept.
    assert file.size == 8 * 1024 * 1024
    assert len(file.file.getvalue()) == 5 * 1024 * 1024 + 1


def test_a_file_over_the_limit_is_refused_by_its_size(client: Client) -> None:
    data = b"Date,Description,Amount\n" + b"01/02/2026,SHOP,1.00\n" * 400_000  # 8 MB

    response = client.post(URL, {"files": [SimpleUploadedFile("big.csv", data)]})

    assert "big.csv: the file is 8.1 MB; the limit is 5 MB per file" in response.text
    assert SESSION_KEY not in client.session
    assert SESSION_TIME_KEY not in client.session


def test_no_log_record_holds_a_merchant_or_a_cell_value(
    client: Client, all_logs: pytest.LogCaptureFixture
) -> None:
    client.post(URL, {"files": [upload("chase.csv")]})
    client.post(URL, {"files": [upload("chase.csv")]}, headers=HTMX)
    client.get("/wizard/import/review/")
    client.post("/wizard/import/move/", {"key": "dining:starbucks", "category": "groceries"})
    client.post("/wizard/import/move/", {"key": "dining:nobody", "category": "groceries"})
    client.post("/wizard/import/use/")
    # Errors quoting a cell: a wrong amount, an unknown layout with sample rows, too big.
    bad = b"Date,Description,Amount\n01/02/2026,MARRIOTT,SUNSET SUSHI\n"
    client.post(URL, {"files": [SimpleUploadedFile("bad.csv", bad)]})
    client.post(URL, {"files": [upload("generic_signed.csv")]})
    client.post(URL, {"files": [upload("chase.csv")]}, CONTENT_LENGTH=str(60 * 1024 * 1024))

    # The capture works: Django logs the 413, by its path only.
    assert any(
        "Request Entity Too Large: /wizard/import/" in r.getMessage() for r in all_logs.records
    )
    for record in all_logs.records:
        text = record.getMessage() + (record.exc_text or "")
        assert not any(word in text for word in MERCHANT_WORDS), text


def test_after_use_nothing_but_the_monthly_totals_remains_anywhere(client: Client) -> None:
    client.post(URL, {"files": [upload("chase.csv")]})
    client.post("/wizard/import/use/")

    stored = "".join(
        serializers.serialize("json", model.objects.all()) for model in apps.get_models()
    )
    stored += "".join(str(session.get_decoded()) for session in BrowserSession.objects.all())
    for word in (*MERCHANT_WORDS, "WHOLEFDS", "Whole Foods", "chase.csv"):
        assert word not in stored
    assert SESSION_KEY not in client.session
    assert SESSION_TIME_KEY not in client.session
