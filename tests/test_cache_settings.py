"""DJANGO_CACHE_URL: the database cache by default, Redis or Memcached by URL, bad URLs refused."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from creditcard_guru.env import cache_from_url


def test_the_default_is_a_table_in_the_database() -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] == "django_cache"


@pytest.mark.django_db
def test_migrate_makes_the_cache_table() -> None:
    assert "django_cache" in connection.introspection.table_names()
    cache.set("a-key", "a value")
    assert cache.get("a-key") == "a value"


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("db://", "django.core.cache.backends.db.DatabaseCache", "django_cache"),
        ("db://page_cache", "django.core.cache.backends.db.DatabaseCache", "page_cache"),
        (
            "redis://cache.internal:6379/1",
            "django.core.cache.backends.redis.RedisCache",
            "redis://cache.internal:6379/1",
        ),
        (
            "rediss://user:secret@cache.internal:6380/0",
            "django.core.cache.backends.redis.RedisCache",
            "rediss://user:secret@cache.internal:6380/0",
        ),
        (
            "memcached://cache.internal:11211",
            "django.core.cache.backends.memcached.PyMemcacheCache",
            "cache.internal:11211",
        ),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", ""),
    ],
)
def test_cache_urls(url: str, backend: str, location: str) -> None:
    config = cache_from_url(url)
    assert (config["BACKEND"], config["LOCATION"]) == (backend, location)


@pytest.mark.parametrize("url", ["", "redis", "memcached://", "file:///tmp/cache", "mysql://x"])
def test_a_bad_cache_url_is_refused_with_the_forms_it_takes(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_CACHE_URL=.*redis://"):
        cache_from_url(url)
