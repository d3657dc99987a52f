"""What the plan page shows of a computed roadmap: the steps in words, the rule that blocks a
card and until when, and the chart's numbers (checked against the engine's own month rows)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from plans.chart import chart
from plans.payloads import plan_payload
from rewards.catalog import load_catalog
from rewards.roadmap import RoadmapOptions, roadmap

CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
SPEND = {"groceries": 700, "dining": 300, "other": 900}


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog(CATALOG)


def test_five_recent_cards_put_chase_off_until_the_oldest_is_24_months_old(catalog) -> None:  # type: ignore[no-untyped-def]
    answers = {
        "held": [["citi-double-cash", "2026-06"]],
        "other_recent_months": ["2025-06", "2026-01", "2026-02", "2026-03"],
    }
    options = RoadmapOptions(
        today="2026-12",
        months=12,
        max_new=1,
        spacing=3,
        held=(("citi-double-cash", "2026-06"),),
        other_recent_months=tuple(answers["other_recent_months"]),
        top=2,
        excluded_issuers=frozenset({"American Express"}),
    )
    result = roadmap(catalog, SPEND, options)
    keep = roadmap(catalog, SPEND, replace(options, max_new=0, top=1))
    payload = plan_payload(result, keep, catalog, answers)
    blocked = payload["blocked"][0]
    # 2025-06 is the oldest of five cards: it leaves the last 24 months in June 2027.
    assert blocked["sentence"] == "Chase: you are at 5/24 until June 2027"
    assert blocked["card"] == "chase-aeroplan" and blocked["url"] == "/cards/chase-aeroplan/"
    step = payload["best"]["steps"][0]
    assert (step["card"], step["month"], step["label"]) == ("chase-aeroplan", 6, "June 2027")
    assert step["bonus_counted"] and step["min_spend"] and step["by_label"]
    assert payload["start_label"] == "January 2027" and payload["end_label"] == "December 2027"
    # The chart's last cumulative values are the plan's value and the baseline.
    rows = payload["best"]["chart"]["rows"]
    assert len(rows) == 12 and rows[0]["month"] == "Jan 2027"
    assert abs(Decimal(rows[-1]["plan"]) - result.plans[0].value) <= Decimal("0.12")
    assert abs(Decimal(rows[-1]["keep"]) - result.baseline) <= Decimal("0.12")


def test_the_chart_lines_and_labels() -> None:
    months = ["2027-01", "2027-02", "2027-03"]
    net = [Decimal("-40"), Decimal("100"), Decimal("500")]
    keep = [Decimal("10"), Decimal("10"), Decimal("10")]
    drawn = chart(months, net, keep, [1])
    assert [r["plan"] for r in drawn["rows"]] == ["-40", "60", "560"]
    assert [r["keep"] for r in drawn["rows"]] == ["10", "20", "30"]
    assert len(drawn["plan_points"].split()) == 4  # the origin and one point a month
    top, bottom = drawn["ticks"][-1], drawn["ticks"][0]
    assert top["label"] == "$560" and bottom["label"] == "−$40"
    # The highest value is drawn at the top of the plot, the lowest at its bottom.
    assert top["y"] < bottom["y"]
    assert len(drawn["dots"]) == 1 and drawn["first_label"] == "Jan 2027"
