"""Fixtures for the catalog app: a small catalog file covering every rule variant."""

from __future__ import annotations

import copy
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.engine_catalog import clear_memo

SHIPPED_CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"

SMALL_CATALOG_V1: dict[str, Any] = {
    "format": "creditcard-guru/catalog@1",
    "currencies": [
        {"id": "cash", "name": "Cash back", "kind": "cash", "cents_per_point": 1},
        {"id": "bank_pts", "name": "Bank Points", "kind": "points", "cents_per_point": 1.5},
        {"id": "air_miles", "name": "Air Miles", "kind": "miles", "cents_per_point": 1.2},
    ],
    "cards": [
        {
            "id": "grocer-cash",
            "name": "Grocer Cash Preferred",
            "issuer": "American Express",
            "network": "amex",
            "currency": "cash",
            "annual_fee": 95,
            "first_year_fee": 0,
            "foreign_fee_pct": 2.7,
            "credit": "good",
            "base_rate": 1,
            "rules": [
                {"categories": ["groceries"], "rate": 6, "cap": {"amount": 6000, "per": "year"}},
                {"categories": ["streaming"], "rate": 6},
                {"categories": ["gas", "transit"], "rate": 3},
            ],
            "bonus": {"points": 25000, "min_spend": 3000, "months": 6},
            "credits": [{"name": "Streaming credit", "amount": 84, "per": "year"}],
            "source_url": "https://www.example.com/grocer-cash",
            "verified_on": "2026-10-15",
        },
        {
            "id": "quarterly-points",
            "name": "Quarterly Points Card",
            "issuer": "Example Bank",
            "network": "visa",
            "currency": "bank_pts",
            "annual_fee": 0,
            "credit": "good",
            "base_rate": 1,
            "rules": [
                {
                    "rotating": {
                        "Q1": ["groceries", "streaming"],
                        "Q2": ["gas", "home_improvement"],
                        "Q3": ["dining", "drugstores"],
                        "Q4": ["online_retail", "wholesale_clubs"],
                    },
                    "rate": 5,
                    "cap": {"amount": 1500, "per": "quarter"},
                },
                {"categories": ["dining", "drugstores"], "rate": 3},
            ],
            "bonus": {"points": 20000, "min_spend": 500, "months": 3},
            "source_url": "https://www.example.com/quarterly",
            "verified_on": "2025-01-10",
        },
        {
            "id": "top-category-cash",
            "name": "Top Category Cash",
            "issuer": "Example Bank",
            "network": "mastercard",
            "currency": "cash",
            "annual_fee": 0,
            "foreign_fee_pct": 3,
            "credit": "fair",
            "base_rate": 1,
            "rules": [
                {
                    "categories": ["dining", "gas", "groceries", "travel"],
                    "choose": 1,
                    "pick": "top",
                    "rate": 5,
                    "cap": {"amount": 500, "per": "month"},
                }
            ],
            "source_url": "https://www.example.com/top",
            "verified_on": "2026-09-01",
        },
        {
            "id": "shared-cap-cash",
            "name": "Shared Cap Cash Rewards",
            "issuer": "Zeta Bank",
            "network": "visa",
            "currency": "cash",
            "annual_fee": 0,
            "credit": "good",
            "base_rate": 1,
            "shared_caps": [{"id": "combined", "amount": 2500, "per": "quarter"}],
            "rules": [
                {
                    "categories": ["gas", "online_retail", "dining", "travel"],
                    "choose": 1,
                    "rate": 3,
                    "cap": "combined",
                },
                {"categories": ["groceries", "wholesale_clubs"], "rate": 2, "cap": "combined"},
            ],
            "bonus": {"points": 20000, "min_spend": 1000, "months": 3},
            "source_url": "https://www.example.com/shared",
            "verified_on": "2026-11-01",
        },
        {
            "id": "business-miles",
            "name": "Business Miles Plus",
            "issuer": "Zeta Bank",
            "network": "visa",
            "currency": "air_miles",
            "annual_fee": 150,
            "credit": "excellent",
            "business": True,
            "base_rate": 1.5,
            "rules": [{"categories": ["travel"], "rate": 5}],
            "credits": [{"name": "Travel credit", "amount": 25, "per": "quarter"}],
            "source_url": "https://www.example.com/miles",
            "verified_on": "2026-10-01",
        },
    ],
}


def _source(field: str | list[str], quote: str, date: str | None = "2024-06") -> dict[str, Any]:
    url = "https://www.example.com/terms"
    return {"field": field, "source_url": url, "source_date": date, "quote": quote}


def _as_v2(v1: dict[str, Any]) -> dict[str, Any]:
    """The small catalog in catalog@2: sources, status, a year-keyed calendar, issuer rules."""
    data = copy.deepcopy(v1)
    data["format"] = "creditcard-guru/catalog@2"
    for card in data["cards"]:
        card["status"] = "open"
        card["status_confirmed_on"] = card["verified_on"]
        facts = ["annual_fee", "rules"] + (["bonus"] if "bonus" in card else [])
        card["evidence"] = [_source(facts, f"The terms of the {card['name']}.")]
    flex = data["cards"][1]
    # Published for 2026 and the first quarter of 2027 only: 2027Q2 and Q3 are not announced.
    q = flex["rules"][0].pop("rotating")
    flex["rules"][0] = {
        "rotating": {
            "2026Q1": q["Q1"],
            "2026Q2": q["Q2"],
            "2026Q3": q["Q3"],
            "2026Q4": q["Q4"],
            "2027Q1": q["Q1"],
        },
        **flex["rules"][0],
    }
    flex["evidence"] = [_source(["annual_fee", "rules"], "5% in categories that rotate.", None)]
    flex["unconfirmed"] = [{"field": "bonus", "reason": "no source dated 2025 or later"}]
    flex["family"] = "quarterly"
    data["issuers"] = [
        {
            "name": "Example Bank",
            "rules": [
                {
                    "kind": "recent_cards",
                    "max": 5,
                    "months": 24,
                    "counts_business": False,
                    "evidence": [_source("max", "approved only with fewer than 5 new cards")],
                },
                {
                    "kind": "bonus_once",
                    "scope": "family",
                    "months": None,
                    "family": "quarterly",
                    "note": "once per family",
                    "evidence": [_source(["scope", "months"], "one bonus per family", None)],
                },
            ],
        }
    ]
    data = {key: data[key] for key in ("format", "currencies", "issuers", "cards")}
    return data


SMALL_CATALOG: dict[str, Any] = _as_v2(SMALL_CATALOG_V1)


@dataclass
class CommandResult:
    status: int
    stdout: str
    stderr: str


def run_command(name: str, *args: str) -> CommandResult:
    """Run a management command and capture its output and exit status."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return CommandResult(int(exit_.code or 0), out.getvalue(), err.getvalue())
    return CommandResult(0, out.getvalue(), err.getvalue())


@pytest.fixture
def small_catalog() -> dict[str, Any]:
    """A fresh copy of the small catalog, free to modify."""
    return copy.deepcopy(SMALL_CATALOG)


@pytest.fixture
def small_catalog_v1() -> dict[str, Any]:
    """The small catalog as a catalog@1 file."""
    return copy.deepcopy(SMALL_CATALOG_V1)


@pytest.fixture
def write_catalog(tmp_path: Path) -> Callable[..., Path]:
    """Write a catalog dict (or raw text) to a file and return its path."""
    counter = iter(range(1000))

    def write(data: dict[str, Any] | str) -> Path:
        path = tmp_path / f"catalog-{next(counter)}.json"
        text = data if isinstance(data, str) else json.dumps(data, indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def imported_small(db: None, small_catalog: dict[str, Any], write_catalog: Callable) -> dict:
    """The small catalog, imported; returns the dict that was imported."""
    result = run_command("import_cards", str(write_catalog(small_catalog)))
    assert result.status == 0, result.stderr
    return small_catalog


@pytest.fixture
def shipped_catalog_path() -> Path:
    if not SHIPPED_CATALOG.exists():
        pytest.skip("data/catalog.json is not there yet")
    return SHIPPED_CATALOG


@pytest.fixture(autouse=True)
def _fresh_engine_catalog_memo() -> None:
    # The memo is keyed on the version; rolled-back test databases must not share entries.
    clear_memo()


TODAY = datetime.date(2026, 12, 3)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Pin the site's idea of today (timezone.localdate) to 2026-12-03."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY
