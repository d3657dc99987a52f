"""The wizard's system checks."""

from __future__ import annotations

from django.core.checks import run_checks

from wizard.import_views import MAX_REQUEST_BYTES


def test_the_settings_hold_a_whole_statement_import_in_memory() -> None:
    assert not [e for e in run_checks() if e.id == "wizard.E001"]


def test_an_upload_memory_limit_below_the_largest_import_is_an_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES - 1
    errors = [e for e in run_checks() if e.id == "wizard.E001"]
    assert len(errors) == 1 and "temporary file" in errors[0].msg
