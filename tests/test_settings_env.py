"""Settings come from the environment through helpers that reject bad values clearly."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from creditcard_guru.env import envbool, envchoice, envint, envlist, envstr
from devtools.servers import PROJECT_DIR


@pytest.mark.parametrize("raw", ["1", "true", "YES", "on"])
def test_envbool_reads_yes(raw: str) -> None:
    assert envbool("X", False, {"X": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF"])
def test_envbool_reads_no(raw: str) -> None:
    assert envbool("X", True, {"X": raw}) is False


def test_envbool_uses_the_default_when_unset_or_empty() -> None:
    assert envbool("X", True, {}) is True
    assert envbool("X", False, {"X": ""}) is False


def test_envbool_rejects_anything_else_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='maybe' is not a yes/no value"):
        envbool("DJANGO_DEBUG", False, {"DJANGO_DEBUG": "maybe"})


def test_envint_reads_numbers_and_rejects_words_and_values_below_the_minimum() -> None:
    assert envint("N", 5, {"N": "42"}) == 42
    assert envint("N", 5, {}) == 5
    with pytest.raises(ImproperlyConfigured, match="N='forty' is not a whole number"):
        envint("N", 5, {"N": "forty"})
    with pytest.raises(ImproperlyConfigured, match="N=-1 is below the minimum of 0"):
        envint("N", 5, {"N": "-1"}, minimum=0)


def test_envlist_splits_on_commas_and_rejects_empty_items() -> None:
    assert envlist("L", ["a"], {"L": "example.com, www.example.com"}) == [
        "example.com",
        "www.example.com",
    ]
    assert envlist("L", ["a"], {}) == ["a"]
    with pytest.raises(ImproperlyConfigured, match="has an empty item"):
        envlist("L", [], {"L": "example.com,,x"})


def test_envchoice_accepts_listed_words_in_any_case_and_rejects_others() -> None:
    choices = ("DEBUG", "INFO")
    assert envchoice("LEVEL", "INFO", choices, {"LEVEL": "debug"}) == "DEBUG"
    with pytest.raises(ImproperlyConfigured, match="must be one of: DEBUG, INFO"):
        envchoice("LEVEL", "INFO", choices, {"LEVEL": "LOUD"})


def test_envstr_treats_empty_as_unset() -> None:
    assert envstr("S", "default", {"S": ""}) == "default"
    assert envstr("S", "default", {"S": "value"}) == "value"


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the production settings in a fresh interpreter with exactly this environment."""
    clean_env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "creditcard_guru.settings"}
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=PROJECT_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_a_secret_key_refuses_to_start_with_a_clear_message() -> None:
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set. It is required when DJANGO_DEBUG is off" in result.stderr


def test_debug_off_with_a_secret_key_starts() -> None:
    result = load_settings(DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_a_bad_switch_value_stops_the_start_naming_the_variable() -> None:
    result = load_settings(DJANGO_SECRET_KEY="x" * 60, DJANGO_HTTPS="sometimes")
    assert result.returncode != 0
    assert "DJANGO_HTTPS='sometimes' is not a yes/no value" in result.stderr


def test_a_bad_log_level_stops_the_start_naming_the_variable() -> None:
    result = load_settings(DJANGO_SECRET_KEY="x" * 60, DJANGO_LOG_LEVEL="chatty")
    assert result.returncode != 0
    assert "DJANGO_LOG_LEVEL='chatty' must be one of" in result.stderr


def read_settings(*names: str, **env: str) -> list[str]:
    """Settings values as production settings compute them from exactly this environment."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(*(getattr(settings, name) for name in {names!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "creditcard_guru.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_defaults_turn_on_https_protections() -> None:
    values = read_settings(
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        DJANGO_SECRET_KEY="x" * 60,
    )
    assert values == ["False", "True", "31536000", "True", "True"]


def test_a_plain_http_local_run_can_switch_https_off() -> None:
    values = read_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_HTTPS="0",
    )
    assert values == ["False", "0", "False"]


@pytest.mark.usefixtures("shipped_catalog")
def test_https_redirect_is_on_in_production_except_for_the_health_check(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    assert client.get("/healthz").status_code == 200


def test_database_connections_are_kept_between_requests_by_default() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "creditcard_guru.settings"}
    env["DJANGO_SECRET_KEY"] = "x" * 60
    for extra, expected in (({}, "60"), ({"DJANGO_DB_CONN_MAX_AGE": "0"}, "0")):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
