"""The site's sessions keep the profile they name as a column, so step 1 with saved answers
reads the session and the answers in one statement (wizard/sessions.py, issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wizard.models import SESSION_KEY, BrowserSession, SpendingProfile
from wizard.sessions import SessionStore

pytestmark = pytest.mark.django_db


def saved_profile(groceries: str = "512.30") -> SpendingProfile:
    profile = SpendingProfile()
    profile.set_spend({"groceries": Decimal(groceries), "dining": Decimal("88")})
    profile.save()
    return profile


def test_the_column_names_the_profile_the_session_data_names_after_every_save() -> None:
    first, second = saved_profile(), saved_profile("10")
    session = SessionStore()
    session["other"] = 1
    session.save()
    assert BrowserSession.objects.get(pk=session.session_key).profile_token == ""
    first.bind_to_session(session)
    session.save()
    assert BrowserSession.objects.get(pk=session.session_key).profile_token == first.token
    second.bind_to_session(session)
    session.save()
    assert BrowserSession.objects.get(pk=session.session_key).profile_token == second.token
    del session[SESSION_KEY]
    session.save()
    assert BrowserSession.objects.get(pk=session.session_key).profile_token == ""


def test_the_spend_read_with_the_session_is_the_profiles_spend_and_costs_no_second_query() -> None:
    profile = saved_profile()
    stored = SessionStore()
    profile.bind_to_session(stored)
    stored.save()
    session = SessionStore(stored.session_key)
    with CaptureQueriesContext(connection) as queries:
        spend = SpendingProfile.objects.spend_for_session(session)
    assert spend == profile.spend() and spend["groceries"] == Decimal("512.30")
    assert len(queries) == 1 and "monthly_spend" in queries[0]["sql"]
    # Handed out once: a second call reads the profile again (its answers may have changed).
    profile.set_spend({"groceries": Decimal("7")})
    profile.save()
    with CaptureQueriesContext(connection) as queries:
        again = SpendingProfile.objects.spend_for_session(session)
    assert again["groceries"] == Decimal("7") and len(queries) == 1


def test_a_row_whose_column_names_another_profile_still_gives_the_datas_profile() -> None:
    # A row the column does not match (as one written before the column existed would be):
    # the spend comes from the profile the session's data names, read on its own.
    named, other = saved_profile("40"), saved_profile("99")
    stored = SessionStore()
    named.bind_to_session(stored)
    stored.save()
    BrowserSession.objects.filter(pk=stored.session_key).update(profile_token=other.token)
    spend = SpendingProfile.objects.spend_for_session(SessionStore(stored.session_key))
    assert spend["groceries"] == Decimal("40")
    BrowserSession.objects.filter(pk=stored.session_key).update(profile_token="")
    spend = SpendingProfile.objects.spend_for_session(SessionStore(stored.session_key))
    assert spend["groceries"] == Decimal("40")


def test_a_session_naming_a_deleted_profile_reads_as_no_answers() -> None:
    profile = saved_profile()
    stored = SessionStore()
    profile.bind_to_session(stored)
    stored.save()
    profile.delete()
    spend = SpendingProfile.objects.spend_for_session(SessionStore(stored.session_key))
    assert spend == SpendingProfile().spend()


def test_step_one_with_saved_answers_reads_one_row_and_shows_them(shipped_catalog: None) -> None:
    client = Client()
    client.post("/wizard/spending/", {"groceries": "512.30", "action": "next"})
    for headers in ({}, {"HX-Request": "true"}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/wizard/spending/", headers=headers)
        assert response.status_code == 200
        assert 'value="512.30"' in response.content.decode()
        # The session and the answers in one statement (the page itself is cached).
        assert len(queries) == 1, [query["sql"] for query in queries]


BEFORE = [("wizard", "0003_profile_inputs_fingerprint")]
AFTER = [("wizard", "0004_browser_session")]


def migrate(targets: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([*targets, ("sessions", "0001_initial")]).apps


@pytest.fixture
def back_to_the_latest_migrations() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_sessions_saved_before_the_move_keep_their_answers_after_it() -> None:
    old = migrate(BEFORE)
    profile = old.get_model("wizard", "SpendingProfile").objects.create(
        token="t" * 22, monthly_spend={"groceries": "300.00"}
    )
    codec = SessionStore()
    live = timezone.now() + timezone.timedelta(days=1)
    rows = old.get_model("sessions", "Session").objects
    rows.create(
        session_key="a" * 32,
        session_data=codec.encode({SESSION_KEY: profile.token}),
        expire_date=live,
    )
    rows.create(session_key="b" * 32, session_data=codec.encode({"other": 1}), expire_date=live)
    rows.create(session_key="c" * 32, session_data="not a session", expire_date=live)
    rows.create(
        session_key="d" * 32,
        session_data=codec.encode({SESSION_KEY: profile.token}),
        expire_date=timezone.now() - timezone.timedelta(days=1),
    )

    new = migrate(AFTER)
    moved = dict(
        new.get_model("wizard", "BrowserSession").objects.values_list("pk", "profile_token")
    )
    assert moved == {"a" * 32: profile.token, "b" * 32: "", "c" * 32: ""}
    assert not new.get_model("sessions", "Session").objects.exists()
    # The visitor comes back to their answers with the same cookie.
    session = SessionStore("a" * 32)
    assert session[SESSION_KEY] == profile.token
    assert SpendingProfile.objects.spend_for_session(session)["groceries"] == Decimal("300.00")

    back = migrate(BEFORE)
    keys = set(back.get_model("sessions", "Session").objects.values_list("pk", flat=True))
    assert keys == {"a" * 32, "b" * 32, "c" * 32}


def test_a_token_too_long_for_the_column_names_no_profile_there() -> None:
    # Never one of ours (they are 22 characters), but the session's data may hold anything:
    # saving it must not fail on a database that checks the column's length.
    session = SessionStore()
    session[SESSION_KEY] = "x" * 40
    session.save()
    assert BrowserSession.objects.get(pk=session.session_key).profile_token == ""
    assert SessionStore(session.session_key)[SESSION_KEY] == "x" * 40
