"""web/db.py RowByField: the hot single-row reads give what the ORM gives (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import CatalogVersion
from web.db import RowByField
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
