"""The results payload carries the year one's order and what opening cards one after another
costs against the full-year math (rewards.roadmap.year_one)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from results.payloads import card_infos, ranking_payload
from rewards.catalog import load_catalog
from rewards.engine import Options, evaluate_wallet, recommend
from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def test_the_payload_says_in_which_order_and_what_it_costs() -> None:
    catalog = load_catalog(SHIPPED, today=date(2026, 12, 3))
    spend = dict(TYPICAL_US_HOUSEHOLD_MONTHLY)
    options = Options(wallet_sizes=(3,), top_n=1, rank="year_one")
    recommendation = recommend(catalog, spend, options)
    wallet = recommendation.wallets[3][0]
    payload = ranking_payload(recommendation, catalog, options)["sizes"][0]["wallets"][0]
    assert [o["card"] for o in payload["openings"]] == [o.card for o in wallet.openings]
    assert [o["month"] for o in payload["openings"]] == [1, 4, 7]
    expected = (
        wallet.ongoing_value
        + wallet.bonuses
        + wallet.annual_fees
        - wallet.first_year_fees
        - wallet.year_one_value
    )
    assert expected > 0 and payload["year_one_timing"] == str(expected)
    # A wallet whose cards cannot all be opened within a year has no year-one figure.
    discover = evaluate_wallet(catalog, spend, ("discover-it-cash-back", "discover-it-miles"))
    assert discover.year_one_value is None and discover.openings == ()
    assert card_infos(catalog)["discover-it-miles"].issuer == "Discover"
