"""Dominance: cards that enough others beat at every allocation are dropped, and rightly so."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.dominance import dominated
from rewards.engine import Options
from rewards.model import model_for
from rewards.query import Query
from tests.rewards.builders import card, catalog
from tests.rewards.strategies import catalogs, spends


def ids(query: Query, mask: np.ndarray) -> list[str]:
    return [query.model.cards[i].card.id for i in query.candidates[mask]]


def test_a_card_beaten_everywhere_by_enough_others_is_dropped() -> None:
    raw = catalog(
        card("two-a", base_rate=2),
        card("two-b", base_rate=2),
        card("x-one-and-a-half", base_rate=1.5),
        # Capped 5% groceries: what it adds above the 2% floors is not covered by any card's
        # modular advantage, so nothing dominates it.
        card(
            "groceries-five",
            rules=[
                {"categories": ["groceries"], "rate": 5, "cap": {"amount": 500, "per": "quarter"}}
            ],
        ),
    )
    query = Query(model_for(parse_catalog(raw)), {"groceries": 300, "other": 500}, Options(top_n=1))
    # Top 1 of size 1 needs one dominator, of size 2 two.
    assert ids(query, dominated(query, 1)) == ["two-b", "x-one-and-a-half"]
    assert ids(query, dominated(query, 2)) == ["x-one-and-a-half"]
    assert not dominated(query, 3).any()  # N + 2 = 3 dominators: nobody has that many


def test_a_fee_is_covered_only_by_a_whole_cent_or_an_earlier_name_and_no_higher_fee() -> None:
    raw = catalog(
        card("b-plain", base_rate=2),
        card(
            "z-fee",
            base_rate=2,
            annual_fee=95,
            credits=[{"name": "c", "amount": 95, "per": "year"}],
        ),
    )
    query = Query(
        model_for(parse_catalog(raw)), {"other": 500}, Options(top_n=1, count_credits=True)
    )
    # Same value and a higher fee: z-fee ranks after b-plain, which dominates it.
    assert ids(query, dominated(query, 1)) == ["z-fee"]
    # With an earlier name the test is conservative (a tie needs both): nothing is dropped.
    raw["cards"][1]["name"] = "A Fee"
    query = Query(
        model_for(parse_catalog(raw)), {"other": 500}, Options(top_n=1, count_credits=True)
    )
    assert not dominated(query, 1).any()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(2, 6), spends(), st.sampled_from(["ongoing", "year_one"]), st.booleans())
def test_swapping_in_a_dominating_card_never_lowers_the_score(
    raw: dict, spend: dict, rank: str, with_held: bool
) -> None:
    """The dominance test: what c adds over r's floors, S·(φ_c − φ_r)⁺ + surplus_c(φ_r), is
    covered by r's modular advantage, so any wallet with c is worth no more than with r."""
    catalog_ = parse_catalog(raw)
    ids_ = [card.id for card in catalog_.cards]
    held = tuple(ids_[:1]) if with_held and len(ids_) > 3 else ()
    options = Options(rank=rank, held=held, include_business=True, count_credits=True)
    query = Query(model_for(catalog_), spend, options)
    bounds = query.bounds
    cands = [int(c) for c in query.candidates]
    for r in cands:
        over = np.maximum(bounds.phi - bounds.phi[r], 0.0) @ query.annual
        gap = over + bounds.surplus(bounds.phi[r])
        for c in cands:
            if c == r or query.mod[r] - query.mod[c] - gap[c] < -1e-9:
                continue
            others = [x for x in cands if x not in (r, c)]
            for size in (0, 1, 2):
                for rest in itertools.combinations(others, size):
                    with_c = query.score((*rest, c))
                    with_r = query.score((*rest, r))
                    assert with_r >= with_c - 1e-6
