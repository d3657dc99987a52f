"""The `roadmap` command and what it shares with `recommend`: JSON, the table, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rewards.catalog import Catalog, parse_catalog
from rewards.cli.recommend import main as recommend_main
from rewards.cli.roadmap import main
from tests.rewards.builders import card, catalog

BONUS = {"points": 30000, "min_spend": 1500, "months": 3}


@pytest.fixture
def cards() -> Catalog:
    return parse_catalog(
        catalog(
            card("two-percent", base_rate=2, bonus=BONUS),
            card("travel-three", rules=[{"categories": ["travel"], "rate": 3}], annual_fee=95),
            card("grocer", rules=[{"categories": ["groceries"], "rate": 4}]),
        )
    )


def run(catalog: Catalog, *argv: str, command=main) -> tuple[int, str, str]:  # noqa: ANN001
    out, err = io.StringIO(), io.StringIO()
    status = command(list(argv), load_default_catalog=lambda: catalog, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


BASE = ["--today", "2026-12", "--json"]


def test_json_has_the_documented_shape(cards: Catalog) -> None:
    status, out, err = run(
        cards, "--spend", "groceries=600", "dining=300", "--months", "12", "--top", "2", *BASE
    )
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert set(data) == {"baseline", "plans", "blocked"}
    assert data["baseline"] == 0.0
    best = data["plans"][0]
    assert best["gain"] == best["value"]
    (app,) = [app for app in best["applications"] if app["card"] == "two-percent"]
    assert app == {
        "card": "two-percent",
        "month": app["month"],
        "calendar_month": f"2027-{app['month']:02d}",
        "bonus_counted": True,
        "bonus_value": 300.0,
        "bonus_reason": None,
        "min_spend_per_month": 500.0,
        "route": app["route"],
    }
    assert sum(row["spend"] for row in app["route"]) >= 500.0
    assert [row["month"] for row in best["months"]] == list(range(1, 13))
    assert len(data["plans"]) == 2


def test_held_cards_history_and_options_reach_the_engine(cards: Catalog) -> None:
    argv = ["--spend", "groceries=600", "--months", "24", "--max-new", "1", "--spacing", "2"]
    _, out, _ = run(cards, *argv, "--held", "grocer@2025-02", "--other-recent", "2", *BASE)
    data = json.loads(out)
    # The grocer's 4% on $600 for 24 months is the baseline; the best addition is the bonus.
    assert data["baseline"] == 576.0
    assert all(app["card"] != "grocer" for p in data["plans"] for app in p["applications"])
    _, out, _ = run(cards, *argv, "--bonus-history", "two-percent@2026-01", "--max-fee", "0", *BASE)
    assert json.loads(out)["plans"][0]["applications"][0]["card"] == "two-percent"


def test_the_table_lists_applications_and_bonuses(cards: Catalog) -> None:
    status, out, _ = run(cards, "--spend", "groceries=600", "--today", "2026-12")
    assert status == 0
    assert "Month 1 (2027-01): apply for Two Percent" in out
    assert "bonus $300.00 in month 3: spend $500.00 a month on it for 3 months" in out


def test_a_travel_group_and_any_case_are_accepted(cards: Catalog) -> None:
    _, split, _ = run(cards, "--spend", "TRAVEL=500", "--months", "12", *BASE)
    _, leaves, _ = run(
        cards,
        "--spend",
        *[f"{leaf}=100" for leaf in ("airfare", "hotels", "car_rental", "transit", "travel_other")],
        "--months",
        "12",
        *BASE,
    )
    assert split == leaves
    _, dashed, _ = run(cards, "--spend", "Car-Rental=500", "--months", "12", *BASE)
    _, plain, _ = run(cards, "--spend", "car_rental=500", "--months", "12", *BASE)
    assert dashed == plain


@pytest.mark.parametrize("command", [main, recommend_main])
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--spend", "food=1"], "unknown spending category 'food': use one of groceries, dining"),
        (
            ["--spend", "groceries=0", "dining=0"],
            "nothing to optimise: every category's spend is 0",
        ),
        (["--spend", "travel=100", "hotels=5"], "spend on 'travel' and on 'hotels' are both given"),
        (["--spend", "gas=x"], "spend for 'gas' must be a number (got 'x')"),
        (["--spend", "gas=1", "--cpp", "gold=2"], "unknown currency 'gold'"),
        ([], "the following arguments are required: --spend"),
    ],
)
def test_shared_bad_input_exits_2_with_one_line(
    cards: Catalog,
    command,
    argv: list[str],
    message: str,  # noqa: ANN001
) -> None:
    status, out, err = run(cards, *argv, command=command)
    assert (status, out) == (2, "")
    prog = "roadmap" if command is main else "recommend"
    assert err.startswith(f"{prog}: error: {message}"), err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--today", "2026-13"], "--today is not a real month"),
        (["--today", "December"], "--today must be a month written YYYY-MM"),
        (["--months", "18"], "argument --months: must be 12 or 24 (got '18')"),
        (["--max-new", "7"], "argument --max-new: must be from 0 to 6 (got 7)"),
        (["--spacing", "0"], "argument --spacing: must be from 1 to 12 (got 0)"),
        (["--other-recent", "-1"], "argument --other-recent: must be at least 0 (got -1)"),
        (["--held", "grocer"], "--held must be written ID@YYYY-MM (got 'grocer')"),
        (["--held", "grocer@2027-01", "--today", "2026-12"], "held card grocer opened in 2027-01"),
        (["--held", "grocer@2025-01", "grocer@2025-02"], "a held card is listed twice"),
        (["--held", "nope@2025-01"], "unknown held card 'nope'"),
        (["--bonus-history", "grocer@2031-01"], "the grocer bonus is dated 2031-01, after today"),
    ],
)
def test_roadmap_bad_input_exits_2_with_one_line(
    cards: Catalog, argv: list[str], message: str
) -> None:
    status, out, err = run(cards, "--spend", "gas=100", *argv)
    assert (status, out) == (2, "")
    assert err.startswith(f"roadmap: error: {message}"), err
    assert err.count("\n") == 1


def test_an_empty_catalog_says_so(tmp_path: Path) -> None:
    empty = parse_catalog(catalog())
    for command in (main, recommend_main):
        status, _, err = run(empty, "--spend", "gas=100", command=command)
        assert status == 2
        assert "the catalog has no cards: load the shipped one with" in err
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(catalog()))
    status, _, err = run(empty, "--spend", "gas=100", "--catalog", str(path))
    assert (status, err) == (2, f"roadmap: error: the catalog {path} has no cards\n")


def test_an_at1_catalog_file_works_and_an_invalid_one_lists_every_problem(
    tmp_path: Path, cards: Catalog
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(catalog(card("two-percent", base_rate=2, bonus=BONUS))))
    status, out, _ = run(cards, "--spend", "gas=600", "--catalog", str(good), *BASE)
    assert status == 0
    assert json.loads(out)["plans"][0]["applications"][0]["bonus_counted"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(catalog(card("a", base_rate=-1), card("b", network="nope"))))
    status, _, err = run(cards, "--spend", "gas=600", "--catalog", str(bad))
    lines = err.splitlines()
    assert status == 2 and lines[0] == f"roadmap: error: invalid catalog {bad}: 2 problems:"
    assert lines[1].startswith("  a: base_rate:") and lines[2].startswith("  b: network:")
