"""What results keep in the database: computed payloads, and the live streams open right now."""

from __future__ import annotations

from django.db import models

from wizard.models import SpendingProfile


class CachedResult(models.Model):
    """A computed ranking or insight for one profile's inputs under one catalog version."""

    profile = models.ForeignKey(SpendingProfile, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    catalog_version = models.CharField(max_length=64)
    key = models.CharField(max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "fingerprint", "catalog_version", "key"],
                name="one_cached_result_per_key",
            )
        ]


class StreamLease(models.Model):
    """One open live-results stream; rows shared by all workers make the per-IP limit global."""

    client_ip = models.GenericIPAddressField()
    token = models.CharField(max_length=32)
    started_at = models.DateTimeField(auto_now_add=True)
    # A crashed worker never deletes its rows: they stop counting after this time.
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client_ip", "expires_at"])]
