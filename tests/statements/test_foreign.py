"""Purchases made abroad or in a foreign currency go to `foreign`."""

from __future__ import annotations

import pytest

from statements import read_statements
from statements.foreign import looks_foreign
from tests.statements.helpers import money, totals


@pytest.mark.parametrize(
    "description",
    [
        "PRET A MANGER LONDON GBR",
        "TFL TRAVEL CHARGE LONDON GB",
        "OXXO CANCUN MEX",
        "TIM HORTONS 4521 TORONTO ON",
        "PETRO CANADA 1234 MONTREAL QC",
        "CAFE DE FLORE 75006 PARIS",
        "SPOTIFY P1234567 STOCKHOLM SWE",
        "HOTEL ZUR POST EUR 145.00",
        "RYOKAN SAKURA 12,000 JPY",
        "PURCHASE INTL AUTHORIZED ON 05/05 SHOP",
        "FOREIGN TRANSACTION SHOP",
        "BOULANGERIE 4.50 EUROS",
    ],
)
def test_a_foreign_place_or_currency_in_the_description_is_foreign(description: str) -> None:
    assert looks_foreign(description)


@pytest.mark.parametrize(
    "description",
    [
        "SAFEWAY #1234 SAN FRANCISCO CA",
        # US towns named like foreign cities end with their state.
        "EIFFEL TOWER GRILL PARIS TX",
        "DUBLIN CAFE DUBLIN OH",
        "KWIK STAR 1234 WATERLOO IA",
        # Two words name a shop, not a place.
        "CAFE PARIS",
        "HOTEL LONDON",
        "CARRY ON",
        "AMZN MKTP US*2K4JD81A3",
        "EUROPEAN WAX CENTER",
        "EURO DELI ASTORIA NY",
        "TRY 2 GO CAFE 12",
    ],
)
def test_us_purchases_are_not_foreign(description: str) -> None:
    assert not looks_foreign(description)


def test_a_country_column_decides_when_there_is_one() -> None:
    assert looks_foreign("SHOP", country="UNITED KINGDOM")
    assert not looks_foreign("SHOP", country="UNITED STATES")
    assert not looks_foreign("SHOP", country="PUERTO RICO")
    assert not looks_foreign("SHOP", country="")


def test_an_address_column_is_read_for_the_place() -> None:
    assert looks_foreign("LE PETIT CAFE", location="PARIS FRA")
    assert looks_foreign("LE PETIT CAFE", location="LONDON")
    assert not looks_foreign("LE PETIT CAFE", location="CHARLOTTE NC")


def test_foreign_spend_details_make_a_purchase_foreign() -> None:
    assert looks_foreign("SHOP", details="FOREIGN SPEND AMOUNT: 11.20 POUNDS STERLING")


def test_foreign_beats_the_banks_own_category() -> None:
    data = (
        b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
        b"05/01/2026,05/02/2026,BRITISH AIRWAYS LONDON GBR,Travel,Sale,-612.00,\n"
        b"05/02/2026,05/03/2026,NOODLE BAR LONDON GBR,Food & Drink,Sale,-18.00,\n"
        b"05/03/2026,05/04/2026,NOODLE BAR BOSTON MA,Food & Drink,Sale,-12.00,\n"
    )

    summary = read_statements([("chase.csv", data)])

    # 612.00 + 18.00 abroad; 12.00 at home
    assert totals(summary) == {"foreign": money("630.00"), "dining": money("12.00")}
