"""The wizard's system checks."""

from __future__ import annotations

from django.core.checks import run_checks

from wizard.import_views import MAX_REQUEST_BYTES


def test_the_body_limit_admits_the_largest_statement_import() -> None:
    assert not [e for e in run_checks() if e.id == "wizard.E001"]


def test_a_body_limit_below_the_largest_import_is_an_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.STATEMENT_IMPORT_MAX_BYTES = MAX_REQUEST_BYTES - 1
    errors = [e for e in run_checks() if e.id == "wizard.E001"]
    assert len(errors) == 1 and "refused before the import page" in errors[0].msg
