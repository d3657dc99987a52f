"""parse_catalog rejects every kind of bad entry, naming the card, the field and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from rewards.catalog import CatalogError, CatalogProblem, parse_catalog
from tests.rewards.builders import card, catalog
from tests.rewards.evidenced import card_v2, catalog_v2, five_24, issuer, source


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data)
    return [str(problem) for problem in caught.value.errors]


def rule_problems(*rules: dict[str, Any], **fields: Any) -> list[str]:
    return problems(catalog(card("c", rules=list(rules), **fields)))


def test_a_valid_minimal_catalog_parses() -> None:
    parsed = parse_catalog(catalog(card("c")))
    assert [c.id for c in parsed.cards] == ["c"]


def test_the_error_message_reads_card_field_reason() -> None:
    rotating = {"Q1": ["dining"], "Q2": [], "Q3": [], "Q4": [], "Q5": ["gas"]}
    data = catalog(
        card("chase-freedom-flex", rules=[{"rotating": rotating, "rate": 5}]),
    )
    with pytest.raises(CatalogError) as caught:
        parse_catalog(data)
    assert str(caught.value) == "chase-freedom-flex: rules[0].rotating.Q5: unknown quarter"
    assert caught.value.errors == [
        CatalogProblem("chase-freedom-flex", "rules[0].rotating.Q5", "unknown quarter")
    ]


def test_every_problem_in_the_file_is_listed_not_just_the_first() -> None:
    data = catalog(
        card("a", annual_fee=-1),
        card("b", network="diners"),
        card("c", currency="nope"),
    )
    assert problems(data) == [
        "a: annual_fee: must not be negative",
        "b: network: must be one of visa, mastercard, amex, discover (got 'diners')",
        "c: currency: unknown currency 'nope'",
    ]


def test_unknown_fields_are_rejected_at_every_level() -> None:
    data = catalog(
        card(
            "c",
            colour="blue",
            rules=[
                {"categories": ["dining"], "rate": 3, "cap": {"amount": 1, "per": "year", "x": 1}}
            ],
            bonus={"points": 1, "min_spend": 1, "months": 3, "extra": True},
            credits=[{"name": "Travel", "amount": 1, "per": "year", "note": ""}],
        )
    )
    data["comment"] = "hello"
    data["currencies"][0]["symbol"] = "$"
    assert problems(data) == [
        "file: comment: unknown field",
        "cash: symbol: unknown field",
        "c: colour: unknown field",
        "c: rules[0].cap.x: unknown field",
        "c: bonus.extra: unknown field",
        "c: credits[0].note: unknown field",
    ]


def test_missing_required_fields_are_reported() -> None:
    raw = card("c")
    del raw["base_rate"], raw["verified_on"]
    assert problems(catalog(raw)) == ["c: base_rate: is required", "c: verified_on: is required"]


def test_a_card_without_an_id_is_named_by_its_position() -> None:
    raw = card("c")
    del raw["id"]
    assert problems(catalog(card("a"), raw)) == ["cards[1]: id: is required"]


def test_the_format_must_be_catalog_v2_or_v1() -> None:
    data = catalog(card("c"))
    data["format"] = "creditcard-guru/catalog@3"
    assert problems(data) == [
        "file: format: must be 'creditcard-guru/catalog@2' or 'creditcard-guru/catalog@1' "
        "(got 'creditcard-guru/catalog@3')"
    ]


def test_a_catalog_that_is_not_an_object_is_rejected() -> None:
    assert problems([]) == ["file: the catalog must be one JSON object"]  # type: ignore[arg-type]


def test_duplicate_card_and_currency_ids_are_rejected() -> None:
    data = catalog(card("a"), card("a"))
    data["currencies"].append(dict(data["currencies"][0]))
    assert problems(data) == [
        "cash: id: duplicate currency id (also currencies[0])",
        "a: id: duplicate card id (also cards[0])",
    ]


def test_bad_currency_fields_are_rejected() -> None:
    data = catalog(card("c"))
    data["currencies"][1]["kind"] = "gold"
    data["currencies"][2]["cents_per_point"] = -0.5
    data["currencies"][3]["cents_per_point"] = "1.2"
    assert problems(data) == [
        "chase_ur: kind: must be one of cash, points, miles (got 'gold')",
        "hotel_pts: cents_per_point: must not be negative",
        "air_miles: cents_per_point: must be a number",
    ]


def test_wrong_types_are_rejected() -> None:
    data = catalog(
        card("c", annual_fee="95", business="yes", rules={}, name=3, base_rate=True),
    )
    assert problems(data) == [
        "c: name: must be a string",
        "c: annual_fee: must be a number",
        "c: business: must be true or false",
        "c: base_rate: must be a number",
        "c: rules: must be a list",
    ]


def test_bad_enumerations_are_rejected() -> None:
    data = catalog(
        card("c", credit="superb", credits=[{"name": "x", "amount": 5, "per": "week"}]),
    )
    assert problems(data) == [
        "c: credit: must be one of excellent, good, fair, limited (got 'superb')",
        "c: credits[0].per: must be one of month, quarter, year (got 'week')",
    ]


def test_bad_card_ids_are_rejected() -> None:
    assert problems(catalog(card("Bad Id"))) == [
        "Bad Id: id: must be a card id (a-z, 0-9 and hyphens) (got 'Bad Id')"
    ]


def test_dates_must_be_real_iso_dates() -> None:
    data = catalog(card("a", verified_on="2026-02-30"), card("b", verified_on="15/10/2026"))
    assert problems(data) == [
        "a: verified_on: is not a real date (got '2026-02-30')",
        "b: verified_on: must be a date written YYYY-MM-DD (got '15/10/2026')",
    ]


def test_source_urls_longer_than_the_database_keeps_are_refused() -> None:
    long_url = "https://example.com/" + "a" * 481
    data = catalog(card("a", source_url=long_url))
    assert problems(data) == ["a: source_url: must be at most 500 characters (has 501)"]


def test_source_urls_must_use_https() -> None:
    data = catalog(card("a", source_url="http://example.com"), card("b", source_url="https://"))
    assert problems(data) == [
        "a: source_url: must be an https:// URL (got 'http://example.com')",
        "b: source_url: must be an https:// URL (got 'https://')",
    ]


def test_negative_numbers_anywhere_are_rejected() -> None:
    assert rule_problems(
        {"categories": ["dining"], "rate": -3},
        {"categories": ["gas"], "rate": 3, "cap": {"amount": -100, "per": "month"}},
        foreign_fee_pct=-1,
        bonus={"points": -5, "min_spend": 500, "months": 3},
    ) == [
        "c: foreign_fee_pct: must not be negative",
        "c: rules[0].rate: must not be negative",
        "c: rules[1].cap.amount: must not be negative",
        "c: bonus.points: must not be negative",
    ]


def test_a_bonus_needs_whole_points_and_at_least_one_month() -> None:
    assert problems(catalog(card("c", bonus={"points": 1.5, "min_spend": 1, "months": 0}))) == [
        "c: bonus.points: must be a whole number",
        "c: bonus.months: must be at least 1",
    ]


def test_unknown_categories_are_rejected() -> None:
    assert rule_problems({"categories": ["grocery", "dining"], "rate": 3}) == [
        "c: rules[0].categories[0]: unknown category 'grocery'"
    ]


def test_a_category_listed_twice_or_inside_a_listed_group_is_rejected() -> None:
    assert rule_problems(
        {"categories": ["dining", "dining"], "rate": 3},
        {"categories": ["travel", "hotels"], "rate": 2},
    ) == [
        "c: rules[0].categories[1]: category 'dining' listed twice",
        "c: rules[1].categories[1]: category 'hotels' overlaps 'travel'",
    ]


def test_a_rule_needs_categories_or_rotating_but_not_both() -> None:
    rotating = {"Q1": [], "Q2": [], "Q3": [], "Q4": []}
    assert rule_problems(
        {"rate": 3},
        {"categories": ["gas"], "rotating": rotating, "rate": 5},
        {"categories": [], "rate": 2},
    ) == [
        "c: rules[0]: needs categories or rotating",
        "c: rules[1]: has both categories and rotating; use one",
        "c: rules[2].categories: must list at least one category",
    ]


def test_rotating_calendars_need_all_four_known_quarters() -> None:
    assert rule_problems(
        {"rotating": {"Q1": ["gas"], "Q2": ["dining"], "Q3": ["groceries"]}, "rate": 5},
    ) == ["c: rules[0].rotating.Q4: missing quarter"]


def test_choose_must_not_exceed_the_listed_categories() -> None:
    assert rule_problems(
        {"categories": ["gas", "dining"], "choose": 3, "rate": 3},
        {"categories": ["gas"], "choose": 0, "rate": 3},
    ) == [
        "c: rules[0].choose: choose 3 is more than the 2 listed categories",
        "c: rules[1].choose: must be at least 1",
    ]


def test_pick_must_be_top_and_needs_choose() -> None:
    assert rule_problems(
        {"categories": ["gas", "dining"], "choose": 1, "pick": "best", "rate": 3},
        {"categories": ["gas", "dining"], "pick": "top", "rate": 3},
    ) == [
        "c: rules[0].pick: must be one of top (got 'best')",
        'c: rules[1].pick: pick "top" needs choose (e.g. "choose": 1)',
    ]


def test_a_rotating_rule_cannot_choose() -> None:
    rotating = {"Q1": ["gas"], "Q2": [], "Q3": [], "Q4": []}
    assert rule_problems({"rotating": rotating, "choose": 1, "rate": 5}) == [
        "c: rules[0].choose: a rotating rule cannot also choose categories"
    ]


def test_caps_need_a_known_period_and_shared_caps_must_exist() -> None:
    assert rule_problems(
        {"categories": ["gas"], "rate": 3, "cap": {"amount": 100, "per": "week"}},
        {"categories": ["dining"], "rate": 3, "cap": "combined"},
        {"categories": ["groceries"], "rate": 3, "cap": 500},
    ) == [
        "c: rules[0].cap.per: must be one of month, quarter, year (got 'week')",
        "c: rules[1].cap: unknown shared cap 'combined'",
        "c: rules[2].cap: must be an object {amount, per} or the id of a shared cap",
    ]


def test_shared_caps_must_be_unique_and_used() -> None:
    shared = [
        {"id": "combined", "amount": 2500, "per": "quarter"},
        {"id": "combined", "amount": 100, "per": "month"},
        {"id": "spare", "amount": 100, "per": "year"},
    ]
    assert rule_problems(
        {"categories": ["gas"], "rate": 3, "cap": "combined"}, shared_caps=shared
    ) == [
        "c: shared_caps[1].id: duplicate shared cap id 'combined'",
        "c: shared_caps[2].id: shared cap 'spare' is not used by any rule",
    ]


def test_foreign_fee_is_a_percentage() -> None:
    assert problems(catalog(card("c", foreign_fee_pct=300))) == [
        "c: foreign_fee_pct: must be at most 100"
    ]


# --- catalog@2 ---------------------------------------------------------------------------


def test_a_valid_v2_catalog_parses() -> None:
    parsed = parse_catalog(catalog_v2(card_v2("c"), issuers=[issuer("Test Bank", five_24())]))
    assert [c.id for c in parsed.cards] == ["c"]
    assert parsed.issuers[0].rules[0].max == 5


def test_v2_requires_issuers_status_and_evidence() -> None:
    data = catalog_v2(card_v2("c"))
    del data["issuers"]
    del data["cards"][0]["status"]
    del data["cards"][0]["status_confirmed_on"]
    del data["cards"][0]["evidence"]
    assert problems(data) == [
        "file: issuers: is required",
        "c: status: is required",
        "c: status_confirmed_on: is required",
        "c: evidence: is required",
    ]


def test_a_v1_file_cannot_use_v2_fields() -> None:
    data = catalog(card("c", status="open", evidence=[]))
    data["issuers"] = []
    assert problems(data) == [
        "file: issuers: unknown field",
        "c: status: unknown field",
        "c: evidence: unknown field",
    ]


def test_status_family_and_status_date_are_checked() -> None:
    data = catalog_v2(
        card_v2("c", status="paused", status_confirmed_on="2026-13-01", family="Sapphire Cards")
    )
    assert problems(data) == [
        "c: family: must be a family id (a-z, 0-9 and hyphens) (got 'Sapphire Cards')",
        "c: status: must be one of open, closed (got 'paused')",
        "c: status_confirmed_on: is not a real date (got '2026-13-01')",
    ]


def test_evidence_items_are_checked_field_by_field() -> None:
    evidence = [
        source(["annual_fee", "rules", "bonus"]),
        source("apr"),
        source("rules[3]"),
        source(["bonus", "bonus"]),
        source([]),
        source("credits", source_url="http://example.com", quote=""),
        source("bonus", source_date="May 2024"),
        source("bonus", source_date="2026-02-30"),
        source("bonus", source_date="2026-12-24"),
        source("bonus", quote="x" * 201),
        source("bonus", page="1"),
        {"field": "bonus", "source_url": "https://example.com"},
    ]
    rules = [{"categories": ["dining"], "rate": 3}]
    assert problems(catalog_v2(card_v2("c", rules=rules, evidence=evidence))) == [
        "c: evidence[1].field: unknown field 'apr'",
        "c: evidence[2].field: the card has no rules[3]",
        "c: evidence[3].field[1]: 'bonus' is named twice",
        "c: evidence[4].field: must be a field name or a non-empty list of them",
        "c: evidence[5].source_url: must be an https:// URL (got 'http://example.com')",
        "c: evidence[5].quote: must not be empty",
        "c: evidence[6].source_date: must be YYYY-MM-DD, YYYY-MM or null (got 'May 2024')",
        "c: evidence[7].source_date: is not a real date (got '2026-02-30')",
        "c: evidence[8].source_date: is after the check (2026-12-03)",
        "c: evidence[9].quote: must be at most 200 characters (has 201)",
        "c: evidence[10].page: unknown field",
        "c: evidence[11].source_date: is required",
        "c: evidence[11].quote: is required",
    ]


def test_unconfirmed_facts_need_a_known_field_and_a_reason() -> None:
    unconfirmed = [
        {"field": "bonus", "reason": "no dated source found"},
        {"field": "apr", "reason": "x"},
        {"field": "bonus"},
        {"field": "bonus", "reason": " "},
    ]
    data = catalog_v2(card_v2("c", unconfirmed=unconfirmed))
    assert problems(data) == [
        "c: unconfirmed[1].field: unknown field 'apr'",
        "c: unconfirmed[2].reason: is required",
        "c: unconfirmed[3].reason: must not be empty",
    ]


def test_the_fee_rules_and_bonus_must_be_supported_or_unconfirmed() -> None:
    bonus = {"points": 20000, "min_spend": 500, "months": 3}
    rules = [{"categories": ["dining"], "rate": 3}, {"categories": ["gas"], "rate": 2}]
    data = catalog_v2(
        card_v2("a", bonus=bonus, rules=rules, evidence=[source("rules[0]")]),
        card_v2(
            "b",
            bonus=bonus,
            rules=rules,
            evidence=[source(["annual_fee", "rules[0]", "rules[1]"])],
            unconfirmed=[{"field": "bonus", "reason": "no source dated 2025 or later"}],
        ),
        card_v2("flat", evidence=[source(["annual_fee", "base_rate"])]),
    )
    assert problems(data) == [
        "a: evidence: nothing supports 'annual_fee': add evidence or list it under unconfirmed",
        "a: evidence: nothing supports 'rules': add evidence or list it under unconfirmed",
        "a: evidence: nothing supports 'bonus': add evidence or list it under unconfirmed",
    ]


def test_v2_calendars_are_keyed_by_year_and_quarter() -> None:
    rules = [
        {"rotating": {"Q1": ["gas"]}, "rate": 5},
        {"rotating": {"2026Q5": ["gas"], "26Q1": []}, "rate": 5},
        {"rotating": {}, "rate": 5},
        {"rotating": {"2027Q1": ["gasoline"]}, "rate": 5},
        {"rotating": ["2026Q1"], "rate": 5},
    ]
    assert problems(catalog_v2(card_v2("c", rules=rules))) == [
        "c: rules[0].rotating.Q1: catalog@2 names the year of a quarter: write 2026Q1",
        "c: rules[1].rotating.2026Q5: unknown quarter: write YYYYQn, e.g. 2026Q1",
        "c: rules[1].rotating.26Q1: unknown quarter: write YYYYQn, e.g. 2026Q1",
        "c: rules[2].rotating: must list at least one quarter's published categories",
        "c: rules[3].rotating.2027Q1[0]: unknown category 'gasoline'",
        'c: rules[4].rotating: must be an object of quarters, e.g. {"2026Q1": ["dining"]}',
    ]


def test_issuers_must_be_named_once_as_the_cards_name_them() -> None:
    issuers = [
        issuer("Test Bank", five_24()),
        issuer("Test Bank", five_24()),
        issuer("Tset Bank", five_24()),
        issuer("Other Bank"),
        {"name": "", "rules": []},
        {"name": "Test Bank", "rules": [], "url": "x"},
    ]
    data = catalog_v2(card_v2("c"), issuers=issuers)
    assert problems(data) == [
        "Test Bank: name: the issuer is listed twice",
        "Tset Bank: name: no card in the file has this issuer (check the spelling)",
        "Other Bank: name: no card in the file has this issuer (check the spelling)",
        "Other Bank: rules: must list at least one rule (leave an issuer without rules out)",
        "file: issuers[4].name: must not be empty",
        "file: issuers[4].rules: must list at least one rule (leave an issuer without rules out)",
        "Test Bank: url: unknown field",
        "Test Bank: name: the issuer is listed twice",
        "Test Bank: rules: must list at least one rule (leave an issuer without rules out)",
    ]


def test_issuer_rules_are_checked_by_kind() -> None:
    rules = [
        five_24(max=0, counts_business="no"),
        {"kind": "issuer_gap", "months": 1, "evidence": [source("months")]},
        {"kind": "issuer_limit", "max": 2, "months": None, "counts_business": False},
        {"kind": "bonus_once", "scope": "product", "months": None, "evidence": [source("scope")]},
        {"kind": "bonus_once", "scope": "family", "months": 48, "max": 1, "evidence": []},
        {"kind": "velocity", "evidence": []},
        {"max": 1},
        five_24(evidence=[source("quote")]),
    ]
    data = catalog_v2(card_v2("c"), issuers=[issuer("Test Bank", *rules)])
    assert problems(data) == [
        "Test Bank: rules[0].max: must be at least 1",
        "Test Bank: rules[0].counts_business: must be true or false",
        "Test Bank: rules[1].personal_only: is required",
        "Test Bank: rules[2].evidence: is required",
        "Test Bank: rules[2].months: must be a number",
        "Test Bank: rules[3].scope: must be one of card, family (got 'product')",
        "Test Bank: rules[4].max: unknown field for a bonus_once rule",
        "Test Bank: rules[4].evidence: must list at least one source",
        "Test Bank: rules[5].kind: must be one of recent_cards, issuer_gap, issuer_limit, "
        "bonus_once (got 'velocity')",
        "Test Bank: rules[6].kind: is required",
        "Test Bank: rules[7].evidence[0].field: unknown field 'quote'",
    ]


def test_a_bonus_rule_may_hold_for_a_lifetime_or_a_number_of_months() -> None:
    rules = [
        {"kind": "bonus_once", "scope": "card", "months": None, "evidence": [source("scope")]},
        {"kind": "bonus_once", "scope": "family", "months": 48, "evidence": [source("months")]},
    ]
    parsed = parse_catalog(catalog_v2(card_v2("c"), issuers=[issuer("Test Bank", *rules)]))
    assert [(r.scope, r.months) for r in parsed.issuers[0].rules] == [
        ("card", None),
        ("family", 48),
    ]
