"""Checks on the shipped card catalog, data/catalog.json, that need no Django."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rewards.catalog import (
    CARD_FIELDS,
    CARD_FIELDS_V1,
    CARD_REQUIRED,
    CARD_REQUIRED_V1,
    catalog_to_dict,
    load_catalog,
)
from rewards.categories import LEAF_CATEGORIES, RULE_CATEGORIES

CATALOG_PATH = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")

V1 = "creditcard-guru/catalog@1"
V2 = "creditcard-guru/catalog@2"
RULE_KEYS = ("categories", "rotating", "choose", "pick", "rate", "cap")
MAJOR_ISSUERS = (
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
)
PERIODS = {"month", "quarter", "year"}


@pytest.fixture(scope="module")
def raw_text() -> str:
    return CATALOG_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog(raw_text: str) -> dict[str, Any]:
    return json.loads(raw_text)


@pytest.fixture(scope="module")
def cards(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    return catalog["cards"]


def _rules(cards: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for card in cards:
        for rule in card["rules"]:
            yield card, rule


def _is_v2(catalog: dict[str, Any]) -> bool:
    return catalog["format"] == V2


def _rule_categories(rule: dict[str, Any]) -> list[str]:
    if "rotating" in rule:
        return [name for quarter in rule["rotating"].values() for name in quarter]
    return rule["categories"]


def _numbers(value: Any) -> Iterator[int | float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)


def test_the_file_declares_the_catalog_format(catalog: dict[str, Any]) -> None:
    if _is_v2(catalog):
        assert list(catalog) == ["format", "currencies", "issuers", "cards"]
    else:
        assert list(catalog) == ["format", "currencies", "cards"]
        assert catalog["format"] == V1


def test_the_file_is_in_canonical_form_so_an_export_can_reproduce_it(raw_text: str) -> None:
    data = json.loads(raw_text)
    assert raw_text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_the_catalog_loader_accepts_the_file(cards: list[dict[str, Any]]) -> None:
    catalog = load_catalog(CATALOG_PATH)
    assert [card.id for card in catalog.cards] == [card["id"] for card in cards]


def test_writing_the_loaded_catalog_back_reproduces_the_file_byte_for_byte(
    raw_text: str, catalog: dict[str, Any]
) -> None:
    written = json.dumps(catalog_to_dict(load_catalog(CATALOG_PATH)), indent=2, ensure_ascii=False)
    if not _is_v2(catalog):
        pytest.skip("an @1 file is written back as @2 (tests/rewards/test_catalog_file.py)")
    assert written + "\n" == raw_text


def test_whole_numbers_are_written_as_integers(catalog: dict[str, Any]) -> None:
    whole_floats = [n for n in _numbers(catalog) if isinstance(n, float) and n.is_integer()]
    assert whole_floats == []


def test_there_are_at_least_100_cards(cards: list[dict[str, Any]]) -> None:
    assert len(cards) >= 100


def test_card_ids_are_unique_slugs_in_sorted_order(cards: list[dict[str, Any]]) -> None:
    ids = [card["id"] for card in cards]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    assert [card_id for card_id in ids if not SLUG.match(card_id)] == []


def test_card_names_are_unique(cards: list[dict[str, Any]]) -> None:
    names = [card["name"] for card in cards]
    assert len(names) == len(set(names))


def test_cards_have_the_required_keys_and_no_unknown_ones_in_canonical_order(
    catalog: dict[str, Any], cards: list[dict[str, Any]]
) -> None:
    order, required = (
        (CARD_FIELDS, CARD_REQUIRED) if _is_v2(catalog) else (CARD_FIELDS_V1, CARD_REQUIRED_V1)
    )
    for card in cards:
        keys = list(card)
        assert set(keys) >= required, card["id"]
        assert set(keys) <= set(order), card["id"]
        assert keys == [key for key in order if key in card], card["id"]


def test_optional_card_fields_are_only_written_when_they_differ_from_the_default(
    cards: list[dict[str, Any]],
) -> None:
    for card in cards:
        assert card.get("first_year_fee", None) != card["annual_fee"], card["id"]
        assert card.get("foreign_fee_pct", 1) != 0, card["id"]
        assert card.get("business", True) is True, card["id"]
        assert card.get("shared_caps", [None]) != [], card["id"]
        assert card.get("credits", [None]) != [], card["id"]


def test_currencies_are_unique_sorted_and_well_formed(catalog: dict[str, Any]) -> None:
    currencies = catalog["currencies"]
    ids = [currency["id"] for currency in currencies]
    assert ids == sorted(set(ids))
    for currency in currencies:
        assert list(currency) == ["id", "name", "kind", "cents_per_point"]
        assert CURRENCY_ID.match(currency["id"])
        assert currency["kind"] in {"cash", "points", "miles"}
        assert 0 < currency["cents_per_point"] <= 3


def test_cash_is_worth_exactly_one_cent_a_point(catalog: dict[str, Any]) -> None:
    cash = next(c for c in catalog["currencies"] if c["id"] == "cash")
    assert cash == {"id": "cash", "name": "Cash back", "kind": "cash", "cents_per_point": 1}


def test_every_card_uses_a_declared_currency_and_every_currency_is_used(
    catalog: dict[str, Any], cards: list[dict[str, Any]]
) -> None:
    declared = {currency["id"] for currency in catalog["currencies"]}
    used = {card["currency"] for card in cards}
    assert used <= declared
    assert declared - used == set()


def test_every_card_has_an_https_source_url(cards: list[dict[str, Any]]) -> None:
    for card in cards:
        url = card["source_url"]
        assert url.startswith("https://"), card["id"]
        assert " " not in url, card["id"]


def test_every_card_has_a_verified_on_iso_date_not_in_the_future(
    cards: list[dict[str, Any]],
) -> None:
    today = datetime.date.today()
    for card in cards:
        for key in ("verified_on", "status_confirmed_on"):
            if key not in card:
                continue
            day = datetime.date.fromisoformat(card[key])
            assert card[key] == day.isoformat(), card["id"]
            assert datetime.date(2024, 1, 1) <= day <= today, card["id"]


def test_every_v2_card_carries_its_status_and_sources(
    catalog: dict[str, Any], cards: list[dict[str, Any]]
) -> None:
    if not _is_v2(catalog):
        pytest.skip("an @1 file has no evidence")
    # The format already requires the fee, the rules and the bonus to be supported or listed
    # as unconfirmed; the shipped data also records where every source was found.
    for card in cards:
        assert card["status"] in {"open", "closed"}, card["id"]
        assert card["evidence"], card["id"]
        for item in card["evidence"]:
            assert item["source_url"].startswith("https://"), card["id"]
            assert 0 < len(item["quote"]) <= 200, card["id"]


def test_issuer_rules_name_issuers_the_cards_use(catalog: dict[str, Any]) -> None:
    if not _is_v2(catalog):
        pytest.skip("an @1 file has no issuer rules")
    loaded = load_catalog(CATALOG_PATH)
    issuers = {card.issuer for card in loaded.cards}
    assert {issuer.name for issuer in loaded.issuers} <= issuers


def test_card_enumerations_use_the_allowed_values(cards: list[dict[str, Any]]) -> None:
    for card in cards:
        assert card["network"] in {"visa", "mastercard", "amex", "discover"}, card["id"]
        assert card["credit"] in {"excellent", "good", "fair", "limited"}, card["id"]
        assert card.get("business", False) in {True, False}, card["id"]


def test_no_number_in_the_catalog_is_negative(catalog: dict[str, Any]) -> None:
    assert [n for n in _numbers(catalog) if n < 0] == []


def test_fees_and_base_rates_are_plausible(
    catalog: dict[str, Any], cards: list[dict[str, Any]]
) -> None:
    cents_per_point = {c["id"]: c["cents_per_point"] for c in catalog["currencies"]}
    for card in cards:
        assert 0 <= card["annual_fee"] <= 1000, card["id"]
        assert 0 <= card.get("first_year_fee", 0) <= card["annual_fee"], card["id"]
        assert card.get("foreign_fee_pct", 0) in {0, 1, 2.7, 3}, card["id"]
        # Points differ in worth (a Hilton point is about half a cent), so judge the base rate by
        # what it pays at the catalog's point value: between 0.5 and 3 cents a dollar.
        cents = card["base_rate"] * cents_per_point[card["currency"]]
        assert 0.5 <= cents <= 3, card["id"]


def test_bonuses_and_credits_are_well_formed(cards: list[dict[str, Any]]) -> None:
    for card in cards:
        if "bonus" in card:
            bonus = card["bonus"]
            assert list(bonus) == ["points", "min_spend", "months"], card["id"]
            assert bonus["points"] > 0, card["id"]
            assert isinstance(bonus["months"], int) and 1 <= bonus["months"] <= 12, card["id"]
        for credit in card.get("credits", []):
            assert list(credit) == ["name", "amount", "per"], card["id"]
            assert credit["amount"] > 0 and credit["per"] == "year", card["id"]


def test_every_category_used_is_a_known_one(cards: list[dict[str, Any]]) -> None:
    unknown = {
        (card["id"], name)
        for card, rule in _rules(cards)
        for name in _rule_categories(rule)
        if name not in RULE_CATEGORIES
    }
    assert unknown == set()


def test_rotating_calendars_name_only_leaf_categories(
    catalog: dict[str, Any], cards: list[dict[str, Any]]
) -> None:
    for card, rule in _rules(cards):
        if "rotating" in rule:
            if _is_v2(catalog):
                assert all(re.match(r"^20\d\dQ[1-4]$", key) for key in rule["rotating"]), card["id"]
                assert list(rule["rotating"]) == sorted(rule["rotating"]), card["id"]
            else:
                assert list(rule["rotating"]) == ["Q1", "Q2", "Q3", "Q4"], card["id"]
            for quarter in rule["rotating"].values():
                assert set(quarter) <= set(LEAF_CATEGORIES), card["id"]


def test_no_rule_is_written_for_everything_else(cards: list[dict[str, Any]]) -> None:
    assert [card["id"] for card, rule in _rules(cards) if "other" in _rule_categories(rule)] == []


def test_rules_are_well_formed(cards: list[dict[str, Any]]) -> None:
    for card, rule in _rules(cards):
        keys = list(rule)
        assert keys == [key for key in RULE_KEYS if key in rule], card["id"]
        assert ("categories" in rule) != ("rotating" in rule), card["id"]
        assert rule["rate"] > card["base_rate"], card["id"]
        if "categories" in rule:
            assert rule["categories"], card["id"]
            assert len(set(rule["categories"])) == len(rule["categories"]), card["id"]
        if "choose" in rule:
            assert 1 <= rule["choose"] < len(rule["categories"]), card["id"]
        if "pick" in rule:
            assert rule["pick"] == "top" and "choose" in rule, card["id"]
        if "rotating" in rule:
            assert rule.get("cap", {}).get("per") == "quarter", card["id"]


def test_caps_are_positive_amounts_per_known_period_or_name_a_shared_cap(
    cards: list[dict[str, Any]],
) -> None:
    for card in cards:
        shared = {cap["id"]: cap for cap in card.get("shared_caps", [])}
        assert len(shared) == len(card.get("shared_caps", [])), card["id"]
        for cap in shared.values():
            assert list(cap) == ["id", "amount", "per"], card["id"]
            assert cap["amount"] > 0 and cap["per"] in PERIODS, card["id"]
        named = set()
        for rule in card["rules"]:
            cap = rule.get("cap")
            if isinstance(cap, str):
                assert cap in shared, card["id"]
                named.add(cap)
            elif cap is not None:
                assert list(cap) == ["amount", "per"], card["id"]
                assert cap["amount"] > 0 and cap["per"] in PERIODS, card["id"]
        assert named == set(shared), f"{card['id']}: every shared cap is used by a rule"


def test_every_major_issuer_is_present(cards: list[dict[str, Any]]) -> None:
    issuers = {card["issuer"] for card in cards}
    assert set(MAJOR_ISSUERS) <= issuers


def test_other_co_brand_and_regional_issuers_are_present_too(cards: list[dict[str, Any]]) -> None:
    others = {card["issuer"] for card in cards} - set(MAJOR_ISSUERS)
    assert len(others) >= 5


def test_popular_airline_and_hotel_co_brands_are_present(catalog: dict[str, Any]) -> None:
    used = {card["currency"] for card in catalog["cards"]}
    for currency in (
        "delta_skymiles",
        "united_miles",
        "southwest_rr",
        "aa_miles",
        "alaska_miles",
        "jetblue_points",
        "marriott_bonvoy",
        "hilton_honors",
        "world_of_hyatt",
        "ihg_one_rewards",
        "wyndham_rewards",
    ):
        assert currency in used, currency


def test_the_staple_cards_the_issue_names_are_present(cards: list[dict[str, Any]]) -> None:
    ids = {card["id"] for card in cards}
    for card_id in (
        "citi-double-cash",
        "wells-fargo-active-cash",
        "chase-freedom-unlimited",
        "capital-one-quicksilver",
        "capital-one-savor",
        "chase-sapphire-reserve",
        "chase-sapphire-preferred",
        "amex-platinum",
        "amex-gold",
        "capital-one-venture-x",
        "capital-one-venture",
        "citi-strata-premier",
        "citi-strata-elite",
        "chase-freedom-flex",
        "discover-it-cash-back",
        "boa-customized-cash-rewards",
        "us-bank-cash-plus",
        "citi-custom-cash",
        "us-bank-shopper-cash-rewards",
        "amex-blue-cash-preferred",
        "amex-blue-cash-everyday",
    ):
        assert card_id in ids, card_id


def test_business_cards_are_flagged_and_in_the_minority(cards: list[dict[str, Any]]) -> None:
    business = [card for card in cards if card.get("business")]
    assert business
    assert len(business) < len(cards) / 4


def test_a_rule_with_a_monthly_cap_appears(cards: list[dict[str, Any]]) -> None:
    assert any(
        isinstance(rule.get("cap"), dict) and rule["cap"]["per"] == "month"
        for _, rule in _rules(cards)
    )


def test_a_rule_with_a_quarterly_cap_appears(cards: list[dict[str, Any]]) -> None:
    assert any(
        isinstance(rule.get("cap"), dict)
        and rule["cap"]["per"] == "quarter"
        and "rotating" not in rule
        for _, rule in _rules(cards)
    )


def test_a_rule_with_a_yearly_cap_appears(cards: list[dict[str, Any]]) -> None:
    assert any(
        isinstance(rule.get("cap"), dict) and rule["cap"]["per"] == "year"
        for _, rule in _rules(cards)
    )


def test_a_cap_shared_by_several_categories_of_one_rule_appears(
    cards: list[dict[str, Any]],
) -> None:
    assert any(
        isinstance(rule.get("cap"), dict) and len(rule.get("categories", [])) > 1
        for _, rule in _rules(cards)
    )


def test_shared_caps_across_rules_appear(cards: list[dict[str, Any]]) -> None:
    sharing = [
        card["id"]
        for card in cards
        if sum(isinstance(rule.get("cap"), str) for rule in card["rules"]) >= 2
    ]
    assert "boa-customized-cash-rewards" in sharing


def test_choose_rules_appear(cards: list[dict[str, Any]]) -> None:
    chooses = {
        (card["id"], rule["choose"])
        for card, rule in _rules(cards)
        if "choose" in rule and "pick" not in rule
    }
    assert ("boa-customized-cash-rewards", 1) in chooses
    assert ("us-bank-cash-plus", 2) in chooses


def test_a_top_category_rule_appears(cards: list[dict[str, Any]]) -> None:
    custom_cash = next(card for card in cards if card["id"] == "citi-custom-cash")
    assert custom_cash["rules"] == [
        {
            "categories": custom_cash["rules"][0]["categories"],
            "choose": 1,
            "pick": "top",
            "rate": 5,
            "cap": {"amount": 500, "per": "month"},
        }
    ]


def test_rotating_rules_appear_with_a_1500_quarterly_cap(cards: list[dict[str, Any]]) -> None:
    rotating: dict[str, list[dict[str, Any]]] = {}
    for card, rule in _rules(cards):
        if "rotating" in rule:
            rotating.setdefault(card["id"], []).append(rule)
    for card_id in ("chase-freedom-flex", "discover-it-cash-back"):
        assert any(rule["rate"] == 5 for rule in rotating[card_id])
        for rule in rotating[card_id]:
            assert rule["cap"] == {"amount": 1500, "per": "quarter"}


def test_the_travel_group_appears(cards: list[dict[str, Any]]) -> None:
    assert any("travel" in rule.get("categories", []) for _, rule in _rules(cards))


def test_a_rule_for_purchases_abroad_appears(cards: list[dict[str, Any]]) -> None:
    assert any("foreign" in rule.get("categories", []) for _, rule in _rules(cards))


def test_amex_gold_is_modelled_with_its_published_caps(cards: list[dict[str, Any]]) -> None:
    gold = next(card for card in cards if card["id"] == "amex-gold")
    assert gold["base_rate"] == 1
    assert gold["rules"] == [
        {"categories": ["dining"], "rate": 4, "cap": {"amount": 50000, "per": "year"}},
        {"categories": ["groceries"], "rate": 4, "cap": {"amount": 25000, "per": "year"}},
        {"categories": ["airfare"], "rate": 3},
    ]
