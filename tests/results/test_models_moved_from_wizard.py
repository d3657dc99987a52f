"""The move of CachedResult and StreamLease from the wizard app keeps their rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("results", None)]  # wizard's 0001 only: its 0002 needs results' 0001
AFTER = [("wizard", "0002_results_models_moved_to_results"), ("results", "0001_initial")]


def migrate(targets: list[tuple[str, str | None]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    state = targets if targets != BEFORE else [("wizard", "0001_initial")]
    return executor.loader.project_state(state).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_migrations() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_cached_results_and_leases_saved_before_the_move_are_there_after_it() -> None:
    old = migrate(BEFORE)
    profile = old.get_model("wizard", "SpendingProfile").objects.create(token="t" * 22)
    old.get_model("wizard", "CachedResult").objects.create(
        profile=profile, fingerprint="f", catalog_version="v", key="ranking", payload={"a": 1}
    )
    old.get_model("wizard", "StreamLease").objects.create(
        client_ip="192.0.2.7", token="t" * 22, expires_at=timezone.now()
    )

    new = migrate(AFTER)
    cached = new.get_model("results", "CachedResult").objects.get()
    assert (cached.profile_id, cached.key, cached.payload) == (profile.pk, "ranking", {"a": 1})
    assert new.get_model("results", "StreamLease").objects.get().client_ip == "192.0.2.7"
    tables = connection.introspection.table_names()
    assert "results_cachedresult" in tables and "wizard_cachedresult" not in tables
    # The unique key still holds after the move.
    with pytest.raises(Exception, match="(?i)unique"):
        new.get_model("results", "CachedResult").objects.create(
            profile_id=profile.pk, fingerprint="f", catalog_version="v", key="ranking", payload={}
        )


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone() -> None:
    migrate(BEFORE)
    assert "wizard_streamlease" in connection.introspection.table_names()
    migrate(AFTER)
    assert "results_streamlease" in connection.introspection.table_names()
