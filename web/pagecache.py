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
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache as shared_cache
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from web.compression import FilledPage, HoledPage

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


def hole(name: str) -> str:
    """A placeholder for a per-visitor part of a shared page (filled in by `shared_page`)."""
    return f"__{name}_hole__"


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
    fills: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The page from the shared cache, else `render(HOLES)` stored there and returned.

    `fills`: this visitor's parts of the page, by their `hole` (which `render` puts in the
    page where they go): HTML, escaped by the caller, put in besides the CSRF token.

    `version` is what the page's data depends on: the catalog version (or the engine version,
    which adds the quarter) read by the caller, so any catalog change gives new keys. None: the
    page depends on the code alone (the home page, an empty first step), so this process keeps
    it in memory, with no trip to the database. The caller has checked that the page holds
    nothing of this visitor's own.
    """
    fills = dict(fills or {})
    if version is None:
        return _code_only_page(request, name, render, key_parts, fills)
    key = page_key(request, name, version, *key_parts)
    cached = from_cache(request, key, fills)
    if cached is not None:
        return cached
    return to_cache(request, key, render(HOLES), fills=fills)


def _code_only_page(
    request: HttpRequest,
    name: str,
    render: Callable[[dict[str, Any]], HttpResponse],
    key_parts: tuple[object, ...],
    fills: dict[str, str],
) -> HttpResponse:
    # Only in this process's page layer (a bounded LRU: odd query strings cannot grow it).
    key = page_key(request, name, "code-only", *key_parts)
    local = caches["pages"]
    entry = local.get(key)
    if entry is None:
        response = render(HOLES)
        if response.status_code != 200 or response.streaming:
            return filled(request, response, fills)
        entry = _entry(response, fills)
        local.set(key, entry)
    return _response(request, entry, fills)


def from_cache(
    request: HttpRequest, key: str, fills: Mapping[str, str] | None = None
) -> HttpResponse | None:
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
        entry = (HoledPage.build(zlib.decompress(content), _holes(fills)), headers)
        local.set(key, entry)
    return _response(request, entry, fills)


def to_cache(
    request: HttpRequest,
    key: str,
    response: HttpResponse,
    *,
    store: bool = True,
    fills: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Store a page rendered with HOLES (a 200 that is not streamed), and fill it in."""
    if store and response.status_code == 200 and not response.streaming:
        entry = _entry(response, fills)
        # Compressed (fast level): a results page is 114 KB, 8 KB this way, and the database
        # cache stores values base64-encoded, which costs per byte on every read.
        shared_cache.set(key, (zlib.compress(response.content, 1), entry[1]), TIMEOUT_SECONDS)
        caches["pages"].set(key, entry)
    return filled(request, response, fills)


Entry = tuple[HoledPage, dict[str, str]]


def _holes(fills: Mapping[str, str] | None) -> list[bytes]:
    return [CSRF_HOLE.encode(), *(name.encode() for name in fills or ())]


def _entry(response: HttpResponse, fills: Mapping[str, str] | None) -> Entry:
    """What this process keeps of a page: its content cut at its holes and compressed ahead
    (web/compression.py), and the headers its view set."""
    headers = {header: response[header] for header in KEPT_HEADERS if header in response}
    return HoledPage.build(response.content, _holes(fills)), headers


def _response(request: HttpRequest, entry: Entry, fills: Mapping[str, str] | None) -> HttpResponse:
    page, headers = entry
    filling = {name.encode(): html.encode() for name, html in (fills or {}).items()}
    # get_token only where the page has a form: it also sends the CSRF cookie (as `filled`).
    if CSRF_HOLE.encode() in page.holes:
        filling[CSRF_HOLE.encode()] = get_token(request).encode()
    body = page.body(filling)
    response = HttpResponse(body)
    for header, value in headers.items():
        response[header] = value
    response.filled_page = FilledPage(page, filling, body)
    return response


def page_key(request: HttpRequest, name: str, version: str, *key_parts: object) -> str:
    """The cache key of a page: catalog and code versions, and a digest of what selects it."""
    # What django-htmx's request.htmx tells apart (a swap, its target, a history restore),
    # read from META as sent: request.htmx reads request.headers, which Django builds from the
    # whole of META on first use, a third of this function's cost for nothing else.
    meta = request.META
    swap = (
        (
            meta.get("HTTP_HX_TARGET"),
            meta.get("HTTP_HX_TARGET_URI_AUTOENCODED"),
            meta.get("HTTP_HX_HISTORY_RESTORE_REQUEST"),
        )
        if meta.get("HTTP_HX_REQUEST") == "true"
        else None
    )
    selector = repr((request.get_full_path(), swap, key_parts))
    digest = hashlib.sha256(selector.encode()).hexdigest()[:32]
    return f"page:{name}:{version}:{code_version()}:{digest}"


def filled(
    request: HttpRequest, response: HttpResponse, fills: Mapping[str, str] | None = None
) -> HttpResponse:
    """The response with this visitor's own CSRF token and `fills` in place of the holes."""
    if response.streaming:
        return response
    content = original = response.content
    for name, html in (fills or {}).items():
        content = content.replace(name.encode(), html.encode())
    hole = CSRF_HOLE.encode()
    if hole in content:
        content = content.replace(hole, get_token(request).encode())
    if content != original:
        response.content = content
    return response
