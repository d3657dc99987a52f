"""`manage.py purge_profiles --older-than DAYS` deletes stale answers and their cached results."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from results.models import CachedResult
from wizard.models import SpendingProfile

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
    call_command("purge_profiles", "--older-than", "30", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 profile(s) older than 30 days."
    assert list(SpendingProfile.objects.all()) == [recent]
    assert not CachedResult.objects.exists()


def test_a_dry_run_only_counts() -> None:
    profile_last_changed(40)
    out = StringIO()
    call_command("purge_profiles", "--older-than", "30", "--dry-run", stdout=out)
    assert "1 profile(s) older than 30 days would be deleted." in out.getvalue()
    assert SpendingProfile.objects.count() == 1


@pytest.mark.parametrize("days", ["0", "-3", "soon"])
def test_a_bad_number_of_days_is_refused(days: str) -> None:
    with pytest.raises(CommandError):
        call_command("purge_profiles", "--older-than", days)
