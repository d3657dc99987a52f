"""Aggregation: the date span, monthly averages, top merchants, moves and the session summary."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from statements import StatementError, Summary, read_statements
from statements.summary import monthly_average
from tests.statements.helpers import money, read, sample, totals

HEADER = b"Date,Description,Amount\n"


def statement(*rows: str) -> bytes:
    """An American Express three-column export (purchases positive) of these rows."""
    return HEADER + "".join(f"{row}\n" for row in rows).encode()


def test_the_span_runs_from_the_first_to_the_last_purchase_of_all_files() -> None:
    summary = read("chase.csv", "apple_card.csv")

    # Chase's first purchase on 2 January; Apple Card's last on 10 June (the later rows are
    # a credit and an adjustment, which do not count).
    assert (summary.start.isoformat(), summary.end.isoformat()) == ("2026-01-02", "2026-06-10")
    assert summary.days == 160


def test_the_monthly_average_divides_by_the_real_span_in_average_months() -> None:
    summary = read_statements(
        [("a.csv", statement("01/01/2026,SAFEWAY #1,100.00", "03/31/2026,SAFEWAY #1,200.00"))]
    )

    # 1 Jan to 31 Mar is 90 days, 90 / 30.4375 months: 300.00 x 30.4375 / 90 = 101.458...
    assert summary.days == 90
    assert summary.monthly_spend()["groceries"] == money("101.46")


def test_a_partial_month_counts_for_its_days() -> None:
    summary = read_statements(
        [("a.csv", statement("01/15/2026,SHELL OIL 1,60.00", "02/28/2026,SHELL OIL 1,60.00"))]
    )

    # 15 Jan to 28 Feb is 45 days: 120.00 x 30.4375 / 45 = 81.1666...
    assert summary.monthly_spend()["gas"] == money("81.17")


def test_a_span_shorter_than_a_month_counts_as_one_month() -> None:
    summary = read_statements(
        [("a.csv", statement("03/03/2026,SAFEWAY #1,80.00", "03/28/2026,CHEVRON 1,40.00"))]
    )

    # 26 days: the totals are the monthly figures, not scaled up by 30.4375 / 26.
    assert summary.days == 26
    assert summary.short_span is True
    assert summary.monthly_spend()["groceries"] == money("80.00")
    assert summary.monthly_spend()["gas"] == money("40.00")


def test_one_average_month_is_the_boundary() -> None:
    assert monthly_average(money("100.00"), 30) == money("100.00")
    # 31 days is just over an average month: 100 x 30.4375 / 31 = 98.185...
    assert monthly_average(money("100.00"), 31) == money("98.19")
    # A year: 365 days, 1200 x 30.4375 / 365 = 100.0684...
    assert monthly_average(money("1200.00"), 365) == money("100.07")


def test_monthly_spend_lists_every_leaf_category_in_wizard_order() -> None:
    spend = read("discover.csv").monthly_spend()

    assert list(spend)[:3] == ["groceries", "dining", "gas"]
    assert len(spend) == 18
    assert spend["streaming"] == Decimal("0.00")
    assert all(isinstance(value, Decimal) for value in spend.values())


def test_the_review_table_lists_categories_with_totals_averages_and_top_merchants() -> None:
    summary = read("chase.csv")

    dining = next(row for row in summary.categories() if row.category == "dining")

    assert dining.label == "Dining and delivery"
    assert dining.total == money("44.80")
    # 2 Jan to 1 Feb is 31 days: 44.80 x 30.4375 / 31 = 43.987...
    assert dining.monthly == money("43.99")
    assert [(m.name, m.total, m.count) for m in dining.top(5)] == [
        ("Joes Pizza", money("32.10"), 1),
        ("Starbucks", money("12.70"), 2),
    ]
    assert [row.category for row in summary.categories()][:3] == ["groceries", "dining", "gas"]


def test_moving_a_merchant_moves_its_total_to_another_category() -> None:
    summary = read("chase.csv")
    target = next(m for m in summary.merchants if m.name == "Target")

    moved = summary.move(target.key, "groceries")

    # 86.45 + 64.33
    assert totals(moved)["groceries"] == money("150.78")
    assert "other" not in totals(moved)
    assert moved.overrides == {target.key: "groceries"}
    assert moved.merchant(target.key).moved is True
    # The original is unchanged.
    assert totals(summary)["other"] == money("64.33")


def test_moving_a_merchant_back_clears_the_move() -> None:
    summary = read("chase.csv")
    key = next(m.key for m in summary.merchants if m.name == "Target")

    back = summary.move(key, "groceries").move(key, "other")

    assert back.overrides == {}
    assert totals(back) == totals(summary)


def test_moving_an_unknown_merchant_or_to_an_unknown_category_is_refused() -> None:
    summary = read("chase.csv")
    key = summary.merchants[0].key

    with pytest.raises(StatementError, match="that merchant is not in these statements"):
        summary.move("groceries:nowhere", "dining")
    with pytest.raises(StatementError, match='"travel" is not a spending category'):
        summary.move(key, "travel")


def test_the_same_merchant_abroad_and_at_home_are_two_lines() -> None:
    data = statement("04/01/2026,STARBUCKS STORE 1,5.00", "04/02/2026,STARBUCKS LONDON GBR,6.00")

    summary = read_statements([("a.csv", data)])

    assert sorted((m.key, m.total) for m in summary.merchants) == [
        ("dining:starbucks", money("5.00")),
        ("foreign:starbucks", money("6.00")),
    ]


def test_the_summary_survives_a_json_round_trip_with_its_moves() -> None:
    summary = read("chase.csv", "amex.csv", "wells_fargo.csv")
    key = next(m.key for m in summary.merchants if m.name == "Target")
    moved = summary.move(key, "groceries")

    again = Summary.from_dict(json.loads(json.dumps(moved.to_dict())))

    assert again == moved
    assert again.monthly_spend() == moved.monthly_spend()


def test_the_session_summary_holds_totals_not_transactions() -> None:
    summary = read("chase.csv")

    data = summary.to_dict()
    text = json.dumps(data)

    assert set(data) == {"version", "start", "end", "merchants", "overrides", "files"}
    assert data["merchants"][0] == {
        "key": "airfare:delta-air-lines",
        "name": "Delta Air Lines",
        "category": "airfare",
        "total": "1234.56",
        "count": 1,
    }
    assert data["files"] == [
        {
            "name": "chase.csv",
            "format": "chase",
            "label": "Chase",
            "purchases": 14,
            "skipped": {"payments": 1, "refunds and credits": 2, "fees and interest": 1},
            "duplicate_of": None,
        }
    ]
    # No description, card number, memo or single transaction amount is kept.
    for fragment in ("WHOLEFDS", "0062345678901", "oat", "1,500.00", "-6.75", "01/04/2026"):
        assert fragment not in text


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: data.update(version=2),
        lambda data: data.update(start="2026-13-01"),
        lambda data: data.update(end="2025-01-01"),
        lambda data: data["merchants"][0].update(category="travel"),
        lambda data: data["merchants"][0].update(total="-5.00"),
        lambda data: data["merchants"][0].update(total="NaN"),
        lambda data: data["merchants"][0].update(count="7"),
        lambda data: data["merchants"].append(dict(data["merchants"][0])),
        lambda data: data["overrides"].update({"dining:nobody": "groceries"}),
        lambda data: data["files"][0].pop("label"),
        lambda data: data.pop("merchants"),
    ],
)
def test_an_altered_or_stale_summary_is_refused(tamper) -> None:
    data = read("chase.csv").to_dict()
    tamper(data)

    with pytest.raises(StatementError) as caught:
        Summary.from_dict(data)

    assert str(caught.value) == (
        "the imported statements are no longer readable; upload them again"
    )


@pytest.mark.parametrize("data", [None, [], "summary", {"version": 1}])
def test_anything_but_a_summary_dict_is_refused(data: object) -> None:
    with pytest.raises(StatementError):
        Summary.from_dict(data)


def test_the_same_file_uploaded_twice_counts_once() -> None:
    summary = read_statements([sample("discover.csv"), ("copy.csv", sample("discover.csv")[1])])

    assert totals(summary) == totals(read("discover.csv"))
    original, copy = summary.files
    assert (copy.name, copy.format, copy.purchases, copy.duplicate_of) == (
        "copy.csv",
        "discover",
        0,
        "discover.csv",
    )


def test_past_the_merchant_limit_the_smallest_fold_into_one_line_per_category(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("statements.summary.MAX_MERCHANTS", 2)
    data = statement(
        "05/01/2026,FIRST CORNER GROCERY,50.00",
        "05/02/2026,SECOND CORNER GROCERY,40.00",
        "05/03/2026,THIRD CORNER GROCERY,30.00",
        "05/04/2026,FOURTH CORNER GROCERY,20.00",
        "05/05/2026,FOURTH CORNER GROCERY,5.00",
    )

    summary = read_statements([("a.csv", data)])

    assert [(m.key, m.name, m.total, m.count) for m in summary.merchants] == [
        ("groceries:first-corner-grocery", "First Corner Grocery", money("50.00"), 1),
        ("groceries:second-corner-grocery", "Second Corner Grocery", money("40.00"), 1),
        # 30.00 + 20.00 + 5.00 over two merchants and three purchases
        ("groceries:*", "2 other merchants", money("55.00"), 3),
    ]
    assert totals(summary) == {"groceries": money("145.00")}
    assert totals(summary.move("groceries:*", "other")) == {
        "groceries": money("90.00"),
        "other": money("55.00"),
    }
