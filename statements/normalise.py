"""Merchant names out of card descriptors, so one merchant's purchases group under one name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from statements.merchants import KEYWORDS, MERCHANTS
from statements.places import US_STATES

# Descriptions longer than this are cut before matching: no descriptor is longer, and it bounds
# the work the patterns do on a hostile file.
MAX_DESCRIPTION = 160

_SPACES = re.compile(r"\s+")
# Apostrophes vanish ("MCDONALD'S" -> "MCDONALDS"), and so do double quotes, straight or curly.
_DROPPED = re.compile(r"['\u2018\u2019`\u00b4\"\u201c\u201d]")
_HYPHENS = re.compile(r"[-_\u2013\u2014]")

# Bank wording in front of the merchant on checking and debit statements (Wells Fargo, Bank of
# America, U.S. Bank and others).
_BANK_PREFIX = re.compile(
    r"^(?:(?:RECURRING |INTL )?(?:PURCHASE|PAYMENT) (?:INTL |RETURN )?AUTHORIZED ON \d{1,2}/\d{1,2}"
    r"|CHECK ?CARD \d{4}|POS (?:PURCHASE|DEBIT|DB)|DEBIT CARD (?:PURCHASE|DEBIT)"
    r"|DBT CRD \d{4}(?: \d{2}/\d{2})?|MOBILE PURCHASE|VISA DDA PUR|DEBIT PURCHASE"
    r"|DOWNLOAD FROM USBANK\.COM\.?|WEB AUTHORIZED PMT|ACH DEBIT)\s+"
)
# Payment processors and point-of-sale systems that prefix the real merchant's name.
_PROCESSOR_PREFIX = re.compile(
    r"^(?:SQ|SQU|TST|PAYPAL|PP|SP|IN|BT|CKE|FSP|PY|ZSK|WPY|GGL|APL|LS|SPO|PAR|CLK|MSFT|SMK|"
    r"GOOGLE|DD|PAYPAL INST XFER)\s?\*\s*"
)
# Wells Fargo's "S463012345678 CARD 1234" and similar trailing references.
_CARD_SUFFIX = re.compile(r"\s+(?:[SP]\d{6,}\s+)?CARD\s+\d{4}$")
_PHONE = re.compile(r"\b(?:\d{3}|\(\d{3}\))[-. ]?\d{3}[-. ]?\d{4}\b")
_US_CITIES = frozenset(
    (
        "NEW YORK",
        "BROOKLYN",
        "LOS ANGELES",
        "CHICAGO",
        "HOUSTON",
        "PHOENIX",
        "PHILADELPHIA",
        "SAN ANTONIO",
        "SAN DIEGO",
        "DALLAS",
        "AUSTIN",
        "SAN JOSE",
        "SAN FRANCISCO",
        "OAKLAND",
        "SEATTLE",
        "PORTLAND",
        "DENVER",
        "BOSTON",
        "ATLANTA",
        "MIAMI",
        "ORLANDO",
        "TAMPA",
        "NASHVILLE",
        "MINNEAPOLIS",
        "DETROIT",
        "LAS VEGAS",
        "WASHINGTON",
        "BALTIMORE",
        "CHARLOTTE",
        "COLUMBUS",
        "INDIANAPOLIS",
        "SACRAMENTO",
        "KANSAS CITY",
        "ST LOUIS",
        "SALT LAKE CITY",
        "PITTSBURGH",
        "CINCINNATI",
        "CLEVELAND",
        "RALEIGH",
        "NEW ORLEANS",
        "HONOLULU",
        "ANCHORAGE",
        "BERKELEY",
        "PALO ALTO",
        "SANTA MONICA",
        "JERSEY CITY",
    )
)
_CITY_TAIL = re.compile(r"\s(?:" + "|".join(sorted(_US_CITIES, key=len, reverse=True)) + r")$")
_STARTS = re.compile(r"[A-Z0-9]+|[^A-Z0-9\s]")
_NO_VOWEL = re.compile(r"^[^AEIOUY]+$")
_MAX_WORDS = 4


def normalise(text: str) -> str:
    """Upper case without accents, quotes dropped, hyphens as spaces, one space between words."""
    text = text[:MAX_DESCRIPTION]
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in text if not unicodedata.combining(char))
    return _SPACES.sub(" ", _HYPHENS.sub(" ", _DROPPED.sub("", text.upper()))).strip()


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression ("A|B(C|D)" -> ["A", "B(C|D)"])."""
    parts, depth, start, escaped = [], 0, 0, False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    parts.append(pattern[start:])
    return parts


def _literal_prefix(pattern: str) -> str:
    """The first characters every match of a pattern starts with, as far as they are plain."""
    pattern = pattern.removeprefix("^")
    prefix = ""
    for index, char in enumerate(pattern):
        following = pattern[index + 1 : index + 2]
        if not (char.isalnum() or char == " ") or following in ("?", "*", "+", "{"):
            break
        prefix += char
    return prefix


class PatternTable:
    """Patterns matched on word edges, leftmost match first, then the first listed."""

    # One alternation of some 600 patterns costs milliseconds per description in Python's regex
    # engine; indexing each pattern by the first two characters it must start with makes it a
    # few tries per word instead.

    # A pattern matches on word edges, whether its own last character is a letter ("SHELL")
    # or punctuation ("TST*"): the edge test looks at the matched text itself.
    _END = r"(?:(?<=[^A-Z0-9])|(?![A-Z0-9]))"

    def __init__(self, patterns: list[str]) -> None:
        self._by_two: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        self._by_one: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        self._always: list[tuple[int, re.Pattern[str]]] = []
        self._cache: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        for index, pattern in enumerate(patterns):
            for alternative in _alternatives(pattern):
                compiled = re.compile(f"(?:{alternative}){self._END}")
                prefix = _literal_prefix(alternative)
                if len(prefix) >= 2:
                    self._by_two.setdefault(prefix[:2], []).append((index, compiled))
                elif prefix:
                    self._by_one.setdefault(prefix, []).append((index, compiled))
                else:
                    self._always.append((index, compiled))

    def _candidates(self, start: str) -> list[tuple[int, re.Pattern[str]]]:
        """The patterns that may match where the text starts with these two characters."""
        found = self._cache.get(start)
        if found is None:
            found = sorted(
                self._by_two.get(start, []) + self._by_one.get(start[:1], []) + self._always,
                key=lambda item: item[0],
            )
            # Only ASCII pairs are kept: at most 128 x 128 of them, however many files arrive.
            if start.isascii():
                self._cache[start] = found
        return found

    def search(self, text: str) -> int | None:
        """The index of the pattern that matches text, or None."""
        # A pattern can start where a word starts or on a punctuation mark, nowhere else.
        for start in _STARTS.finditer(text):
            position = start.start()
            for index, compiled in self._candidates(text[position : position + 2]):
                if compiled.match(text, position):
                    return index
        return None


_BRANDS = PatternTable([pattern for _, _, pattern in MERCHANTS])
_KEYWORDS = PatternTable([pattern for _, pattern in KEYWORDS])


@dataclass(frozen=True, slots=True)
class Merchant:
    """Who a purchase went to, as far as its description tells."""

    key: str
    name: str
    # From a brand pattern; "other" names a shop without claiming a bonus category.
    brand_category: str | None = None
    # From a generic keyword ("PHARMACY"), when no brand matched.
    keyword_category: str | None = None


def strip_bank_wording(text: str) -> str:
    """A normalised description without the bank's own prefixes and card-number suffixes."""
    for _ in range(3):
        stripped = _CARD_SUFFIX.sub("", _BANK_PREFIX.sub("", text))
        if stripped == text:
            break
        text = stripped
    return text


def slug(text: str) -> str:
    """A short lower-case key made of the letters and digits of a name."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:60] or "unknown"


def display_name(cleaned: str) -> str:
    """A cleaned upper-case descriptor as a person would write it ("JOES BBQ" -> "Joes BBQ")."""
    return " ".join(
        word if _NO_VOWEL.match(word) and word.isalpha() else word.capitalize()
        for word in cleaned.split()
    )


def _clean(text: str) -> str:
    """The merchant part of a descriptor that no brand pattern knows."""
    for _ in range(3):
        stripped = _PROCESSOR_PREFIX.sub("", text)
        if stripped == text:
            break
        text = stripped
    # Fixed-width descriptors put two or more spaces between merchant, city and state.
    text = text.split("#", 1)[0] if not text.startswith("#") else text
    head, star, _ = text.partition("*")
    if star and head.strip():
        text = head  # after the star: an order or reference number
    text = _PHONE.sub(" ", text.replace("*", " "))
    words = text.split()
    # Store numbers, references and ZIP codes: any word with digits after the first word
    # ("7 ELEVEN" and "99 RANCH" keep theirs).
    words = words[:1] + [word for word in words[1:] if not any(c.isdigit() for c in word)]
    while len(words) > 1 and words[-1] in US_STATES:
        words.pop()
    text = _CITY_TAIL.sub("", " ".join(words)) if len(words) > 2 else " ".join(words)
    words = [word for word in text.split() if word not in ("STORE", "STR", "NO", "NO.")]
    return " ".join(words[:_MAX_WORDS]).strip(" .,/&-")


def identify(description: str, hint: str = "") -> Merchant:
    """The merchant of a purchase from its description and the bank's merchant column, if any."""
    text = strip_bank_wording(normalise(description))
    hint = normalise(hint)
    for candidate in (hint, text):
        index = _BRANDS.search(candidate) if candidate else None
        if index is not None:
            category, name, _ = MERCHANTS[index]
            return Merchant(slug(name), name, brand_category=category)
    keyword = _KEYWORDS.search(hint) if hint else None
    if keyword is None:
        keyword = _KEYWORDS.search(text)
    cleaned = _clean(hint or text) or text[:40] or "UNKNOWN"
    return Merchant(
        slug(cleaned),
        display_name(cleaned),
        keyword_category=KEYWORDS[keyword][0] if keyword is not None else None,
    )
