"""web/db.py RowByField: the hot single-row reads give what the ORM gives (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet, Subquery
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import CatalogVersion
from web import sessions as web_sessions
from web.db import RowByField
from web.sessions import SessionStore
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db

FIELDS = [field.attname for field in SpendingProfile._meta.concrete_fields]


def test_a_profile_read_by_token_is_the_orms_row_field_for_field() -> None:
    profile = SpendingProfile(
        held_cards=["chase-freedom-unlimited"],
        excluded_issuers=["Citi"],
        cents_per_point={"chase_ur": "1.5"},
        results_shown_at=timezone.now() - timedelta(days=2),
    )
    profile.set_spend({"groceries": Decimal("512.30"), "dining": Decimal("88")})
    profile.save()
    fast = SpendingProfile.with_token(profile.token)
    orm = SpendingProfile.objects.get(token=profile.token)
    assert fast is not None
    assert {name: getattr(fast, name) for name in FIELDS} == {
        name: getattr(orm, name) for name in FIELDS
    }
    # JSON decoded and datetimes aware, as the ORM gives them; saved state like a fetched row.
    assert fast.monthly_spend == {"groceries": "512.30", "dining": "88.00"}
    assert fast.results_shown_at is not None and fast.results_shown_at.tzinfo is not None
    assert not fast._state.adding and fast._state.db == "default"
    assert fast.fingerprint() == orm.fingerprint()


def test_a_sessions_spend_read_alone_is_the_profiles_spend_in_one_query() -> None:
    """Step 1's read (`spend_for_session`, RowByField with `only`) selects the spend column
    alone and gives what the whole profile's `spend()` gives; no session, no profile: zeros."""
    profile = SpendingProfile(held_cards=["chase-freedom-unlimited"])
    profile.set_spend({"groceries": Decimal("512.30"), "dining": Decimal("88")})
    profile.save()
    session = SessionStore()
    assert SpendingProfile.objects.spend_for_session(session) == SpendingProfile().spend()
    profile.bind_to_session(session)
    with CaptureQueriesContext(connection) as queries:
        spend = SpendingProfile.objects.spend_for_session(session)
    assert spend == profile.spend() and spend["groceries"] == Decimal("512.30")
    assert len(queries) == 1
    assert "monthly_spend" in queries[0]["sql"] and "held_cards" not in queries[0]["sql"]
    session["wizard_profile_token"] = "no-such-token"
    assert SpendingProfile.objects.spend_for_session(session) == SpendingProfile().spend()


def test_an_unknown_token_reads_as_none_in_one_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert SpendingProfile.with_token("no-such-token") is None
        assert SpendingProfile.with_token("") is None
    assert len(queries) == 2


def test_the_catalog_version_reads_the_current_row_after_every_bump() -> None:
    first = CatalogVersion.current()
    bumped = CatalogVersion.bump()
    assert bumped != first
    assert CatalogVersion.current() == bumped == CatalogVersion.objects.get(pk=1).value


def test_a_lookup_that_is_not_a_plain_value_is_refused() -> None:
    with pytest.raises(ValueError, match="not a plain lookup"):
        RowByField(SpendingProfile, "updated_at").get(timezone.now())


def test_the_session_engine_reads_a_session_without_building_a_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = SessionStore()
    stored["answers"] = "abc123"
    stored.save()
    # The first read compiles the SQL through the ORM (once per process and database).
    assert SessionStore(stored.session_key)["answers"] == "abc123"

    def built(*args: object, **kwargs: object) -> None:
        raise AssertionError("the session read built a query")

    monkeypatch.setattr(QuerySet, "get", built)
    monkeypatch.setattr(QuerySet, "filter", built)
    loaded = SessionStore(stored.session_key)
    assert loaded["answers"] == "abc123"
    assert loaded.session_key == stored.session_key
    monkeypatch.undo()
    assert Session.objects.filter(session_key=stored.session_key).exists()


def test_an_expired_or_unknown_session_reads_as_a_new_empty_one() -> None:
    stored = SessionStore()
    stored["answers"] = "abc123"
    stored.save()
    Session.objects.filter(session_key=stored.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(stored.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.get("answers") is None and unknown.session_key is None


def test_the_site_uses_the_fast_session_engine() -> None:
    # wizard/sessions.py: this engine, with the profile's spend read in the same statement.
    assert settings.SESSION_ENGINE == "wizard.sessions"
    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, SessionStore)


def test_a_session_text_is_checked_and_parsed_once_and_each_read_gets_its_own_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = SessionStore()
    text = store.encode({"wizard_profile_token": "tok-once", "n": 3, "ok": True, "x": None})
    calls = []
    real = web_sessions.signing.loads

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(web_sessions.signing, "loads", counted)
    first = store.decode(text)
    assert first == {"wizard_profile_token": "tok-once", "n": 3, "ok": True, "x": None}
    first["wizard_profile_token"] = "changed by a page"
    second = SessionStore().decode(text)
    assert second["wizard_profile_token"] == "tok-once"
    assert len(calls) == 1
    # Django's own decoding gives the same values.
    monkeypatch.undo()
    assert SessionBase.decode(store, text) == second


def test_a_session_with_nested_values_or_a_bad_signature_decodes_as_django_decodes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SessionStore()
    nested = store.encode({"rows": [1, 2], "token": "t"})
    once, twice = store.decode(nested), store.decode(nested)
    assert once == twice == {"rows": [1, 2], "token": "t"}
    once["rows"].append(3)
    assert store.decode(nested)["rows"] == [1, 2]
    forged = nested[:-3] + ("AAA" if not nested.endswith("AAA") else "BBB")
    with caplog.at_level("WARNING", logger="django.security.SuspiciousSession"):
        assert store.decode(forged) == {}
    assert "Session data corrupted" in caplog.text


def test_a_session_text_checked_under_an_old_secret_is_refused_under_a_new_one(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    store = SessionStore()
    text = store.encode({"wizard_profile_token": "tok-secret"})
    assert store.decode(text) == {"wizard_profile_token": "tok-secret"}
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "another secret key, long enough to be a real one: 0123456789abcdef"
    assert store.decode(text) == {}
    # Rotated with the old key kept as a fallback, as Django allows: valid again.
    settings.SECRET_KEY_FALLBACKS = [old]
    assert store.decode(text) == {"wizard_profile_token": "tok-secret"}


def test_a_rows_values_are_the_instances_fields_without_building_it() -> None:
    profile = SpendingProfile()
    profile.set_spend({"groceries": Decimal("512.30")})
    profile.save()
    whole = RowByField(SpendingProfile, "token")
    values = whole.values(profile.token)
    fetched = whole.get(profile.token)
    assert values == {name: getattr(fetched, name) for name in FIELDS}
    spend_only = RowByField(SpendingProfile, "token", only=("monthly_spend",))
    assert spend_only.values(profile.token) == {
        "id": profile.pk,
        "monthly_spend": {"groceries": "512.30"},
    }
    assert whole.values("no such token") is None


def _cursors_opened(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    opened: list[object] = []
    real = connection.cursor

    def cursor(*args: object, **kwargs: object) -> object:
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(connection, "cursor", cursor)
    return opened


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own read path")
def test_on_sqlite_a_read_goes_straight_to_the_open_connection_and_gives_the_orms_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = SpendingProfile()
    profile.set_spend({"dining": Decimal("45.50")})
    profile.save()
    reads = RowByField(SpendingProfile, "token")
    opened = _cursors_opened(monkeypatch)
    fetched = reads.get(profile.token)
    assert opened == []  # no Django cursor around the read
    orm = SpendingProfile.objects.get(token=profile.token)
    assert fetched is not None
    assert {name: getattr(fetched, name) for name in FIELDS} == {
        name: getattr(orm, name) for name in FIELDS
    }
    assert reads.values("no such token") is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own read path")
def test_on_sqlite_reads_still_count_log_and_fail_as_djangos_cursor_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = SpendingProfile()
    profile.save()
    reads = RowByField(SpendingProfile, "token")
    # A test counting queries (or DEBUG) sees the read: Django's cursor logs it.
    with CaptureQueriesContext(connection) as queries:
        assert reads.get(profile.token) is not None
    assert len(queries) == 1
    # An error is Django's, as the pages' database-down handling expects.
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "wizard_spendingprofile" RENAME TO "moved_away"')
    try:
        with pytest.raises(DatabaseError):
            reads.get(profile.token)
    finally:
        with connection.cursor() as cursor:
            cursor.execute('ALTER TABLE "moved_away" RENAME TO "wizard_spendingprofile"')
    # In a transaction an earlier error broke, the read is refused as Django refuses it.
    with transaction.atomic():
        connection.needs_rollback = True
        try:
            with pytest.raises(TransactionManagementError):
                reads.get(profile.token)
        finally:
            connection.needs_rollback = False


def test_an_annotation_is_read_in_the_same_statement_as_the_row() -> None:
    # A scalar subquery with a parameter of its own (pk = 1) beside the looked-up token.
    profile = SpendingProfile()
    profile.save()
    version = CatalogVersion.current()
    reads = RowByField(
        SpendingProfile,
        "token",
        only=("inputs_fingerprint",),
        annotations={
            "catalog_version": Subquery(CatalogVersion.objects.filter(pk=1).values("value")[:1])
        },
    )
    with CaptureQueriesContext(connection) as queries:
        values = reads.values(profile.token)
        fetched = reads.get(profile.token)
    assert len(queries) == 2  # one statement each
    assert values == {
        "id": profile.pk,
        "inputs_fingerprint": profile.fingerprint(),
        "catalog_version": version,
    }
    assert fetched is not None and fetched.pk == profile.pk
    assert fetched.catalog_version == version  # type: ignore[attr-defined]
    assert fetched.inputs_fingerprint == profile.fingerprint()
    assert reads.values("no such token") is None
    # Without Django's cursor too (SQLite), the same answer.
    assert reads.values(profile.token) == values
