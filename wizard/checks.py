"""System checks: settings the wizard relies on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error

from wizard.import_views import MAX_REQUEST_BYTES


def body_limit_fits_the_largest_import(**kwargs: Any) -> list[Error]:
    """The statement import's request body limit (web/bodylimit.py, in front of Django) must
    admit the largest import the view accepts: else the biggest uploads get a bare 413."""
    if settings.STATEMENT_IMPORT_MAX_BYTES >= MAX_REQUEST_BYTES:
        return []
    return [
        Error(
            f"STATEMENT_IMPORT_MAX_BYTES ({settings.STATEMENT_IMPORT_MAX_BYTES}) is below the "
            f"largest statement import ({MAX_REQUEST_BYTES} bytes): the biggest uploads would "
            "be refused before the import page could explain its limits.",
            hint="Raise it to the statements/limits.py files times their size, plus 512 KiB.",
            id="wizard.E001",
        )
    ]
