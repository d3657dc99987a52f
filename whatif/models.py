"""Open what-if sockets, counted in the database so the per-address limit spans all workers."""

from __future__ import annotations

from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone


class SocketLeaseQuerySet(models.QuerySet["SocketLease"]):
    def take(self, client_ip: str, *, limit: int, seconds: int) -> SocketLease | None:
        """A lease for one more socket from this address, or None when it has `limit` open."""
        now = timezone.now()
        with transaction.atomic():
            if self.filter(client_ip=client_ip, expires_at__gt=now).count() >= limit:
                return None
            return self.create(client_ip=client_ip, expires_at=now + timedelta(seconds=seconds))

    def release(self, lease: SocketLease) -> None:
        """Give a lease back, and tidy up leases of workers that died holding them."""
        self.filter(pk=lease.pk).delete()
        self.filter(expires_at__lt=timezone.now()).delete()


class SocketLease(models.Model):
    """One open what-if WebSocket."""

    client_ip = models.GenericIPAddressField()
    opened_at = models.DateTimeField(auto_now_add=True)
    # A crashed worker never deletes its rows: they stop counting after this time (a socket is
    # closed before then, see WHATIF_MAX_SECONDS).
    expires_at = models.DateTimeField()

    objects = SocketLeaseQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["client_ip", "expires_at"])]
