"""System checks: settings the wizard relies on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error

from wizard.import_views import MAX_REQUEST_BYTES


def upload_memory_fits_the_largest_import(**kwargs: Any) -> list[Error]:
    """Statement uploads must never be spooled to disk: the setting must hold a whole import."""
    if settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= MAX_REQUEST_BYTES:
        return []
    return [
        Error(
            f"FILE_UPLOAD_MAX_MEMORY_SIZE ({settings.FILE_UPLOAD_MAX_MEMORY_SIZE}) is below the "
            f"largest statement import ({MAX_REQUEST_BYTES} bytes): uploads would be written "
            "to a temporary file.",
            hint="Raise it to the statements/limits.py files times their size, plus 512 KiB.",
            id="wizard.E001",
        )
    ]
