"""Admin sign-in is throttled (django-axes, counted in the database so all workers agree)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple 93"


@pytest.fixture
def editor() -> User:
    return User.objects.create_superuser("editor", "editor@example.com", PASSWORD)


def sign_in(client: Client, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": "editor", "password": password}, **extra)


def test_after_five_wrong_passwords_even_the_right_one_is_refused(
    client: Client, editor: User, settings
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.text
    locked = sign_in(client, "wrong")
    assert locked.status_code == 429

    response = sign_in(client, PASSWORD)

    assert response.status_code == 429
    assert "Sign-in paused" in response.text
    assert "paused for 15 minutes" in response.text
    assert client.get("/admin/").status_code == 302  # not signed in


def test_the_right_password_before_the_limit_signs_in_and_clears_the_count(
    client: Client, editor: User, settings
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200
    assert sign_in(client, PASSWORD).status_code == 302


def test_guesses_from_many_addresses_lock_the_user_name(
    client: Client, editor: User, settings
) -> None:  # type: ignore[no-untyped-def]
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong", REMOTE_ADDR=f"198.51.100.{number + 1}")
    assert sign_in(client, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429


def test_one_address_is_locked_whatever_user_names_it_tries(
    client: Client, editor: User, settings
) -> None:  # type: ignore[no-untyped-def]
    for number in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": f"guess{number}", "password": "x"})
    assert sign_in(client, PASSWORD).status_code == 429


def test_behind_a_proxy_a_forged_forwarded_address_does_not_dodge_the_limit(
    client: Client, editor: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for number in range(settings.AXES_FAILURE_LIMIT):
        # The client writes a new address each time; the proxy appends the real one.
        forwarded = f"10.0.0.{number}, 192.0.2.50"
        client.post(
            LOGIN,
            {"username": f"guess{number}", "password": "x"},
            HTTP_X_FORWARDED_FOR=forwarded,
        )
    response = client.post(
        LOGIN,
        {"username": "someone", "password": "x"},
        HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.50",
    )
    assert response.status_code == 429
