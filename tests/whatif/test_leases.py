"""The per-address socket limit in the database: exact even when sockets open at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from whatif.models import SocketLease

pytestmark = pytest.mark.django_db(transaction=True)


def test_sockets_opening_at_once_cannot_both_take_the_last_place() -> None:
    if connection.vendor == "sqlite":
        # The in-memory test database's shared cache fails concurrent writers at once instead
        # of queueing them (a file database queues them: IMMEDIATE transactions, busy timeout).
        pytest.skip("concurrent writers need PostgreSQL or a file database")
    start = threading.Barrier(8)

    def take(_: int) -> bool:
        try:
            start.wait()
            return SocketLease.objects.take("203.0.113.5", limit=3, seconds=60) is not None
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(take, range(8)))
    assert taken.count(True) == 3
    assert SocketLease.objects.filter(client_ip="203.0.113.5").count() == 3


def test_a_released_lease_makes_room_and_expired_ones_are_tidied_up() -> None:
    first = SocketLease.objects.take("203.0.113.5", limit=1, seconds=60)
    assert first is not None
    assert SocketLease.objects.take("203.0.113.5", limit=1, seconds=60) is None
    stale = SocketLease.objects.take("198.51.100.1", limit=1, seconds=-1)
    assert stale is not None
    SocketLease.objects.release(first)
    assert not SocketLease.objects.exists()
