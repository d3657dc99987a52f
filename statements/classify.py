"""The category of one purchase: user's choice, abroad, bank's category, merchant rules, other.

Order, first that applies wins (docs/statements.md explains why):
1. a move the person made in the review table (applied later, per merchant, in the summary);
2. `foreign` when the purchase was recognisably made abroad or in a foreign currency;
3. the bank's own category when our mapping calls it specific ("Groceries", "Restaurants");
4. a brand from statements/merchants.py ("other" brands too: "JIFFY LUBE" under Capital One's
   broad "Gas/Automotive" is no gas station);
5. a generic keyword from statements/merchants.py ("PHARMACY", "PARKING");
6. the default of the bank's broad category ("Travel" -> travel_other, "Shopping" -> other);
7. `other`.
"""

from __future__ import annotations

import re

from rewards.categories import LEAF_CATEGORIES
from statements.normalise import Merchant

# Values of a bank's category mapping: "dining" is specific and trusted over merchant rules;
# "~travel_other" is broad, a default that merchant rules refine ("Travel" + "DELTA AIR" ->
# airfare); "!payments" marks a row that is no purchase, with the reason it is skipped.
BROAD = "~"
SKIP = "!"

_KEY = re.compile(r"[^a-z0-9]+")


def category_key(text: str) -> str:
    """A bank category as a lookup key: lower case, "&" as "and", punctuation as spaces."""
    return _KEY.sub(" ", text.lower().replace("&", " and ")).strip()


def check_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """A bank category mapping with its keys normalised, refusing unknown categories."""
    checked = {}
    for name, value in mapping.items():
        target = value.lstrip(BROAD)
        if not value.startswith(SKIP) and target not in LEAF_CATEGORIES:
            raise ValueError(f"{name!r} maps to unknown category {value!r}")
        checked[category_key(name)] = value
    return checked


def bank_category(mapping: dict[str, str], raw: str) -> str | None:
    """The mapping's value for a bank category ("Travel-Airline" falls back to "Travel")."""
    if not raw.strip():
        return None
    value = mapping.get(category_key(raw))
    if value is None and "-" in raw:
        value = mapping.get(category_key(raw.split("-", 1)[0]))
    return value


def choose(merchant: Merchant, bank: str | None, *, foreign: bool) -> str:
    """The automatic category of a purchase (steps 2 to 7 above)."""
    if foreign:
        return "foreign"
    if bank and not bank.startswith((BROAD, SKIP)):
        return bank
    if merchant.brand_category:
        return merchant.brand_category
    if merchant.keyword_category:
        return merchant.keyword_category
    if bank and bank.startswith(BROAD):
        return bank[len(BROAD) :]
    return "other"
