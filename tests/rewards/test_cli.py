"""The `recommend` command: JSON shape, the table, and one-line errors with exit status 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rewards.catalog import Catalog
from rewards.cli.recommend import main
from tests.rewards.real_cards import (
    BLUE_CASH_PREFERRED,
    CUSTOM_CASH,
    DOUBLE_CASH,
    FREEDOM_FLEX,
    VENTURE_X,
    real_catalog,
)


@pytest.fixture
def catalog() -> Catalog:
    return real_catalog(BLUE_CASH_PREFERRED, CUSTOM_CASH, DOUBLE_CASH, FREEDOM_FLEX, VENTURE_X)


def run(catalog: Catalog, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), load_default_catalog=lambda: catalog, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_json_output_has_the_documented_shape(catalog: Catalog) -> None:
    status, out, err = run(
        catalog,
        "--spend",
        "groceries=600",
        "dining=250",
        "--wallet-size",
        "3",
        "--top",
        "2",
        "--json",
    )
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert list(data) == ["wallets"]
    assert list(data["wallets"]) == ["1", "2", "3"]
    for size, wallets in data["wallets"].items():
        assert len(wallets) == 2
        for wallet in wallets:
            assert list(wallet) == [
                "cards",
                "ongoing_value",
                "year_one_value",
                "annual_fees",
                "plan",
            ]
            assert len(wallet["cards"]) == int(size)
            for row in wallet["plan"]:
                assert list(row) == ["category", "card", "spend", "value"]
                assert row["spend"] == round(row["spend"], 2)
            spend = {
                c: sum(r["spend"] for r in wallet["plan"] if r["category"] == c)
                for c in ("groceries", "dining")
            }
            assert spend == {"groceries": 7200.0, "dining": 3000.0}


def test_json_values_are_dollars_rounded_to_cents(catalog: Catalog) -> None:
    status, out, _ = run(
        catalog, "--spend", "groceries=600", "--wallet-size", "1", "--top", "1", "--json"
    )
    best = json.loads(out)["wallets"]["1"][0]
    # Custom Cash: 5% on $500 a month ($300) + 1% on $100 a month ($12) = $312, no fee.
    assert best == {
        "cards": ["citi-custom-cash"],
        "ongoing_value": 312.0,
        "year_one_value": 512.0,
        "annual_fees": 0.0,
        "plan": [
            {"category": "groceries", "card": "citi-custom-cash", "spend": 7200.0, "value": 312.0}
        ],
    }


def test_wallet_size_limits_the_sizes_listed(catalog: Catalog) -> None:
    _, out, _ = run(catalog, "--spend", "groceries=100", "--wallet-size", "2", "--json")
    assert list(json.loads(out)["wallets"]) == ["1", "2"]


def test_the_table_names_cards_values_and_the_plan(catalog: Catalog) -> None:
    status, out, _ = run(catalog, "--spend", "groceries=600", "--wallet-size", "1", "--top", "1")
    assert status == 0
    assert "Best single cards" in out
    assert "1. Citi Custom Cash Card" in out
    assert "ongoing $312.00/yr, year one $512.00, annual fees $0.00" in out
    assert "Groceries" in out and "$7,200.00/yr" in out


def test_options_reach_the_engine(catalog: Catalog) -> None:
    _, out, _ = run(
        catalog,
        "--spend",
        "groceries=600",
        "--wallet-size",
        "1",
        "--held",
        "citi-double-cash",
        "--exclude-issuer",
        "Citi",
        "--max-fee",
        "100",
        "--rank",
        "year-one",
        "--json",
    )
    cards = [wallet["cards"] for wallet in json.loads(out)["wallets"]["1"]]
    assert cards == [["amex-blue-cash-preferred"], ["chase-freedom-flex"]]


def test_cents_per_point_overrides_change_values(catalog: Catalog) -> None:
    base = ["--spend", "drugstores=100", "--wallet-size", "1", "--kind", "points", "--json"]
    _, low, _ = run(catalog, *base)
    _, high, _ = run(catalog, *base, "--cpp", "chase_ur=2")
    assert json.loads(high)["wallets"]["1"][0]["ongoing_value"] == 72.0  # 3 × 2¢ × 1,200
    assert json.loads(low)["wallets"]["1"][0]["ongoing_value"] == 46.8  # 3 × 1.3¢ × 1,200


def test_a_catalog_file_replaces_the_default(tmp_path: Path, catalog: Catalog) -> None:
    from rewards.catalog import dumps_catalog

    path = tmp_path / "catalog.json"
    path.write_text(dumps_catalog(real_catalog(DOUBLE_CASH)), encoding="utf-8")
    status, out, _ = run(catalog, "--spend", "other=100", "--catalog", str(path), "--json")
    assert status == 0
    assert json.loads(out)["wallets"]["1"][0]["cards"] == ["citi-double-cash"]
    assert json.loads(out)["wallets"]["2"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--spend", "grocery=10"], "unknown spending category 'grocery'"),
        (["--spend", "groceries=-5"], "spend for 'groceries' must not be negative (got -5)"),
        (["--spend", "groceries=ten"], "spend for 'groceries' must be a number (got 'ten')"),
        (["--spend", "groceries"], "spend must be written NAME=NUMBER (got 'groceries')"),
        (["--spend", "groceries=1", "groceries=2"], "spend for 'groceries' is given twice"),
        (
            ["--spend", "gas=1", "--wallet-size", "0"],
            "argument --wallet-size: must be 1, 2 or 3 (got '0')",
        ),
        (
            ["--spend", "gas=1", "--wallet-size", "4"],
            "argument --wallet-size: must be 1, 2 or 3 (got '4')",
        ),
        (["--spend", "gas=1", "--top", "0"], "argument --top: must be at least 1 (got 0)"),
        (["--spend", "gas=1", "--held", "nope"], "unknown card 'nope'"),
        (["--spend", "gas=1", "--cpp", "gold=2"], "unknown currency 'gold'"),
        (
            ["--spend", "gas=1", "--cpp", "cash=x"],
            "cents per point for 'cash' must be a number (got 'x')",
        ),
        (["--spend", "gas=1", "--max-fee", "-1"], "--max-fee must not be negative (got -1)"),
        (["--spend", "gas=1", "--rank", "best"], "argument --rank: invalid choice: 'best'"),
        (["--spend", "gas=1", "--credit", "great"], "argument --credit: invalid choice: 'great'"),
        ([], "the following arguments are required: --spend"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    catalog: Catalog, argv: list[str], message: str
) -> None:
    status, out, err = run(catalog, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith(f"recommend: error: {message}")
    assert err.count("\n") == 1


def test_a_malformed_catalog_file_exits_2_listing_every_problem(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "creditcard-guru/catalog@1", "currencies": [], "cards": [{}]}')
    status, out, err = run(catalog, "--spend", "gas=1", "--catalog", str(path))
    assert (status, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"recommend: error: invalid catalog {path}: ")
    assert lines[0].endswith(" problems:")
    assert "  cards[0]: id: is required" in lines
    assert "  cards[0]: name: is required" in lines
    assert len(lines) == int(lines[0].split(": ")[-1].split()[0]) + 1
    missing = tmp_path / "missing.json"
    status, _, err = run(catalog, "--spend", "gas=1", "--catalog", str(missing))
    assert (status, err.count("\n")) == (2, 1)
    assert "cannot read" in err
