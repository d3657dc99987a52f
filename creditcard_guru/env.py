"""Typed readers for settings that come from environment variables; a bad value fails loudly."""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def envstr(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """The variable's value, or the default when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(name, "")
    return value if value != "" else default


def envbool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    """A yes/no switch: 1/0, true/false, yes/no, on/off (any case)."""
    value = envstr(name, "", environ).strip().lower()
    if value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a yes/no value: use one of 1, 0, true, false, yes, no, on, off."
    )


def envint(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
) -> int:
    """A whole number, optionally with a lower bound."""
    value = envstr(name, "", environ).strip()
    if value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def envlist(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list; blanks around items are ignored and empty items are an error."""
    value = envstr(name, "", environ)
    if value.strip() == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item; separate items by commas.")
    return items


def envchoice(
    name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] | None = None
) -> str:
    """One of a fixed set of words (compared case-insensitively, returned as listed)."""
    value = envstr(name, "", environ).strip()
    if value == "":
        return default
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")


CACHE_TABLE = "django_cache"


def cache_from_url(url: str, *, name: str = "DJANGO_CACHE_URL") -> dict[str, object]:
    """A CACHES entry from a URL: db:// (the database, the default), redis:// or rediss://
    (needs the `redis` package), memcached://host:port (needs `pymemcache`), locmem://."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme = ""
    if scheme == "db":
        # A table in the site's database (created by a migration), shared by every worker.
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest or CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    if scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "memcached" and rest:
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": rest,
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest}
    raise ImproperlyConfigured(
        f"{name}={url!r}: use db://, redis://HOST:PORT/DB, memcached://HOST:PORT or locmem://."
    )
