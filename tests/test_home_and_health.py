"""The home page says what the product does and starts the wizard; /healthz checks the DB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from catalog.models import Card
from wizard.models import BrowserSession


@pytest.mark.django_db
def test_home_page_explains_the_product_and_links_start_to_step_one(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.text
    assert '<h1 id="home-title">Which credit card pays you the most?</h1>' in html
    start = reverse("wizard:spending")
    assert f'<a class="button button-primary" href="{start}">Start with your spending</a>' in html
    assert reverse("wizard:spending") == "/wizard/spending/"


@pytest.mark.django_db
def test_the_layout_has_landmarks_a_skip_link_and_the_htmx_config(client: Client) -> None:
    html = client.get("/").text
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    for landmark in ("<header", '<main id="main"', "<footer", "<nav"):
        assert landmark in html
    assert '<meta name="description"' in html
    assert 'rel="icon"' in html
    for setting in (
        '"includeIndicatorStyles":false',
        '"allowEval":false',
        '"allowScriptTags":false',
        '"selfRequestsOnly":true',
        '"historyCacheSize":0',
    ):
        assert setting in html


@pytest.mark.usefixtures("shipped_catalog")
def test_healthz_answers_200_when_the_catalog_reads_and_a_write_works(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]
    # The write it tried was rolled back.
    assert not BrowserSession.objects.filter(session_key__startswith="healthz-").exists()


@pytest.mark.django_db
def test_healthz_answers_503_when_the_catalog_is_empty(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "catalog empty"}


@pytest.mark.usefixtures("shipped_catalog")
def test_healthz_answers_503_when_the_catalog_table_is_missing(client: Client) -> None:
    # As with an empty database file in place of the real one. The test's transaction rolls
    # the rename back.
    table = connection.ops.quote_name(Card._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {connection.ops.quote_name('away')}")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "catalog unreadable"}


@contextmanager
def read_only_database() -> Iterator[None]:
    """The test's database connection refuses writes, as a read-only file or replica would."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")
        return
    # PostgreSQL: read-only inside a savepoint; rolling it back makes the test's transaction
    # writable again (its end checks deferred constraints, which a read-only one refuses).
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        cursor.execute("SET transaction_read_only = on")
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.usefixtures("shipped_catalog")
def test_healthz_answers_503_when_the_database_is_read_only(client: Client) -> None:
    with read_only_database():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "read-only"}


@pytest.mark.django_db
def test_home_refuses_post_with_405(client: Client) -> None:
    assert client.post("/").status_code == 405


@pytest.mark.usefixtures("shipped_catalog")
def test_pages_say_come_back_in_a_minute_with_503_when_the_database_fails(client: Client) -> None:
    table = connection.ops.quote_name(Card._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {connection.ops.quote_name('away')}")
    response = client.get("/cards/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "we cannot reach our database right now" in response.text
    assert "Your saved answers are kept there and are safe" in response.text
