"""Spending categories shared by the catalog, the engine, the wizard and statement import."""

from __future__ import annotations

# Leaf categories, in the order the wizard shows them (docs/design.md section 4).
LEAF_CATEGORIES: tuple[str, ...] = (
    "groceries",
    "dining",
    "gas",
    "airfare",
    "hotels",
    "car_rental",
    "transit",
    "travel_other",
    "streaming",
    "drugstores",
    "online_retail",
    "wholesale_clubs",
    "home_improvement",
    "utilities",
    "phone_internet",
    "entertainment",
    "foreign",
    "other",
)

CATEGORY_LABELS: dict[str, str] = {
    "groceries": "Groceries",
    "dining": "Dining and delivery",
    "gas": "Gas and EV charging",
    "airfare": "Airfare",
    "hotels": "Hotels",
    "car_rental": "Car rental",
    "transit": "Transit, rideshare, parking and tolls",
    "travel_other": "Other travel",
    "streaming": "Streaming services",
    "drugstores": "Drugstores",
    "online_retail": "Online shopping",
    "wholesale_clubs": "Wholesale clubs",
    "home_improvement": "Home improvement",
    "utilities": "Utilities",
    "phone_internet": "Phone and internet",
    "entertainment": "Entertainment",
    "foreign": "Purchases abroad",
    "other": "Everything else",
}

# Groups that card rules may name instead of listing their leaves.
CATEGORY_GROUPS: dict[str, tuple[str, ...]] = {
    "travel": ("airfare", "hotels", "car_rental", "transit", "travel_other"),
}

RULE_CATEGORIES: frozenset[str] = frozenset(LEAF_CATEGORIES) | frozenset(CATEGORY_GROUPS)


def expand(categories: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Leaf categories covered by a list of leaves and groups, in wizard order, without repeats."""
    wanted: set[str] = set()
    for name in categories:
        wanted.update(CATEGORY_GROUPS.get(name, (name,)))
    return tuple(leaf for leaf in LEAF_CATEGORIES if leaf in wanted)
