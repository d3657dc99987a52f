"""This process's page layer: Django's LocMemCache keeping objects, not pickles (issue 14).

LocMemCache pickles every value it stores and unpickles it on every read, so a value can be
shared safely between callers that might change it. The page layer (settings.CACHES["pages"],
web/pagecache.py) stores pages cut at their holes and compressed ahead, which nobody changes
once built, and reads one on every cached page: unpickling them was pure cost (a results page
is ~60 KB of pieces). Everything else (the LRU order, MAX_ENTRIES, timeouts, the lock) is
LocMemCache's own.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ObjectsInMemoryCache(LocMemCache):
    """LocMemCache storing the values themselves: only for values never changed in place."""

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._cache[key] + delta
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
