"""Open what-if sockets, counted in the database so the per-address limit spans all workers."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone


def _lock_address(client_ip: str) -> None:
    """Take turns per address until the transaction ends, so two sockets opening at once on
    different workers cannot both see room for one more.

    SQLite needs nothing: its IMMEDIATE transactions (settings) already run one writer at a time.
    PostgreSQL's READ COMMITTED would let both counts miss the other's new row.
    """
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(client_ip.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


class SocketLeaseQuerySet(models.QuerySet["SocketLease"]):
    def take(self, client_ip: str, *, limit: int, seconds: int) -> SocketLease | None:
        """A lease for one more socket from this address, or None when it has `limit` open."""
        now = timezone.now()
        with transaction.atomic():
            _lock_address(client_ip)
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
