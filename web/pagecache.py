"""Rendered pages shared by every visitor, with a hole for the per-visitor CSRF token (issue 14).

The card list, a card's page, a results page and the wizard's first step for a new visitor
are the same for everyone who asks for the same address while the catalog does not change.
They are rendered once into Django's cache (`settings.CACHES`, shared by every worker and
host) and served from there:

- The key holds the catalog version (bumped by any catalog edit: an import, the admin, a
  signal on every catalog model), the code version (a hash of the site's templates and Python
  sources, so a deployment never serves pages rendered by the old code), the full path, whether
  htmx asked for a fragment and anything else the caller names (a date, a results fingerprint).
- Nothing per visitor is stored. The page is rendered with a placeholder in place of the CSRF
  token, and every response gets the visitor's own masked token put in (`get_token`, which also
  sends the CSRF cookie as rendering `{% csrf_token %}` would). Callers only use the shared copy
  when the visitor has nothing of their own on the page: no flash messages waiting, and no
  compare picks or session answers (each caller checks what its page shows).
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache as shared_cache
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

# Never a real token (those are 64 letters and digits), safe in HTML and JSON attributes.
CSRF_HOLE = "__csrf_token_hole__"
# What a page to be shared is rendered with (added to its context).
HOLES = {"csrf_token": CSRF_HOLE}
# Stale entries (an older catalog or code version) are never asked for again; they age out.
TIMEOUT_SECONDS = 24 * 3600
# Headers a view sets on the response that belong in the shared copy (middleware adds the rest).
KEPT_HEADERS = ("Content-Type", "Vary", "HX-Push-Url")
# Folders whose files never change what a page shows.
SKIPPED_FOLDERS = {"tests", "bench", "node_modules", "staticfiles", "__pycache__", "docs", "data"}


@cache
def code_version() -> str:
    """A hash of the templates and Python sources of the project (read once per process)."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(root):  # symlinks (the .venv) are not followed
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED_FOLDERS)
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for file in sorted(files):
            if file.endswith((".py", ".html")):
                path = Path(folder, file)
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def shareable(request: HttpRequest) -> bool:
    """A GET or HEAD from a visitor with no flash message waiting (they are per visitor)."""
    # len() loads the messages without marking them read, so a normal render still shows them.
    return request.method in ("GET", "HEAD") and len(get_messages(request)) == 0


def shared_page(
    request: HttpRequest,
    name: str,
    version: str | None,
    render: Callable[[dict[str, Any]], HttpResponse],
    *key_parts: object,
) -> HttpResponse:
    """The page from the shared cache, else `render(HOLES)` stored there and returned.

    `version` is what the page's data depends on: the catalog version (or the engine version,
    which adds the quarter) read by the caller, so any catalog change gives new keys. None: the
    page depends on the code alone (the home page, an empty first step), so this process keeps
    it in memory, with no trip to the database. The caller has checked that the page holds
    nothing of this visitor's own.
    """
    if version is None:
        return _code_only_page(request, name, render, *key_parts)
    key = page_key(request, name, version, *key_parts)
    cached = from_cache(request, key)
    if cached is not None:
        return cached
    return to_cache(request, key, render(HOLES))


def _code_only_page(
    request: HttpRequest,
    name: str,
    render: Callable[[dict[str, Any]], HttpResponse],
    *key_parts: object,
) -> HttpResponse:
    # Only in this process's page layer (a bounded LRU: odd query strings cannot grow it).
    key = page_key(request, name, "code-only", *key_parts)
    local = caches["pages"]
    entry = local.get(key)
    if entry is None:
        response = render(HOLES)
        if response.status_code != 200 or response.streaming:
            return filled(request, response)
        entry = _entry(response)
        local.set(key, entry)
    return _response(request, entry)


def from_cache(request: HttpRequest, key: str) -> HttpResponse | None:
    """The stored page with this visitor's CSRF token filled in, or None.

    This process's own copy first (settings.CACHES["pages"]): the key holds every version the
    page depends on, so a copy is never stale, and a hit saves a query to the shared cache and
    the decompression (about a third of a cached page's cost).
    """
    local = caches["pages"]
    entry = local.get(key)
    if entry is None:
        stored = shared_cache.get(key)
        if stored is None:
            return None
        content, headers = stored
        entry = (zlib.decompress(content), headers)
        local.set(key, entry)
    return _response(request, entry)


def to_cache(
    request: HttpRequest, key: str, response: HttpResponse, *, store: bool = True
) -> HttpResponse:
    """Store a page rendered with HOLES (a 200 that is not streamed), and fill it in."""
    if store and response.status_code == 200 and not response.streaming:
        content, headers = _entry(response)
        # Compressed (fast level): a results page is 114 KB, 8 KB this way, and the database
        # cache stores values base64-encoded, which costs per byte on every read.
        shared_cache.set(key, (zlib.compress(content, 1), headers), TIMEOUT_SECONDS)
        caches["pages"].set(key, (content, headers))
    return filled(request, response)


def _entry(response: HttpResponse) -> tuple[bytes, dict[str, str]]:
    """What is kept of a page: its content and the headers its view set."""
    headers = {header: response[header] for header in KEPT_HEADERS if header in response}
    return response.content, headers


def _response(request: HttpRequest, entry: tuple[bytes, dict[str, str]]) -> HttpResponse:
    content, headers = entry
    response = HttpResponse(content)
    for header, value in headers.items():
        response[header] = value
    return filled(request, response)


def page_key(request: HttpRequest, name: str, version: str, *key_parts: object) -> str:
    """The cache key of a page: catalog and code versions, and a digest of what selects it."""
    htmx = getattr(request, "htmx", None)
    swap = (htmx.target, htmx.history_restore_request) if htmx else None
    selector = repr((request.get_full_path(), swap, key_parts))
    digest = hashlib.sha256(selector.encode()).hexdigest()[:32]
    return f"page:{name}:{version}:{code_version()}:{digest}"


def filled(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The response with this visitor's own CSRF token in place of the placeholder."""
    hole = CSRF_HOLE.encode()
    if not response.streaming and hole in response.content:
        response.content = response.content.replace(hole, get_token(request).encode())
    return response
