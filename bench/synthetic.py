"""Deterministic synthetic catalogs with a realistic mix of cards, for the engine benchmarks.

The archetypes and their shares follow the shipped catalog and the US market: flat-rate cash
cards, tiered no-fee cards, capped grocery/gas cards, rotating 5% cards, choose-N cards with
shared caps, pick-top cards, premium travel cards with credits, and airline and hotel co-brands.
Every rule variant the engine models appears, caps included.
"""

from __future__ import annotations

import random
from typing import Any

from rewards.catalog import Catalog, parse_catalog

CURRENCIES: list[dict[str, Any]] = [
    {"id": "cash", "name": "Cash back", "kind": "cash", "cents_per_point": 1},
    *(
        {"id": f"bank_{i}", "name": f"Bank points {i}", "kind": "points", "cents_per_point": cpp}
        for i, cpp in enumerate([1, 1.25, 1.3, 1.5, 1.6, 1.8])
    ),
    *(
        {"id": f"air_{i}", "name": f"Airline miles {i}", "kind": "miles", "cents_per_point": cpp}
        for i, cpp in enumerate([1, 1.1, 1.2, 1.3, 1.4, 1.5])
    ),
    *(
        {"id": f"hotel_{i}", "name": f"Hotel points {i}", "kind": "points", "cents_per_point": cpp}
        for i, cpp in enumerate([0.4, 0.5, 0.6, 0.7, 0.8, 1.5])
    ),
]
ISSUERS = [
    "Chase",
    "American Express",
    "Citi",
    "Capital One",
    "Discover",
    "Bank of America",
    "Wells Fargo",
    "U.S. Bank",
    "Barclays",
    "Synchrony",
    "PNC",
    "Navy Federal",
]
EVERYDAY = [
    "groceries",
    "dining",
    "gas",
    "streaming",
    "drugstores",
    "online_retail",
    "wholesale_clubs",
    "home_improvement",
    "utilities",
    "phone_internet",
    "entertainment",
    "transit",
]
TRAVEL = ["airfare", "hotels", "car_rental", "travel_other", "transit"]

# Monthly dollars. "household" is close to the BLS Consumer Expenditure Survey averages.
SPEND_PROFILES: dict[str, dict[str, float]] = {
    "household": {
        "groceries": 500,
        "dining": 300,
        "gas": 200,
        "airfare": 70,
        "hotels": 50,
        "car_rental": 10,
        "transit": 60,
        "travel_other": 20,
        "streaming": 40,
        "drugstores": 40,
        "online_retail": 250,
        "wholesale_clubs": 80,
        "home_improvement": 80,
        "utilities": 350,
        "phone_internet": 150,
        "entertainment": 80,
        "foreign": 30,
        "other": 800,
    },
    "foodie": {"groceries": 900, "dining": 700, "gas": 250, "streaming": 60, "other": 600},
    "traveller": {
        "groceries": 400,
        "dining": 600,
        "airfare": 600,
        "hotels": 500,
        "car_rental": 100,
        "transit": 200,
        "travel_other": 100,
        "foreign": 400,
        "other": 1500,
    },
    "light": {"groceries": 250, "gas": 80, "utilities": 150, "other": 200},
}


def _cap(rng: random.Random, amounts: list[int], pers: list[str]) -> dict[str, Any]:
    return {"amount": rng.choice(amounts), "per": rng.choice(pers)}


def _card(rng: random.Random, index: int) -> dict[str, Any]:
    kind = rng.choices(
        ["flat", "tiered", "capped", "rotating", "choose", "top", "premium", "airline", "hotel"],
        weights=[10, 20, 10, 4, 8, 4, 15, 16, 13],
    )[0]
    card: dict[str, Any] = {
        "id": f"synthetic-{index:05d}",
        "name": f"Synthetic {kind.title()} Card {index:05d}",
        "issuer": rng.choice(ISSUERS),
        "network": rng.choice(["visa", "mastercard", "amex", "discover"]),
        "currency": "cash",
        "annual_fee": 0,
        "credit": rng.choice(["excellent", "good", "good", "fair"]),
        "base_rate": 1,
        "rules": [],
        "source_url": "https://example.com/cards",
        "verified_on": "2026-10-15",
    }
    rules: list[dict[str, Any]] = card["rules"]
    if kind == "flat":
        card["base_rate"] = rng.choice([1.5, 1.5, 2])
    elif kind == "tiered":
        picks = rng.sample(EVERYDAY, rng.randint(1, 3))
        rules.append({"categories": picks[:1], "rate": rng.choice([3, 4])})
        if len(picks) > 1:
            rules.append({"categories": picks[1:], "rate": 2})
        if rng.random() < 0.3:
            card["annual_fee"] = rng.choice([39, 95])
            rules[0]["rate"] += 1
    elif kind == "capped":
        card["annual_fee"] = rng.choice([0, 0, 95])
        rate = 6 if card["annual_fee"] else 3
        rules.append(
            {
                "categories": rng.sample(["groceries", "gas", "wholesale_clubs", "streaming"], 1),
                "rate": rate,
                "cap": _cap(rng, [6000, 6000, 12000], ["year"]),
            }
        )
        rules.append({"categories": rng.sample(["gas", "transit", "dining"], 2), "rate": 3})
    elif kind == "rotating":
        quarters = {q: rng.sample(EVERYDAY, rng.randint(1, 3)) for q in ("Q1", "Q2", "Q3", "Q4")}
        rules.append({"rotating": quarters, "rate": 5, "cap": {"amount": 1500, "per": "quarter"}})
        if rng.random() < 0.5:
            rules.append({"categories": ["dining", "drugstores"], "rate": 3})
    elif kind == "choose":
        options = rng.sample(EVERYDAY, rng.randint(4, 8))
        if rng.random() < 0.5:
            card["shared_caps"] = [{"id": "combined", "amount": 2500, "per": "quarter"}]
            chosen = [name for name in options if name not in ("groceries", "wholesale_clubs")]
            rules.append({"categories": chosen, "choose": 1, "rate": 3, "cap": "combined"})
            rules.append(
                {"categories": ["groceries", "wholesale_clubs"], "rate": 2, "cap": "combined"}
            )
        else:
            rules.append(
                {
                    "categories": options,
                    "choose": 2,
                    "rate": 5,
                    "cap": {"amount": 2000, "per": "quarter"},
                }
            )
            rules.append({"categories": ["gas", "groceries", "dining"], "choose": 1, "rate": 2})
    elif kind == "top":
        rules.append(
            {
                "categories": rng.sample(EVERYDAY, rng.randint(5, 10)),
                "choose": 1,
                "pick": "top",
                "rate": 5,
                "cap": {"amount": 500, "per": "month"},
            }
        )
    elif kind == "premium":
        card["currency"] = rng.choice([c["id"] for c in CURRENCIES if c["id"].startswith("bank")])
        card["annual_fee"] = rng.choice([95, 95, 250, 325, 550, 695])
        travel_rate = 2 if card["annual_fee"] < 200 else rng.choice([3, 4, 5])
        rules.append({"categories": ["travel"], "rate": travel_rate})
        rules.append({"categories": ["dining"], "rate": rng.choice([2, 3, 4])})
        if rng.random() < 0.4:
            rules.append(
                {"categories": ["groceries"], "rate": 4, "cap": {"amount": 25000, "per": "year"}}
            )
        if card["annual_fee"] >= 250:
            card["credits"] = [
                {"name": "Travel credit", "amount": rng.choice([100, 200, 300]), "per": "year"}
            ]
    elif kind == "airline":
        card["currency"] = rng.choice([c["id"] for c in CURRENCIES if c["id"].startswith("air")])
        card["annual_fee"] = rng.choice([0, 95, 99, 150, 150, 550])
        rules.append({"categories": ["airfare"], "rate": rng.choice([2, 3, 4])})
        if rng.random() < 0.6:
            rules.append({"categories": rng.sample(["dining", "groceries", "gas"], 2), "rate": 2})
        if card["annual_fee"] and rng.random() < 0.5:
            card["first_year_fee"] = 0
    else:
        # Hotel points are worth less, so a programme gives more of them: about 1-1.5% back on
        # everything, 2-3 times that on two everyday categories, 5-10 times at the hotels.
        currency = rng.choice([c for c in CURRENCIES if c["id"].startswith("hotel")])
        card["currency"] = currency["id"]
        card["annual_fee"] = rng.choice([0, 95, 95, 250, 450])
        base = max(1, round(rng.choice([1.0, 1.25, 1.5]) / float(currency["cents_per_point"])))
        card["base_rate"] = base
        rules.append({"categories": ["hotels"], "rate": base * rng.choice([5, 6, 8, 10])})
        rules.append(
            {
                "categories": rng.sample(["dining", "groceries", "gas"], 2),
                "rate": base * rng.choice([2, 2, 3]),
            }
        )
    if card["annual_fee"] and kind in ("premium", "airline", "hotel"):
        card["foreign_fee_pct"] = 0 if rng.random() < 0.8 else 3
    else:
        card["foreign_fee_pct"] = rng.choice([0, 3, 3])
    if rng.random() < 0.8:
        card["bonus"] = {
            "points": rng.choice([20000, 50000, 60000, 75000, 100000]),
            "min_spend": rng.choice([500, 1000, 3000, 4000, 6000]),
            "months": 3,
        }
    if rng.random() < 0.05:
        card["business"] = True
    if card["foreign_fee_pct"] == 0:
        del card["foreign_fee_pct"]
    return card


def synthetic_catalog_dict(cards: int, seed: int = 2026) -> dict[str, Any]:
    """A catalog dict of `cards` cards, the same for the same arguments."""
    rng = random.Random(seed)
    return {
        "format": "creditcard-guru/catalog@1",
        "currencies": [dict(currency) for currency in CURRENCIES],
        "cards": [_card(rng, i) for i in range(cards)],
    }


def synthetic_catalog(cards: int, seed: int = 2026) -> Catalog:
    """The parsed synthetic catalog."""
    return parse_catalog(synthetic_catalog_dict(cards, seed))
