"""CSRF token masks drawn with one read of the OS's random source, and the CSRF cookie sent
only to a browser that lacks it (issue 14).

Every HTML page here carries the visitor's CSRF token (the forms, and htmx's X-CSRFToken
header on every full page), and Django masks it afresh for each response against BREACH: a
32-character mask from `get_random_string`, which calls `secrets.choice` once per character,
so one `os.urandom` system call each. Under uvicorn a view runs on a worker thread beside the
event loop, and each of those calls gives up the GIL, so the 32 calls cost the page more
than their own 30 µs: measured with `bench/page_bench.py`'s machinery, step 1 with answers
1.29 -> 1.19 ms and a cached results page 1.13 -> 1.04 ms of server CPU per request.

`random_csrf_string` is the same thing (32 characters, each uniform over Django's 62
`CSRF_ALLOWED_CHARS`, from the same cryptographic source) from 48 random bytes
(`web.randomness`, which reads the OS's source ahead): bytes of 248 or more are dropped so
that `byte % 62` has no bias. `install` puts it in place of
`django.middleware.csrf._get_new_csrf_string`, which both new secrets and masks use (Django
5.2; tests/test_csrf_masks.py fails if that name goes away).

`mask_cipher_secret` is Django's `_mask_cipher_secret` (the token a page carries: a fresh mask,
then each secret character shifted by the mask's, modulo 62) with the shift looked up in a
table of the 62 x 62 pairs instead of two `str.index` calls per character: 16 µs -> 3 µs, paid
by every page with a form.

`set_cookie_unless_held` is Django's `CsrfViewMiddleware._set_csrf_cookie` without the renewal
of a cookie the browser already holds (see there). Django's middleware class stays in
MIDDLEWARE (`check --deploy` looks for it by name); `install` replaces the one method.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware import csrf
from django.utils.cache import patch_vary_headers

from web.randomness import random_bytes

_CHARS = csrf.CSRF_ALLOWED_CHARS
_LENGTH = csrf.CSRF_SECRET_LENGTH
# The largest multiple of len(_CHARS) that fits a byte: 248 for 62 characters.
_LIMIT = 256 - 256 % len(_CHARS)


def random_csrf_string() -> str:
    """A string of CSRF_SECRET_LENGTH characters drawn uniformly from CSRF_ALLOWED_CHARS."""
    chars: list[str] = []
    while len(chars) < _LENGTH:
        # 48 bytes hold 32 usable ones but for about one draw in a million.
        chars += [_CHARS[byte % len(_CHARS)] for byte in random_bytes(48) if byte < _LIMIT]
    return "".join(chars[:_LENGTH])


# (secret character, mask character) -> the masked character, as Django computes it.
_SHIFTED = {
    (secret, mask): _CHARS[(i + j) % len(_CHARS)]
    for i, secret in enumerate(_CHARS)
    for j, mask in enumerate(_CHARS)
}


def mask_cipher_secret(secret: str) -> str:
    """The masked token of a secret: a new mask followed by the secret shifted by it."""
    mask = random_csrf_string()
    return mask + "".join([_SHIFTED[pair] for pair in zip(secret, mask, strict=True)])


# Django's own, which `set_cookie_unless_held` hands over to when the cookie must be sent.
_django_set_csrf_cookie = csrf.CsrfViewMiddleware._set_csrf_cookie


def set_cookie_unless_held(
    middleware: csrf.CsrfViewMiddleware, request: HttpRequest, response: HttpResponseBase
) -> None:
    """CsrfViewMiddleware._set_csrf_cookie, but the cookie goes out only when the browser does
    not hold this secret already (a first visit, an expired or legacy cookie, a rotated token).

    Django sends the cookie again on every response whose page carries a token, to slide its
    expiry (CSRF_COOKIE_AGE, a year) forward. That was 8 % of step 1 with saved answers in
    process (setting the cookie, writing the header: docs/performance.md, 2026-12-07), paid by
    every returning visitor on every page with a form, for a renewal a year-long cookie does
    not need. Without it the cookie lasts a year from when it was issued; a visitor whose
    cookie has run out gets a new one with the next page (only a form left open across that
    very moment is refused, with the CSRF failure page). Pages still say `Vary: Cookie`: their
    token is derived from the cookie.
    """
    held = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if not settings.CSRF_USE_SESSIONS and held == request.META["CSRF_COOKIE"]:
        patch_vary_headers(response, ("Cookie",))
        return
    _django_set_csrf_cookie(middleware, request, response)


def install() -> None:
    """Use random_csrf_string for Django's CSRF secrets and masks, mask_cipher_secret for its
    masking, and set_cookie_unless_held for its cookie (from WebConfig.ready)."""
    for name in ("_get_new_csrf_string", "_mask_cipher_secret"):
        if not callable(getattr(csrf, name, None)):
            raise RuntimeError(f"django.middleware.csrf.{name} is gone: see web/csrf.py")
    csrf._get_new_csrf_string = random_csrf_string
    csrf._mask_cipher_secret = mask_cipher_secret
    csrf.CsrfViewMiddleware._set_csrf_cookie = set_cookie_unless_held
