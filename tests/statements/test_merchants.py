"""The merchant table and the normaliser that groups one merchant's purchases under one name."""

from __future__ import annotations

import re

import pytest

from rewards.categories import LEAF_CATEGORIES
from statements.merchants import KEYWORDS, MERCHANTS
from statements.normalise import identify, normalise


def test_the_table_holds_a_few_hundred_merchants_in_known_categories() -> None:
    assert len(MERCHANTS) >= 300
    assert {category for category, _, _ in MERCHANTS} <= set(LEAF_CATEGORIES)
    assert {category for category, _ in KEYWORDS} <= set(LEAF_CATEGORIES)
    for _, _, pattern in MERCHANTS:
        re.compile(pattern)


def test_one_name_means_one_category() -> None:
    categories: dict[str, str] = {}
    for category, name, _ in MERCHANTS:
        assert categories.setdefault(name, category) == category, name


def test_the_table_covers_every_kind_of_merchant_the_issue_lists() -> None:
    covered = {category for category, _, _ in MERCHANTS}

    assert covered >= {
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
    }


@pytest.mark.parametrize(
    ("description", "name", "category"),
    [
        ("SAFEWAY #1234 SAN FRANCISCO CA", "Safeway", "groceries"),
        ("WHOLEFDS SFO 10234", "Whole Foods Market", "groceries"),
        ("TRADER JOE'S #552 QPS", "Trader Joe's", "groceries"),
        ("H-E-B #123", "H-E-B", "groceries"),
        ("INSTACART*SUBSCRIPTION", "Instacart", "groceries"),
        ("STARBUCKS STORE 12345", "Starbucks", "dining"),
        ("MCDONALD'S F12345", "McDonald's", "dining"),
        ("CHICK-FIL-A #01234", "Chick-fil-A", "dining"),
        ("DD *DOORDASH BURGERJOINT", "DoorDash", "dining"),
        ("UBER *EATS PENDING", "Uber Eats", "dining"),
        ("UBER   *TRIP HELP.UBER.COM", "Uber", "transit"),
        ("LYFT   *RIDE SUN 9PM", "Lyft", "transit"),
        ("SHELL OIL 57444181007", "Shell", "gas"),
        ("EXXONMOBIL 4512", "ExxonMobil", "gas"),
        ("COSTCO GAS #0123", "Costco Gas", "gas"),
        ("COSTCO WHSE #0123", "Costco", "wholesale_clubs"),
        ("SAMS CLUB #6543", "Sam's Club", "wholesale_clubs"),
        ("DELTA AIR 0062345678901", "Delta Air Lines", "airfare"),
        ("UNITED 0162345678901", "United Airlines", "airfare"),
        ("MARRIOTT DENVER DOWNTOWN", "Marriott", "hotels"),
        ("HAMPTON INN BOSTON", "Hilton", "hotels"),
        ("HERTZ RENT-A-CAR SEATTLE", "Hertz", "car_rental"),
        ("E-ZPASS REPLENISH", "E-ZPass", "transit"),
        ("PARKMOBILE 2", "ParkMobile", "transit"),
        ("NETFLIX.COM", "Netflix", "streaming"),
        ("AMAZON PRIME VIDEO", "Amazon Prime Video", "streaming"),
        ("AMZN MKTP US*2K4JD81A3", "Amazon", "online_retail"),
        ("CVS/PHARMACY #01234", "CVS", "drugstores"),
        ("THE HOME DEPOT #0612", "The Home Depot", "home_improvement"),
        ("LOWES #01234*", "Lowe's", "home_improvement"),
        ("LOWES FOODS #120", "Lowes Foods", "groceries"),
        ("PG&E WEBRECURRING", "PG&E", "utilities"),
        ("VERIZON WIRELESS", "Verizon", "phone_internet"),
        ("T-MOBILE*AUTO PAY", "T-Mobile", "phone_internet"),
        ("FRONTIER AIRLINES", "Frontier Airlines", "airfare"),
        ("FRONTIER COMM", "Frontier Communications", "phone_internet"),
        ("SONIC DRIVE IN #1234", "Sonic Drive-In", "dining"),
        ("TICKETMASTER", "Ticketmaster", "entertainment"),
        ("WAL-MART #1234", "Walmart", "other"),
        ("WALMART.COM 8009666546", "Walmart.com", "online_retail"),
        ("TARGET 00012345", "Target", "other"),
    ],
)
def test_brands_are_named_and_categorised(description: str, name: str, category: str) -> None:
    merchant = identify(description)

    assert (merchant.name, merchant.brand_category) == (name, category)


def test_a_pattern_matches_whole_words_only() -> None:
    assert identify("SHELLFISH SHACK").brand_category is None
    assert identify("AVISTA UTILITIES").brand_category is None
    assert identify("BPX TRADING").brand_category is None


@pytest.mark.parametrize(
    ("description", "name", "category"),
    [
        ("SQ *SUNRISE TAQUERIA ORLANDO FL", "Sunrise Taqueria", "dining"),
        ("TST* LITTLE BIRD", "Little Bird", "dining"),
        ("CITY OF OAKLAND PARKING", "City Of Oakland Parking", "transit"),
        ("MAIN STREET PHARMACY", "Main Street Pharmacy", "drugstores"),
        ("GREEN LEAF HARDWARE 0042", "Green Leaf Hardware", "home_improvement"),
    ],
)
def test_generic_words_categorise_merchants_no_brand_knows(
    description: str, name: str, category: str
) -> None:
    merchant = identify(description)

    assert (merchant.name, merchant.brand_category, merchant.keyword_category) == (
        name,
        None,
        category,
    )


@pytest.mark.parametrize(
    ("description", "key", "name"),
    [
        ("SQ *JOES PIZZA", "joes-pizza", "Joes Pizza"),
        ("SQ *JOES PIZZA 4155550123", "joes-pizza", "Joes Pizza"),
        ("TST* JOES PIZZA - BROOKLYN", "joes-pizza", "Joes Pizza"),
        ("PAYPAL *ACMEWIDGET 4029357733 CA", "acmewidget", "Acmewidget"),
        ("ACMEWIDGET*ORDER 12345", "acmewidget", "Acmewidget"),
        ("PEARL STREET BOOKS #2 BOULDER CO", "pearl-street-books", "Pearl Street Books"),
        ("MARIOS TRATTORIA   BOSTON   MA", "marios-trattoria", "Marios Trattoria"),
        ("NORTHSIDE BBQ 0042 SAN FRANCISCO CA", "northside-bbq", "Northside BBQ"),
        (
            "PURCHASE AUTHORIZED ON 04/29 NORTHSIDE BBQ S466119012345678 CARD 1234",
            "northside-bbq",
            "Northside BBQ",
        ),
        ("CHECKCARD 0412 NORTHSIDE BBQ", "northside-bbq", "Northside BBQ"),
    ],
)
def test_unknown_merchants_lose_processors_store_numbers_and_places(
    description: str, key: str, name: str
) -> None:
    merchant = identify(description)

    assert (merchant.key, merchant.name) == (key, name)


def test_a_merchant_column_wins_over_the_description() -> None:
    merchant = identify("MONTHLY INSTALLMENTS (3 OF 12)", "Apple")

    assert (merchant.key, merchant.name) == ("apple", "Apple")


def test_normalising_folds_case_accents_quotes_and_hyphens() -> None:
    assert normalise("  Café “Le” Dép’ôt -  Noë ") == "CAFE LE DEPOT NOE"


def test_an_endless_description_is_cut_before_matching() -> None:
    merchant = identify("X " * 100_000 + "SAFEWAY")

    assert merchant.brand_category is None
