"""The in-process page layer (web/memorycache.py): LocMemCache's behaviour, without pickles."""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches

from web.compression import HoledPage
from web.memorycache import ObjectsInMemoryCache


def layer(max_entries: int = 3) -> ObjectsInMemoryCache:
    return ObjectsInMemoryCache(
        f"test-{time.monotonic_ns()}", {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": max_entries}}
    )


def test_the_page_layer_is_this_backend() -> None:
    assert isinstance(caches["pages"], ObjectsInMemoryCache)


def test_a_read_gives_the_stored_page_itself_not_a_copy() -> None:
    # LocMemCache would unpickle a new copy on every read: the cost this backend removes.
    cache = layer()
    page = HoledPage.build(
        b"<p>" + b"x" * 5000 + b"__csrf_token_hole__</p>", [b"__csrf_token_hole__"]
    )
    cache.set("page", (page, {"Content-Type": "text/html"}))
    assert cache.get("page")[0] is page
    assert cache.get("page") is cache.get("page")


def test_the_oldest_read_page_goes_first_when_full() -> None:
    cache = layer(max_entries=3)
    for name in "abc":
        cache.set(name, name.upper())
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.set("d", "D")  # full: culls the least recently used third (b)
    assert cache.get("b") is None
    assert [cache.get(name) for name in "acd"] == ["A", "C", "D"]


def test_timeouts_add_incr_and_delete_work_as_in_locmemcache() -> None:
    cache = layer()
    cache.set("gone", "x", timeout=-1)
    assert cache.get("gone", "default") == "default"
    assert cache.add("n", 1) is True
    assert cache.add("n", 5) is False
    assert cache.incr("n", 2) == 3
    assert cache.get("n") == 3
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")
    assert cache.delete("n") is True
    assert cache.get("n") is None
