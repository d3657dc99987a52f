"""A plan request: the saved answers it builds on, the extra answers, and the month it was asked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from rewards.catalog import Catalog
from rewards.roadmap import RoadmapOptions
from rewards.roadmap.plans import FILTER_FIELDS
from wizard.models import SpendingProfile, new_token

# How many plans the page shows: the best and the next best with other card sets.
TOP_PLANS = 5


class PlanRequest(models.Model):
    """One "Plan my next cards" request, reachable by its unguessable token (the permalink).

    Its answers never change once saved, and the profile is frozen (results_shown_at) when the
    request is made, so the link keeps reproducing the same plan for the same catalog.
    """

    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    profile = models.ForeignKey(SpendingProfile, on_delete=models.CASCADE, related_name="+")
    # "YYYY-MM": the month the plan was asked in; month 1 of the plan is the month after it.
    today = models.CharField(max_length=7)
    # {"held": [[card id, "YYYY-MM"], ...], "other_recent_months": ["YYYY-MM", ...],
    #  "other_recent": n (cards whose month is not given), "bonus_history": [[id, "YYYY-MM"]],
    #  "months": 12|24, "max_new": n, "spacing": n}
    answers = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Plan {self.token[:6]}…"

    @property
    def cache_key(self) -> str:
        """Its key in the results cache (results.models.CachedResult, at most 40 characters)."""
        return f"plan:{self.token}"

    def held_ids(self) -> tuple[str, ...]:
        return tuple(card for card, _ in self.answers.get("held", []))

    def options(self, catalog: Catalog, *, top: int = TOP_PLANS) -> RoadmapOptions:
        """The roadmap's options: these answers plus the profile's filters and point values.

        Cards the catalog no longer has (retired since the plan was asked) are left out rather
        than failing the whole plan, as the results page does with held cards.
        """
        known = catalog.cards_by_id
        filters = self.profile.engine_input(catalog, top_n=1).options
        answers = self.answers
        return RoadmapOptions(
            today=self.today,
            months=int(answers["months"]),
            max_new=int(answers["max_new"]),
            spacing=int(answers["spacing"]),
            held=_pairs(answers.get("held", []), known),
            other_recent=int(answers.get("other_recent", 0)),
            other_recent_months=tuple(answers.get("other_recent_months", [])),
            bonus_history=_pairs(answers.get("bonus_history", []), known),
            top=top,
            **{name: getattr(filters, name) for name in FILTER_FIELDS},
        )


def _pairs(rows: Iterable[Any], known: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(card), str(month)) for card, month in rows if card in known)
