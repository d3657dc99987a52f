"""The plan's engine job hands over the best plan before the alternatives are searched."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plans.compute import plan_job
from rewards.catalog import load_catalog
from rewards.roadmap import RoadmapOptions
from tests.conftest import SHIPPED_CATALOG
from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY

OPTIONS = RoadmapOptions(today="2026-12", months=24, max_new=3, spacing=3, top=5)


def test_the_best_plan_is_reported_while_the_alternatives_are_still_searched() -> None:
    catalog = load_catalog(SHIPPED_CATALOG)
    spend = {category: Decimal(amount) for category, amount in TYPICAL_US_HOUSEHOLD_MONTHLY.items()}
    reports: list[tuple[Any, ...]] = []
    nodes_when_best: list[int] = []

    def report(payload: tuple[Any, ...]) -> None:
        reports.append(payload)
        if payload[0] == "best":
            nodes_when_best.append(payload[1].stats.nodes)  # read now: the search goes on

    kind, result, keep = plan_job(spend, OPTIONS, catalog, report, lambda: False)
    assert kind == "plans" and len(result.plans) == 5
    bests = [payload for payload in reports if payload[0] == "best"]
    assert len(bests) == 1
    _, best, best_keep = bests[0]
    # The same best plan and the same rules in its way as the finished search's, with the
    # same baseline to set it against.
    assert best.plans == result.plans[:1]
    assert best.blocked == result.blocked
    assert best_keep == keep
    # Handed over before the search for the four alternatives was done.
    assert nodes_when_best[0] < result.stats.nodes


def test_with_no_card_worth_opening_the_best_plan_is_to_keep_the_cards() -> None:
    catalog = load_catalog(SHIPPED_CATALOG)
    reports: list[tuple[Any, ...]] = []
    options = RoadmapOptions(today="2026-12", months=12, max_new=0, top=1)
    kind, result, _ = plan_job({"groceries": Decimal("1")}, options, catalog, reports.append, bool)
    assert kind == "plans" and result.plans[0].cards == ()
    assert [payload[0] for payload in reports if payload[0] == "best"] == ["best"]
