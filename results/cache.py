"""The results cache: one row per (profile, inputs fingerprint, catalog version, key).

`lookup` is the one place that decides what a profile's result already has and what is still
to compute; the page, the no-JavaScript computation and the live stream all ask it.
`page_identity` is what a cached results page is found by, in one read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone

from catalog.engine_catalog import engine_version
from catalog.models import CatalogVersion
from results.models import CachedResult
from results.payloads import top_pick
from web.db import RowByField
from wizard.models import SpendingProfile

# The payloads' shape is part of their keys: a page rendering a new shape must never read an
# older one cached before it (2: the answer, money lines and charts came in; 3: the answer is the
# engine's pick across sizes, not the largest size's best, and the insights explain that wallet,
# so neither may sit beside an older one).
RANKING_KEY = "ranking:3"


def insight_key(category: str) -> str:
    return f"insight:3:{category}"


@dataclass(frozen=True)
class CachedState:
    """What is cached for one profile's current answers under one catalog version."""

    ranking: dict[str, Any] | None
    # Categories the result explains (those with spend, in wizard order; none when nothing
    # passes the filters, as there is no top pick to explain).
    categories: list[str]
    insights: dict[str, dict[str, Any]]

    @property
    def pending(self) -> list[str]:
        """Insight categories still to compute."""
        return [category for category in self.categories if category not in self.insights]

    @property
    def complete(self) -> bool:
        return self.ranking is not None and not self.pending


def lookup(profile: SpendingProfile, version: str) -> CachedState:
    """The cached ranking and insights of the profile's current answers, and what is missing."""
    found = dict(
        CachedResult.objects.filter(
            profile=profile, fingerprint=profile.fingerprint(), catalog_version=version
        ).values_list("key", "payload")
    )
    ranking = found.get(RANKING_KEY)
    categories = profile.spending_categories()
    if ranking is not None and top_pick(ranking) is None:
        categories = []
    insights = {c: found[insight_key(c)] for c in categories if insight_key(c) in found}
    return CachedState(ranking=ranking, categories=categories, insights=insights)


def store(profile: SpendingProfile, version: str, key: str, payload: dict[str, Any]) -> None:
    """Cache a payload; a concurrent viewer storing the same result first is fine."""
    try:
        with transaction.atomic():
            CachedResult.objects.create(
                profile=profile,
                fingerprint=profile.fingerprint(),
                catalog_version=version,
                key=key,
                payload=payload,
            )
    except IntegrityError:
        pass


def mark_shown(profile: SpendingProfile) -> None:
    """Freeze the profile's answers: from now on edits go to a copy, so the permalink holds."""
    if profile.results_shown_at is None:
        SpendingProfile.objects.filter(pk=profile.pk, results_shown_at__isnull=True).update(
            results_shown_at=timezone.now()
        )
        profile.results_shown_at = timezone.now()


def page_identity(token: str) -> tuple[str, str] | None:
    """(the profile's saved inputs fingerprint, the engine version) for a results link, in one
    query; None when there is no such profile, it was saved before fingerprints were stored,
    or the catalog has no version row yet (the page then takes the full path).

    A cached results page is keyed by the token, these two and the request's kind, so a hit
    needs nothing else of the profile: the same fingerprint means the same answers, which had
    spending when the page was rendered. Reading the profile and the catalog version as two
    model rows and hashing the answers cost about 110 µs of a cached page's ~630 (in process,
    SQLite), this read about 17 (issue 14).
    """
    row = _identity_by_token.values(token)
    if row is None or not row["inputs_fingerprint"] or row["catalog_version"] is None:
        return None
    return row["inputs_fingerprint"], engine_version(catalog_version=row["catalog_version"])


# The profile's saved fingerprint and the catalog version (a scalar subquery), in one statement.
_identity_by_token: RowByField[SpendingProfile] = RowByField(
    SpendingProfile,
    "token",
    only=("inputs_fingerprint",),
    annotations={
        "catalog_version": Subquery(CatalogVersion.objects.filter(pk=1).values("value")[:1])
    },
)
