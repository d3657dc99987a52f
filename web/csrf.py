"""CSRF token masks drawn with one read of the OS's random source (issue 14).

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
"""

from __future__ import annotations

from django.middleware import csrf

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


def install() -> None:
    """Use random_csrf_string for Django's CSRF secrets and masks, and mask_cipher_secret for
    its masking (from WebConfig.ready)."""
    for name in ("_get_new_csrf_string", "_mask_cipher_secret"):
        if not callable(getattr(csrf, name, None)):
            raise RuntimeError(f"django.middleware.csrf.{name} is gone: see web/csrf.py")
    csrf._get_new_csrf_string = random_csrf_string
    csrf._mask_cipher_secret = mask_cipher_secret
