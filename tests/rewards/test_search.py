"""The search loop's own parts: the top-N threshold with the whole rank key, and early stops."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.engine import Options
from rewards.model import model_for
from rewards.money import cents
from rewards.query import Query
from rewards.search import Search, TopN
from tests.rewards.builders import card, catalog
from tests.rewards.strategies import catalogs, spends


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(3, 7), spends(), st.integers(1, 4), st.data())
def test_beaten_all_agrees_with_beaten_and_with_the_rank_key(
    raw: dict, spend: dict, top_n: int, data: st.DataObject
) -> None:
    query = Query(model_for(parse_catalog(raw)), spend, Options(top_n=top_n, include_business=True))
    top = TopN(query, top_n)
    wallets = list(itertools.combinations([int(c) for c in query.candidates], 2))
    if len(wallets) <= top_n:
        return
    for wallet in wallets[:top_n]:
        top.add(wallet)
    rest = np.array(wallets[top_n:])
    # Bounds at, just above and below the exact scores: ties are decided by fees and names.
    scores = np.array([query.score(tuple(w)) for w in rest])
    shift = np.array(
        data.draw(
            st.lists(st.sampled_from([-0.02, 0.0, 0.02]), min_size=len(rest), max_size=len(rest))
        )
    )
    bounds = scores + shift
    batch = top.beaten_all(bounds, rest)
    worst = query.rank_key(max(top.found.values(), key=query.rank_key))
    for wallet, bound, beaten in zip(rest, bounds, batch, strict=True):
        fees = int(query.model.fee_cents[list(wallet)].sum())
        ranks = query.ranks(wallet)
        assert beaten == top.beaten(float(bound), fees, ranks)
        # With an exact score, "beaten" means it ranks after the N-th best (a bound rounds up
        # on half cents, so the converse may fail by a cent on negative halves: pruning less).
        found = query.found(tuple(int(c) for c in wallet))
        if abs(bound - found.score) < 1e-9:
            if beaten:
                assert query.rank_key(found) > worst
            elif query.rank_key(found) > worst:
                assert abs(found.score * 100 - round(found.score * 100)) > 0.4


def test_first_better_stops_at_a_wallet_that_beats_the_incumbent() -> None:
    raw = catalog(*(card(f"card-{i}", base_rate=rate) for i, rate in enumerate((1, 1.5, 2, 3))))
    query = Query(model_for(parse_catalog(raw)), {"other": 1000}, Options(top_n=1))
    index = query.model.index
    found = Search(query).run(1, incumbent=(index["card-1"],), first_better=True)
    assert len(found) == 1 and found[0].score > query.score((index["card-1"],))
    # The best card is the incumbent: nothing beats it, the result is the true top 1.
    best = Search(query).run(1, incumbent=(index["card-3"],), first_better=True)
    assert [f.cards for f in best] == [(index["card-3"],)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs(2, 7), spends(), st.integers(1, 3), st.integers(1, 3), st.data())
def test_at_least_finds_exactly_the_wallets_worth_that_much(
    raw: dict, spend: dict, size: int, top_n: int, data: st.DataObject
) -> None:
    """A search asked only for wallets worth at least some cents (how break_even challenges a
    wallet of another size) returns the brute-force top N of those, or with first_better one
    of them; none when no wallet is worth that much."""
    query = Query(model_for(parse_catalog(raw)), spend, Options(top_n=top_n, include_business=True))
    every = [query.found(w) for w in itertools.combinations(query.candidates, size)]
    if not every:
        return
    worth = sorted({cents(f.score) for f in every})
    # At a wallet's value, a cent above it, a cent below, and above every wallet.
    pick = data.draw(st.sampled_from(worth))
    at_least = pick + data.draw(st.sampled_from([-1, 0, 1])) if worth[-1] > pick else pick + 1
    wanted = sorted((f for f in every if cents(f.score) >= at_least), key=query.rank_key)
    found = Search(query).run(size, at_least=at_least)
    assert [f.cards for f in found] == [f.cards for f in wanted[:top_n]]
    first = Search(query).run(size, at_least=at_least, first_better=True)
    if not wanted:
        assert first == []
    else:
        assert len(first) == 1 and cents(first[0].score) >= at_least
