"""A month with one or two cards' minimum spends, valued by pricing the minimums (no LP),
against an independent LP (tests/rewards/roadmap_reference.py, scipy/HiGHS with every choice
enumerated)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rewards import lp
from rewards.allocation import price_card, solve_quarter
from rewards.catalog import parse_catalog
from rewards.model import N_LEAVES, model_for
from rewards.roadmap import RoadmapOptions
from rewards.roadmap.plans import _Builder
from tests.rewards.builders import card, catalog
from tests.rewards.roadmap_reference import month_key, month_lp
from tests.rewards.strategies import catalogs, spends

TODAY = date(2026, 12, 3)


def _values(raw: dict, spend: dict):  # noqa: ANN202
    parsed = parse_catalog(raw, today=TODAY)
    builder = _Builder(parsed, spend, RoadmapOptions(today="2026-12", months=6))
    return parsed, builder


def _reference(parsed, builder, spend, wallet, minimums, t):  # noqa: ANN001, ANN202
    cards = [parsed.cards[i] for i in wallet]
    cpp = {c.id: float(c.cents_per_point) for c in parsed.currencies}
    return month_lp(
        cards,
        [cpp[c.currency] for c in cards],
        {k: float(v) for k, v in spend.items() if float(v) > 0},
        month_key(builder.today + t),
        {wallet.index(index): amount for index, amount in minimums},
    )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(catalogs(1, 4), spends(), st.data())
def test_a_month_with_minimums_equals_the_lp(raw: dict, spend: dict, data) -> None:  # noqa: ANN001
    parsed, builder = _values(raw, spend)
    values = builder.values
    indices = list(range(len(parsed.cards)))
    wallet = tuple(
        sorted(data.draw(st.lists(st.sampled_from(indices), min_size=1, max_size=3, unique=True)))
    )
    bound = data.draw(
        st.lists(st.sampled_from(wallet), min_size=1, max_size=min(2, len(wallet)), unique=True)
    )
    total = sum(float(v) for v in spend.values())
    # Shares of the month's spend that add up to at most all of it (a schedule never asks more).
    shares = [0.05, 0.2, 0.5, 0.8, 1.0] if len(bound) == 1 else [0.05, 0.2, 0.35, 0.5]
    minimums = tuple(sorted((i, total * data.draw(st.sampled_from(shares))) for i in bound))
    t = data.draw(st.integers(1, 6))
    expected = _reference(parsed, builder, spend, wallet, minimums, t)
    got = values.bounded_value(wallet, minimums, t)
    assert got == pytest.approx(expected, abs=1e-6)
    # The plan's month shows the same figure, with rows that meet every minimum.
    shown, rows = values.bounded(wallet, minimums, t)
    assert shown == got
    for index, amount in minimums:
        received = sum(dollars for (_, who), dollars in rows.items() if who == index)
        assert received >= amount - 1e-6


def test_minimums_on_a_wallet_without_choices_need_no_lp(monkeypatch) -> None:  # noqa: ANN001
    # Groceries: the 6 % card (capped at $500 a month) is best; routing $1,500 to the 2 % card
    # costs what moving $1,000 of groceries from 6 % (the first $500) and 3 % elsewhere costs.
    grocer_rule = {"categories": ["groceries"], "rate": 6, "cap": {"amount": 500, "per": "month"}}
    raw = catalog(
        card("grocer", rules=[grocer_rule], base_rate=3),
        card("flat", base_rate=2),
        card("plain", base_rate=1),
    )
    spend = {"groceries": 1000, "other": 500}
    parsed, builder = _values(raw, spend)
    index = {c.id: i for i, c in enumerate(parsed.cards)}
    flat, plain = index["flat"], index["plain"]
    wallet = tuple(range(len(parsed.cards)))
    free = builder.values.free(wallet, 1)[0]

    def no_lp(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("a month with minimums on a flow problem built an LP")

    monkeypatch.setattr(lp, "solve", no_lp)
    one = builder.values.bounded_value(wallet, ((flat, 1500.0),), 1)
    two = builder.values.bounded_value(wallet, tuple(sorted(((flat, 1000.0), (plain, 500.0)))), 1)
    monkeypatch.undo()
    assert one == pytest.approx(_reference(parsed, builder, spend, wallet, ((flat, 1500.0),), 1))
    # $500 at 6 % + $500 at 3 % + $500 at 3 % (other), all moved to the 2 % card: 30 + 15 + 15
    # becomes 30.
    assert free - one == pytest.approx(30.0)
    # $1,000 to the 2 % card and $500 to the 1 % card take the whole $1,500 from the grocery
    # card: 2 % on $1,000 and 1 % on $500 earn 25 of the 60.
    both = tuple(sorted(((flat, 1000.0), (plain, 500.0))))
    assert two == pytest.approx(_reference(parsed, builder, spend, wallet, both, 1))
    assert free - two == pytest.approx(35.0)


def test_a_minimum_in_a_month_without_spend_is_infeasible_not_a_crash() -> None:
    parsed = parse_catalog(catalog(card("flat", base_rate=2)), today=TODAY)
    model = model_for(parsed)
    priced = price_card(model.cards[0], 1.0, [False] * N_LEAVES)
    with pytest.raises(lp.Infeasible):
        solve_quarter([priced], 0, [0.0] * N_LEAVES, [], rows=False, lower={0: 100.0})
