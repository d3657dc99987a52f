"""`manage.py purge_expired --older-than DAYS`: stale answers, expired sessions, old imports."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from results.models import CachedResult
from tests.statements.helpers import SAMPLES
from wizard.models import BrowserSession, SpendingProfile
from wizard.sessions import SessionStore

pytestmark = pytest.mark.django_db


def profile_last_changed(days_ago: int) -> SpendingProfile:
    profile = SpendingProfile.objects.create()
    SpendingProfile.objects.filter(pk=profile.pk).update(
        updated_at=timezone.now() - timedelta(days=days_ago)
    )
    return profile


def test_it_deletes_only_profiles_older_than_the_limit_with_their_cached_results() -> None:
    old = profile_last_changed(40)
    recent = profile_last_changed(5)
    CachedResult.objects.create(
        profile=old, fingerprint="f", catalog_version="v", key="ranking", payload={}
    )
    out = StringIO()
    call_command("purge_expired", "--older-than", "30", stdout=out)
    assert out.getvalue().splitlines()[0] == "Deleted 1 profile(s) older than 30 days."
    assert list(SpendingProfile.objects.all()) == [recent]
    assert not CachedResult.objects.exists()


def test_a_dry_run_only_counts() -> None:
    profile_last_changed(40)
    out = StringIO()
    call_command("purge_expired", "--older-than", "30", "--dry-run", stdout=out)
    assert "1 profile(s) older than 30 days would be deleted." in out.getvalue()
    assert SpendingProfile.objects.count() == 1


@pytest.mark.parametrize("days", ["0", "-3", "soon"])
def test_a_bad_number_of_days_is_refused(days: str) -> None:
    with pytest.raises(CommandError):
        call_command("purge_expired", "--older-than", days)


def everything_in_sessions() -> str:
    return " ".join(str(row.get_decoded()) for row in BrowserSession.objects.all())


def test_an_unused_import_is_deleted_once_its_two_hours_are_up(client: Client) -> None:
    sample = SimpleUploadedFile("chase.csv", (SAMPLES / "chase.csv").read_bytes())
    client.post("/wizard/import/", {"files": [sample]})
    assert "Chase" in everything_in_sessions()  # held, for the review, for two hours
    import_key = client.session["statement_import"]
    # Two hours later the person never came back: the import's row has expired.
    BrowserSession.objects.filter(session_key=import_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    call_command("purge_expired", "--older-than", "90", stdout=StringIO())

    assert not BrowserSession.objects.filter(session_key=import_key).exists()
    assert "Chase" not in everything_in_sessions()
    # The visitor's own session (weeks long) stays.
    assert BrowserSession.objects.filter(session_key=client.session.session_key).exists()


def test_expired_sessions_are_deleted_and_live_ones_kept() -> None:
    live, dead = SessionStore(), SessionStore()
    live["a"] = dead["a"] = 1
    live.save()
    dead.save()
    BrowserSession.objects.filter(session_key=dead.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    out = StringIO()

    call_command("purge_expired", "--older-than", "90", stdout=out)

    assert list(BrowserSession.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert "Deleted 1 expired session(s)." in out.getvalue()


def test_imports_kept_inside_sessions_by_earlier_versions_are_removed() -> None:
    old = SessionStore()
    old["wizard_profile_token"] = "abc"
    old["statement_import"] = {"version": 1, "merchants": [{"name": "Harbourside Clinic"}]}
    old["statement_import_at"] = 1_700_000_000
    old.save()
    out = StringIO()

    call_command("purge_expired", "--older-than", "90", stdout=out)

    assert SessionStore(old.session_key).load() == {"wizard_profile_token": "abc"}
    assert "Harbourside Clinic" not in everything_in_sessions()
    assert "Removed 1 old statement import(s)" in out.getvalue()
