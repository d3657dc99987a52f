"""CSRF secrets and masks come from web/csrf.py's one-read random strings (issue 14)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.middleware import csrf
from django.test import Client

from web.csrf import mask_cipher_secret, random_csrf_string


def test_django_draws_its_csrf_strings_from_ours() -> None:
    # If Django renames the function, web/csrf.py's install fails at start-up instead.
    assert csrf._get_new_csrf_string is random_csrf_string
    assert csrf._mask_cipher_secret is mask_cipher_secret


def _djangos_mask(secret: str, mask: str) -> str:
    """Django 5.2's _mask_cipher_secret for a given mask (its code, the mask passed in)."""
    chars = csrf.CSRF_ALLOWED_CHARS
    pairs = zip((chars.index(x) for x in secret), (chars.index(x) for x in mask), strict=True)
    return mask + "".join(chars[(x + y) % len(chars)] for x, y in pairs)


def test_a_secret_is_masked_as_django_masks_it_and_unmasks_to_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chars = csrf.CSRF_ALLOWED_CHARS
    # Every character against every other, in both places, plus random secrets and masks.
    cases = [(chars[:32], chars[30:]), (chars[30:], chars[:32]), (chars[-1] * 32, chars[-1] * 32)]
    cases += [(random_csrf_string(), random_csrf_string()) for _ in range(500)]
    for secret, mask in cases:
        monkeypatch.setattr("web.csrf.random_csrf_string", lambda mask=mask: mask)
        token = mask_cipher_secret(secret)
        assert token == _djangos_mask(secret, mask)
        assert csrf._unmask_cipher_token(token) == secret


def test_the_strings_are_djangos_length_and_alphabet_and_never_repeat() -> None:
    strings = [random_csrf_string() for _ in range(2000)]
    assert len(set(strings)) == len(strings)
    for text in strings:
        assert len(text) == csrf.CSRF_SECRET_LENGTH
        assert set(text) <= set(csrf.CSRF_ALLOWED_CHARS)


def test_every_character_is_about_equally_likely() -> None:
    # Chi-square over the 62 characters of 640,000 draws: a modulo bias (bytes 248-255 kept)
    # makes the first 8 characters 25 % likelier than the rest, a statistic near 4,200; a fair
    # source stays near 61 (61 degrees of freedom: above 160 about once in 10^10 runs).
    counts = Counter("".join(random_csrf_string() for _ in range(20_000)))
    expected = 20_000 * csrf.CSRF_SECRET_LENGTH / len(csrf.CSRF_ALLOWED_CHARS)
    statistic = sum((counts[c] - expected) ** 2 / expected for c in csrf.CSRF_ALLOWED_CHARS)
    assert statistic < 160, statistic


@pytest.mark.django_db
def test_a_form_posted_with_the_masked_token_of_a_page_is_accepted() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/wizard/spending/")
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert len(token) == 2 * csrf.CSRF_SECRET_LENGTH
    assert (
        client.post(
            "/wizard/spending/", {"csrfmiddlewaretoken": token, "action": "preset"}
        ).status_code
        == 302
    )
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert (
        client.post(
            "/wizard/spending/", {"csrfmiddlewaretoken": forged, "action": "preset"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_the_csrf_cookie_goes_only_to_a_browser_that_lacks_it(shipped_catalog: None) -> None:
    client = Client(enforce_csrf_checks=True)
    first = client.get("/cards/")
    assert "csrftoken" in first.cookies  # a first visit: the cookie is issued
    secret = first.cookies["csrftoken"].value
    for path in ("/cards/", "/wizard/spending/", "/"):
        again = client.get(path)
        # Held already: not sent again (Django would, to renew its expiry), and the page
        # still varies with it; its token still works with the cookie the browser holds.
        assert "csrftoken" not in again.cookies, path
        assert "Cookie" in again["Vary"], path
    page = client.get("/wizard/spending/")
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    posted = client.post("/wizard/spending/", {"csrfmiddlewaretoken": token, "action": "preset"})
    assert posted.status_code == 302
    assert client.cookies["csrftoken"].value == secret
    # A cookie that is not this secret (here a tampered one) is replaced with a new one.
    client.cookies["csrftoken"] = "x" * 5
    assert "csrftoken" in client.get("/cards/").cookies
