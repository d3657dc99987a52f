"""Hypothesis strategies: random catalogs that use every rule variant, and spend profiles."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.rewards.builders import CURRENCIES, card, catalog

# A few categories so that cards compete for the same spend; `travel` is a group of two here.
LEAVES = ["groceries", "dining", "gas", "airfare", "hotels", "foreign", "other"]
RULE_NAMES = ["groceries", "dining", "gas", "airfare", "hotels", "foreign", "travel"]
CURRENCY_IDS = [currency["id"] for currency in CURRENCIES]

rates = st.sampled_from([2, 3, 4, 5, 6])
amounts = st.sampled_from([100, 250, 500, 1000, 1500, 2500, 6000])
pers = st.sampled_from(["month", "quarter", "year"])


def _caps(draw: Any) -> dict[str, Any]:
    return {"amount": draw(amounts), "per": draw(pers)}


@st.composite
def category_lists(draw: Any, min_size: int = 1, max_size: int = 3) -> list[str]:
    """Distinct rule categories without a leaf listed twice (travel covers airfare, hotels)."""
    names = draw(
        st.lists(st.sampled_from(RULE_NAMES), min_size=min_size, max_size=max_size, unique=True)
    )
    if "travel" in names:
        names = [name for name in names if name not in ("airfare", "hotels")]
    return names


@st.composite
def rules_for_card(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rules, shared_caps) mixing every variant."""
    rules: list[dict[str, Any]] = []
    shared: list[dict[str, Any]] = []
    kinds = draw(
        st.lists(
            st.sampled_from(["fixed", "capped", "shared", "choose", "top", "rotating"]),
            min_size=0,
            max_size=3,
        )
    )
    for kind in kinds:
        if kind == "fixed":
            rules.append({"categories": draw(category_lists()), "rate": draw(rates)})
        elif kind == "capped":
            rules.append(
                {"categories": draw(category_lists()), "rate": draw(rates), "cap": _caps(draw)}
            )
        elif kind == "shared" and not shared:
            shared.append({"id": "combined", "amount": draw(amounts), "per": draw(pers)})
            for _ in range(2):
                rules.append(
                    {
                        "categories": draw(category_lists(1, 2)),
                        "rate": draw(rates),
                        "cap": "combined",
                    }
                )
        elif kind in ("choose", "top"):
            names = draw(category_lists(2, 4))
            if len(names) < 2:
                continue
            rule: dict[str, Any] = {
                "categories": names,
                "choose": draw(st.integers(1, min(2, len(names) - 1))),
            }
            if kind == "top":
                rule["pick"] = "top"
            rule["rate"] = draw(rates)
            capped = draw(st.sampled_from(["own", "own", "shared", "none"]))
            if capped == "shared" or (capped == "none" and kind == "top"):
                # A choice sharing one cap with another rule (like Customized Cash).
                if not shared:
                    shared.append({"id": "combined", "amount": draw(amounts), "per": draw(pers)})
                    rules.append(
                        {
                            "categories": draw(category_lists(1, 2)),
                            "rate": draw(rates),
                            "cap": "combined",
                        }
                    )
                rule["cap"] = "combined"
            elif capped == "own":
                rule["cap"] = _caps(draw)
            rules.append(rule)
        elif kind == "rotating":
            quarters = {
                q: draw(st.lists(st.sampled_from(LEAVES[:-1]), max_size=2, unique=True))
                for q in ("Q1", "Q2", "Q3", "Q4")
            }
            per = draw(st.sampled_from(["quarter", "quarter", "year"]))
            rules.append(
                {"rotating": quarters, "rate": 5, "cap": {"amount": draw(amounts), "per": per}}
            )
    return rules, shared


@st.composite
def cards(draw: Any, card_id: str) -> dict[str, Any]:
    """One random card."""
    rules, shared = draw(rules_for_card())
    fields: dict[str, Any] = {
        "currency": draw(st.sampled_from(CURRENCY_IDS)),
        "annual_fee": draw(st.sampled_from([0, 0, 95, 250])),
        "base_rate": draw(st.sampled_from([1, 1, 1.5, 2])),
        "rules": rules,
        "credit": draw(st.sampled_from(["excellent", "good", "fair"])),
    }
    if shared:
        fields["shared_caps"] = shared
    if draw(st.booleans()):
        fields["foreign_fee_pct"] = 3
    if fields["annual_fee"] and draw(st.booleans()):
        fields["first_year_fee"] = 0
    if draw(st.booleans()):
        fields["bonus"] = {
            "points": draw(st.sampled_from([10000, 20000, 60000])),
            "min_spend": draw(st.sampled_from([500, 3000, 6000])),
            "months": 3,
        }
    if draw(st.booleans()):
        fields["credits"] = [
            {"name": "Credit", "amount": draw(st.sampled_from([50, 120])), "per": "year"}
        ]
    return card(card_id, **fields)


# Choice rules (choose-N, pick-top) per catalog: every wallet's allocation branches on them, per
# quarter when a yearly cap couples the quarters, so a few more make an example cost seconds.
# Two keep every variant (and two choice cards competing) while bounding each example's cost.
MAX_CHOICE_RULES = 2


def limit_choices(
    raw: dict[str, Any], limit: int = MAX_CHOICE_RULES, first: int | None = None
) -> dict[str, Any]:
    """Drop choice rules past the first `limit` of the catalog (and shared caps left unused).

    Cards are taken in order, card `first` before the others."""
    seen = 0
    order = list(raw["cards"])
    if first is not None:
        order.insert(0, order.pop(first))
    for entry in order:
        kept = []
        for rule in entry["rules"]:
            if "choose" in rule:
                seen += 1
                if seen > limit:
                    continue
            kept.append(rule)
        entry["rules"] = kept
        named = {rule["cap"] for rule in kept if isinstance(rule.get("cap"), str)}
        if "shared_caps" in entry:
            entry["shared_caps"] = [cap for cap in entry["shared_caps"] if cap["id"] in named]
            if not entry["shared_caps"]:
                del entry["shared_caps"]
    return raw


@st.composite
def catalogs(draw: Any, min_cards: int = 1, max_cards: int = 6) -> dict[str, Any]:
    """A random valid catalog dict (at most MAX_CHOICE_RULES choice rules in all)."""
    count = draw(st.integers(min_cards, max_cards))
    return limit_choices(catalog(*(draw(cards(f"card-{i:02d}")) for i in range(count))))


@st.composite
def yearly_rule(draw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rules, shared_caps) with a yearly cap: fixed, shared by two rules, or on a choice."""
    year = {"amount": draw(st.sampled_from([250, 1000, 2500, 6000])), "per": "year"}
    kind = draw(st.sampled_from(["fixed", "shared", "choose", "top"]))
    if kind == "fixed":
        return [{"categories": draw(category_lists()), "rate": draw(rates), "cap": year}], []
    if kind == "shared":
        rules = [
            {"categories": draw(category_lists(1, 2)), "rate": draw(rates), "cap": "combined"}
            for _ in range(2)
        ]
        return rules, [{"id": "combined", **year}]
    names = draw(category_lists(2, 4))
    if len(names) < 2:
        return [{"categories": names, "rate": draw(rates), "cap": year}], []
    rule: dict[str, Any] = {"categories": names, "choose": 1, "rate": draw(rates), "cap": year}
    if kind == "top":
        rule["pick"] = "top"
    return [rule], []


@st.composite
def coupled_catalogs(draw: Any, min_cards: int = 2, max_cards: int = 5) -> dict[str, Any]:
    """Catalogs whose wallets couple the quarters: a rotating card beside yearly-capped ones.

    Card 0 has a rotating rule (its cap per quarter or per year), card 1 a yearly cap (on a
    fixed rule, a shared cap or a choice), the others any rules (yearly caps often among them).
    """
    count = draw(st.integers(min_cards, max_cards))
    raw = catalog(*(draw(cards(f"card-{i:02d}")) for i in range(count)))
    quarters = {
        q: draw(st.lists(st.sampled_from(LEAVES[:-1]), max_size=2, unique=True))
        for q in ("Q1", "Q2", "Q3", "Q4")
    }
    per = draw(st.sampled_from(["quarter", "year"]))
    raw["cards"][0]["rules"] = [
        {"rotating": quarters, "rate": 5, "cap": {"amount": draw(amounts), "per": per}}
    ] + draw(st.sampled_from([[], [{"categories": draw(category_lists()), "rate": 2}]]))
    raw["cards"][0].pop("shared_caps", None)
    rules, shared = draw(yearly_rule())
    raw["cards"][1]["rules"] = rules
    raw["cards"][1].pop("shared_caps", None)
    if shared:
        raw["cards"][1]["shared_caps"] = shared
    # Card 1's yearly-capped rule (a choice or not) is always kept.
    return limit_choices(raw, first=1)


@st.composite
def pick_top_yearly_catalogs(draw: Any) -> dict[str, Any]:
    """Three or four cards where overlapping pick-top rules meet binding yearly caps.

    Cards 0 and 1 each have a pick-top rule ("choose": 1) with a yearly cap and a fixed rule on
    one of its categories (so the "receives most" rows can bind: the explicit LP), card 2 a
    yearly-capped fixed rule, and an optional card 3 rotates (quarters that differ). Wallets
    of these need the year's quarters coupled with a choice per quarter: the hardest case.
    """
    raw_cards = []
    for i in range(2):
        names = draw(category_lists(2, 3))
        if len(names) < 2:
            names = ["groceries", "dining"]
        overlap = draw(st.sampled_from(names))
        overlap_leaf = "airfare" if overlap == "travel" else overlap
        year = {"amount": draw(st.sampled_from([500, 1000, 1500, 2500])), "per": "year"}
        rules = [
            {"categories": names, "choose": 1, "pick": "top", "rate": 5, "cap": year},
            {"categories": [overlap_leaf], "rate": draw(st.sampled_from([2, 3]))},
        ]
        raw_cards.append(card(f"card-{i:02d}", rules=rules))
    year = {"amount": draw(st.sampled_from([1000, 3000, 6000])), "per": "year"}
    raw_cards.append(
        card("card-02", rules=[{"categories": draw(category_lists(1, 2)), "rate": 6, "cap": year}])
    )
    if draw(st.booleans()):
        quarters = {
            q: draw(st.lists(st.sampled_from(LEAVES[:-1]), max_size=2, unique=True))
            for q in ("Q1", "Q2", "Q3", "Q4")
        }
        per = draw(st.sampled_from(["quarter", "year"]))
        rotating = {"rotating": quarters, "rate": 5, "cap": {"amount": 1500, "per": per}}
        raw_cards.append(card("card-03", rules=[rotating]))
    return catalog(*raw_cards)


@st.composite
def spends(draw: Any) -> dict[str, float]:
    """Monthly spend on a random subset of the categories (some dollars and cents)."""
    chosen = draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=len(LEAVES), unique=True))
    return {
        leaf: draw(
            st.one_of(
                st.sampled_from([50, 100, 200, 500, 1000, 2500]),
                st.integers(1, 3000).map(lambda n: n / 4),
            )
        )
        for leaf in chosen
    }
