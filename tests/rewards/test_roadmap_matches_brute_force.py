"""The roadmap search against brute force: every valid schedule of a small catalog valued by an
independently written model (tests/rewards/roadmap_reference.py, scipy/HiGHS month LPs)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.roadmap import RoadmapOptions, roadmap
from rewards.roadmap.plans import _Builder
from tests.rewards.evidenced import V2, source
from tests.rewards.roadmap_reference import Person, Reference, check_schedule
from tests.rewards.strategies import cards, spends

TODAY = date(2026, 12, 3)
TODAY_ABS = 2026 * 12 + 11
ISSUERS = ["Test Bank", "Other Bank"]


@st.composite
def issuer_rule(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["recent_cards", "issuer_gap", "issuer_limit", "bonus_once"]))
    rule: dict[str, Any] = {"kind": kind}
    if kind == "recent_cards":
        rule.update(max=draw(st.integers(1, 3)), months=draw(st.integers(2, 12)))
        rule["counts_business"] = draw(st.booleans())
    elif kind == "issuer_gap":
        rule.update(months=draw(st.integers(1, 5)), personal_only=draw(st.booleans()))
    elif kind == "issuer_limit":
        rule.update(max=draw(st.integers(1, 2)), months=draw(st.integers(2, 12)))
        rule["counts_business"] = draw(st.booleans())
    else:
        rule.update(
            scope=draw(st.sampled_from(["card", "family"])),
            months=draw(st.sampled_from([None, 2, 4, 24])),
        )
    rule["evidence"] = [source("kind")]
    return rule


@st.composite
def roadmap_catalogs(draw: Any, max_cards: int = 4) -> dict[str, Any]:
    """A catalog@2 (issuers with rules, families, business cards) or @1 of random cards."""
    count = draw(st.integers(1, max_cards))
    v2 = draw(st.booleans())
    raw_cards = []
    for i in range(count):
        raw = draw(cards(f"card-{i:02d}"))
        raw["issuer"] = draw(st.sampled_from(ISSUERS))
        raw["business"] = draw(st.booleans()) and draw(st.booleans())
        if "bonus" in raw:
            raw["bonus"]["months"] = draw(st.integers(1, 3))
            raw["bonus"]["min_spend"] = draw(st.sampled_from([0, 300, 1000, 3000, 6000]))
        if v2:
            if draw(st.booleans()):
                raw["family"] = "fam"
            raw.update(
                status="open",
                status_confirmed_on="2026-12-03",
                verified_on="2026-12-03",
                evidence=[source(["annual_fee", "rules", "bonus"])],
            )
            for rule in raw["rules"]:
                if "rotating" in rule:
                    quarters = rule["rotating"]
                    keyed = {"2026Q4": quarters["Q4"], "2027Q1": quarters["Q1"]}
                    if draw(st.booleans()):
                        keyed["2027Q2"] = quarters["Q2"]
                    rule["rotating"] = keyed
        raw_cards.append(raw)
    data: dict[str, Any] = {
        "format": V2 if v2 else "creditcard-guru/catalog@1",
        "currencies": copy.deepcopy(_currencies()),
        "cards": raw_cards,
    }
    if v2:
        used = sorted({raw["issuer"] for raw in raw_cards})
        data["issuers"] = [
            {"name": name, "rules": rules}
            for name in used
            if (rules := draw(st.lists(issuer_rule(), max_size=3)))
        ]
    return data


def _currencies() -> list[dict[str, Any]]:
    from tests.rewards.builders import CURRENCIES

    return CURRENCIES


@st.composite
def situations(draw: Any, ids: list[str], horizons: list[int]) -> dict[str, Any]:
    held = draw(st.lists(st.sampled_from(ids), max_size=1, unique=True))
    return {
        "months": draw(st.sampled_from(horizons)),
        "max_new": draw(st.sampled_from([0, 1, 2, 2, 2, 3])),
        "spacing": draw(st.integers(1, 3)),
        "held": [(card_id, draw(st.integers(-24, 0))) for card_id in held],
        "other_recent": draw(st.integers(0, 2)),
        "bonus_history": draw(
            st.lists(st.tuples(st.sampled_from(ids), st.integers(-30, 0)), max_size=1)
        ),
        "count_credits": draw(st.booleans()),
        "cpp": draw(
            st.dictionaries(
                st.sampled_from(["cash", "chase_ur"]), st.sampled_from([0.8, 2.0]), max_size=1
            )
        ),
    }


def _month(relative: int) -> str:
    absolute = TODAY_ABS + relative
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


def _run(raw: dict, spend: dict, s: dict, top: int = 3):  # noqa: ANN202
    catalog = parse_catalog(raw, today=TODAY)
    options = RoadmapOptions(
        today="2026-12",
        months=s["months"],
        max_new=s["max_new"],
        spacing=s["spacing"],
        held=tuple((cid, _month(m)) for cid, m in s["held"]),
        other_recent=s["other_recent"],
        bonus_history=tuple((cid, _month(m)) for cid, m in s["bonus_history"]),
        top=top,
        include_business=True,
        count_credits=s["count_credits"],
        cents_per_point=s["cpp"],
    )
    result = roadmap(catalog, spend, options)
    person = Person(TODAY_ABS, s["months"], s["held"], s["other_recent"], s["bonus_history"])
    held = {cid for cid, _ in s["held"]}
    candidates = [card.id for card in catalog.cards if card.id not in held]
    reference = Reference(catalog, spend, s["cpp"], person, candidates, s["count_credits"])
    return catalog, result, reference, person


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@SETTINGS
@given(roadmap_catalogs(), spends(), st.data())
def test_the_best_plans_have_the_brute_force_values(raw: dict, spend: dict, data: Any) -> None:
    ids = [c["id"] for c in raw["cards"]]
    s = data.draw(situations(ids, [3, 4, 5, 6]))
    catalog, result, reference, _ = _run(raw, spend, s)
    expected = reference.best_by_set(s["max_new"], s["spacing"])
    got = [float(plan.value) for plan in result.plans]
    assert len(got) == min(3, len(expected))
    for value, (want, _) in zip(got, expected, strict=False):
        assert abs(value - want) <= 0.011, (got, expected)
    assert abs(float(result.baseline) - reference.value(())) <= 0.011


@SETTINGS
@given(roadmap_catalogs(), spends(), st.data())
def test_every_plan_respects_the_rules_and_reaches_its_bonuses(
    raw: dict, spend: dict, data: Any
) -> None:
    ids = [c["id"] for c in raw["cards"]]
    s = data.draw(situations(ids, [4, 6, 13]))
    catalog, result, reference, person = _run(raw, spend, s)
    for plan in result.plans:
        schedule = [(app.card, app.month) for app in plan.applications]
        months = [m for _, m in schedule]
        assert all(b - a >= s["spacing"] for a, b in zip(months, months[1:], strict=False))
        assert len(schedule) <= s["max_new"]
        approved, counted = check_schedule(catalog, person, schedule)
        assert approved
        assert counted == [app.bonus_counted for app in plan.applications]
        # Valid in the reference (every counted bonus's minimum spend reachable), same value.
        value = reference.value(schedule)
        assert value is not None
        assert abs(value - float(plan.value)) <= 0.011
        # The month rows add up to the plan value (each row rounded on its own).
        total = sum(
            float(r.rewards) - float(r.fees) + float(r.bonus) + float(r.credits)
            for r in plan.months
        )
        # Four amounts a row, each rounded to the cent on its own.
        assert abs(total - float(plan.value)) <= 0.02 * len(plan.months) + 0.005
        for app in plan.applications:
            if app.bonus_counted:
                routed = sum(float(r.spend) for r in app.route)
                assert routed >= float(app.min_spend_per_month) - 0.02


@SETTINGS
@given(roadmap_catalogs(3), spends(), st.data())
def test_a_month_with_lower_bounds_is_worth_the_lp_optimum(
    raw: dict, spend: dict, data: Any
) -> None:
    catalog = parse_catalog(raw, today=TODAY)
    builder = _Builder(catalog, spend, RoadmapOptions(today="2026-12", months=12))
    total = sum(spend.values())
    ids = [card.id for card in catalog.cards]
    wallet = tuple(range(len(ids)))
    shares = data.draw(
        st.lists(st.sampled_from([0, 0.2, 0.5, 0.9]), min_size=len(ids), max_size=len(ids))
    )
    if sum(shares) > 1:
        shares = [share / sum(shares) for share in shares]
    lower = tuple((i, total * share) for i, share in enumerate(shares) if share > 0)
    t = data.draw(st.integers(1, 12))
    reference = Reference(catalog, spend, {}, Person(TODAY_ABS, 12, [], 0, []), ids, False)
    want = reference.month(tuple(ids), {ids[i]: amount for i, amount in lower}, t)
    got = builder.values.bounded(wallet, lower, t)[0]
    assert want is not None
    assert abs(got - want) <= 1e-6 * max(1.0, abs(want)) + 1e-7
