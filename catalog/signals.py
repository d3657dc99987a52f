"""Any saved or deleted catalog row bumps the catalog version, which keys the results cache."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from catalog.models import CATALOG_MODELS, CatalogVersion


def _catalog_changed(sender: type[models.Model], **kwargs: Any) -> None:
    # The import saves only rows that differ, so importing an identical file leaves the version
    # alone; fixtures loaded raw are no edits.
    if kwargs.get("raw"):
        return
    CatalogVersion.bump()


def connect() -> None:
    """Called once the app registry is ready (CatalogConfig.ready)."""
    for model in CATALOG_MODELS:
        post_save.connect(
            _catalog_changed, sender=model, dispatch_uid=f"catalog-version-save-{model}"
        )
        post_delete.connect(
            _catalog_changed, sender=model, dispatch_uid=f"catalog-version-delete-{model}"
        )
