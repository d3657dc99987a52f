"""A few real cards as data/catalog.json describes them (2026-11-25), for worked examples."""

from __future__ import annotations

from typing import Any

from rewards.catalog import Catalog, parse_catalog
from tests.rewards.builders import card, catalog

CURRENCIES: list[dict[str, Any]] = [
    {"id": "cash", "name": "Cash back", "kind": "cash", "cents_per_point": 1},
    {"id": "chase_ur", "name": "Chase Ultimate Rewards", "kind": "points", "cents_per_point": 1.3},
    {
        "id": "capital_one_miles",
        "name": "Capital One Miles",
        "kind": "miles",
        "cents_per_point": 1.25,
    },
]

BLUE_CASH_PREFERRED = card(
    "amex-blue-cash-preferred",
    name="Blue Cash Preferred Card from American Express",
    issuer="American Express",
    network="amex",
    annual_fee=95,
    first_year_fee=0,
    foreign_fee_pct=2.7,
    rules=[
        {"categories": ["groceries"], "rate": 6, "cap": {"amount": 6000, "per": "year"}},
        {"categories": ["streaming"], "rate": 6},
        {"categories": ["gas", "transit"], "rate": 3},
    ],
    bonus={"points": 25000, "min_spend": 3000, "months": 6},
    credits=[{"name": "Disney Bundle credit", "amount": 84, "per": "year"}],
)
CUSTOM_CASH = card(
    "citi-custom-cash",
    name="Citi Custom Cash Card",
    issuer="Citi",
    network="mastercard",
    foreign_fee_pct=3,
    rules=[
        {
            "categories": ["dining", "gas", "groceries", "airfare", "hotels", "travel_other"]
            + ["transit", "streaming", "drugstores", "home_improvement", "entertainment"],
            "choose": 1,
            "pick": "top",
            "rate": 5,
            "cap": {"amount": 500, "per": "month"},
        }
    ],
    bonus={"points": 20000, "min_spend": 1500, "months": 6},
)
DOUBLE_CASH = card(
    "citi-double-cash",
    name="Citi Double Cash Card",
    issuer="Citi",
    network="mastercard",
    foreign_fee_pct=3,
    base_rate=2,
    bonus={"points": 20000, "min_spend": 1500, "months": 6},
)
FREEDOM_FLEX = card(
    "chase-freedom-flex",
    name="Chase Freedom Flex",
    issuer="Chase",
    network="mastercard",
    currency="chase_ur",
    foreign_fee_pct=3,
    rules=[
        {
            "rotating": {
                "Q1": ["dining"],
                "Q2": ["online_retail", "streaming"],
                "Q3": ["gas", "entertainment"],
                "Q4": [],
            },
            "rate": 5,
            "cap": {"amount": 1500, "per": "quarter"},
        },
        {"categories": ["dining", "drugstores"], "rate": 3},
    ],
    bonus={"points": 20000, "min_spend": 500, "months": 3},
)
CUSTOMIZED_CASH = card(
    "boa-customized-cash-rewards",
    name="Bank of America Customized Cash Rewards",
    issuer="Bank of America",
    foreign_fee_pct=3,
    shared_caps=[{"id": "combined", "amount": 2500, "per": "quarter"}],
    rules=[
        {
            "categories": ["gas", "online_retail", "dining", "airfare", "hotels", "car_rental"]
            + ["travel_other", "drugstores", "home_improvement"],
            "choose": 1,
            "rate": 3,
            "cap": "combined",
        },
        {"categories": ["groceries", "wholesale_clubs"], "rate": 2, "cap": "combined"},
    ],
    bonus={"points": 20000, "min_spend": 1000, "months": 3},
)
CASH_PLUS = card(
    "us-bank-cash-plus",
    name="U.S. Bank Cash+ Visa Signature Card",
    issuer="U.S. Bank",
    foreign_fee_pct=3,
    rules=[
        {
            "categories": ["phone_internet", "streaming", "utilities", "transit", "entertainment"],
            "choose": 2,
            "rate": 5,
            "cap": {"amount": 2000, "per": "quarter"},
        },
        {"categories": ["gas", "groceries", "dining"], "choose": 1, "rate": 2},
    ],
    bonus={"points": 20000, "min_spend": 1000, "months": 4},
)
VENTURE_X = card(
    "capital-one-venture-x",
    name="Capital One Venture X Rewards Credit Card",
    issuer="Capital One",
    currency="capital_one_miles",
    annual_fee=395,
    credit="excellent",
    base_rate=2,
    bonus={"points": 75000, "min_spend": 4000, "months": 3},
    credits=[{"name": "Capital One Travel credit", "amount": 300, "per": "year"}],
)


def real_catalog(*cards: dict[str, Any]) -> Catalog:
    """These cards as a parsed catalog."""
    return parse_catalog(catalog(*cards, currencies=CURRENCIES))
