"""CSRF token masks drawn with one read of the OS's random source (issue 14).

Every HTML page here carries the visitor's CSRF token (the forms, and htmx's X-CSRFToken
header on every full page), and Django masks it afresh for each response against BREACH: a
32-character mask from `get_random_string`, which calls `secrets.choice` once per character,
so one `os.urandom` system call each. Under uvicorn a view runs on a worker thread beside the
event loop, and each of those calls gives up the GIL, so the 32 calls cost the page more
than their own 30 µs: measured with `bench/page_bench.py`'s machinery, step 1 with answers
1.29 -> 1.19 ms and a cached results page 1.13 -> 1.04 ms of server CPU per request.

`random_csrf_string` is the same thing (32 characters, each uniform over Django's 62
`CSRF_ALLOWED_CHARS`, from the same cryptographic source) from one `secrets.token_bytes`
call: bytes of 248 or more are dropped so that `byte % 62` has no bias. `install` puts it in
place of `django.middleware.csrf._get_new_csrf_string`, which both new secrets and masks use
(Django 5.2; tests/test_csrf_masks.py fails if that name goes away).
"""

from __future__ import annotations

import secrets

from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_LENGTH = csrf.CSRF_SECRET_LENGTH
# The largest multiple of len(_CHARS) that fits a byte: 248 for 62 characters.
_LIMIT = 256 - 256 % len(_CHARS)


def random_csrf_string() -> str:
    """A string of CSRF_SECRET_LENGTH characters drawn uniformly from CSRF_ALLOWED_CHARS."""
    chars: list[str] = []
    while len(chars) < _LENGTH:
        # 48 bytes hold 32 usable ones but for about one draw in a million.
        chars += [_CHARS[byte % len(_CHARS)] for byte in secrets.token_bytes(48) if byte < _LIMIT]
    return "".join(chars[:_LENGTH])


def install() -> None:
    """Use random_csrf_string for Django's CSRF secrets and masks (from WebConfig.ready)."""
    if not callable(getattr(csrf, "_get_new_csrf_string", None)):
        raise RuntimeError("django.middleware.csrf._get_new_csrf_string is gone: see web/csrf.py")
    csrf._get_new_csrf_string = random_csrf_string
