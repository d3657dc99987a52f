"""Purchases recognisably made abroad or in a foreign currency (category `foreign`)."""

from __future__ import annotations

import re

from statements.places import (
    CANADIAN_CITIES,
    CANADIAN_PROVINCES,
    CURRENCY_CODES,
    DOMESTIC_COUNTRIES,
    FOREIGN_CITIES,
    FOREIGN_COUNTRY_CODES,
    US_STATES,
)

# Currency codes that are also English words ("TRY", "PEN", "COP") would misfire next to a number.
_CURRENCIES = "|".join(code for code in CURRENCY_CODES if code not in ("TRY", "PEN", "COP"))
# A currency's name counts only next to an amount: "EURO DELI" is a shop in Queens.
_NAMES = r"EUROS?|POUNDS? STERLING|CANADIAN DOLLARS?|MEXICAN PESOS?|JAPANESE YEN"
_MARKERS = re.compile(
    r"\bFOREIGN (?:SPEND|TRANSACTION|CURRENCY|EXCHANGE)\b|\bEXCH(?:ANGE|G)? RATE\b"
    r"|\bPURCHASE INTL\b|\bINTL PURCHASE\b|\bINTERNATIONAL (?:TRANSACTION|PURCHASE)\b"
    rf"|\b(?:{_CURRENCIES}) ?\d[\d,]*(?:\.\d+)?\b"
    rf"|\b\d[\d,]*(?:\.\d+)? ?(?:{_CURRENCIES}|{_NAMES})\b"
)
_FOREIGN_CITY_TAIL = re.compile(
    r"(?:^|\s)(?:" + "|".join(sorted(FOREIGN_CITIES, key=len, reverse=True)) + r")$"
)


def _place_is_foreign(text: str, *, min_tokens: int) -> bool:
    """Whether a descriptor or address ends with a foreign country, province or city."""
    tokens = text.split()
    # What trails a descriptor after its place: card and reference numbers, ZIP codes.
    while tokens and (tokens[-1] == "CARD" or any(char.isdigit() for char in tokens[-1])):
        tokens.pop()
    text = " ".join(tokens)
    if len(tokens) < min_tokens:
        return False
    last = tokens[-1]
    if last in US_STATES:
        return False
    if last in FOREIGN_COUNTRY_CODES or last in CANADIAN_PROVINCES:
        return True
    if last == "ON" and len(tokens) > 1 and tokens[-2] in CANADIAN_CITIES:
        return True
    return bool(_FOREIGN_CITY_TAIL.search(text))


def looks_foreign(
    description: str, *, location: str = "", country: str = "", details: str = ""
) -> bool:
    """Whether a purchase was made abroad or in a foreign currency; all texts normalised."""
    if country not in DOMESTIC_COUNTRIES:
        return True
    if any(_MARKERS.search(text) for text in (description, details) if text):
        return True
    if location and _place_is_foreign(location, min_tokens=1):
        return True
    # A short description ("CAFE PARIS") names a shop, not a place: ask for a merchant and a place.
    return _place_is_foreign(description, min_tokens=3)
