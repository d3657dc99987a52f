"""The search returns the true top N: the same wallets as valuing every wallet and sorting.

The brute force solves every wallet of a catalog exactly, and a wallet whose yearly cap
couples its quarters beside a choice card can take seconds (docs/performance.md, Venmo held):
one random draw, an 8-card catalog, ran for over 20 minutes in CI on 2026-12-05. So these
tests draw the same examples every run (`derandomize=True`): the suite's time stays what it
was measured at (35 s for this file), and new examples come with changes to the strategies.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.engine import Options, recommend
from rewards.model import model_for
from rewards.query import Query
from rewards.search import Search
from tests.rewards import builders
from tests.rewards.strategies import catalogs, coupled_catalogs, spends

BRUTE_FORCE = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
    "derandomize": True,  # see the module's doc
}


def searched(catalog, spend: dict, options: Options) -> dict[int, list[tuple[str, ...]]]:
    """The engine's top wallets of each size: recommend's when ranked by ongoing value; when
    ranked by first year, the search by the old first-year figure, the upper bound whose exact
    top M the true first-year ranking reads best first (tests/rewards/test_year_one.py checks
    the rest)."""
    if options.rank == "ongoing":
        result = recommend(catalog, spend, options)
        return {size: [wallet.cards for wallet in result.wallets[size]] for size in (1, 2, 3)}
    search = Search(Query(model_for(catalog), spend, options))
    return {
        size: [tuple(catalog.cards[i].id for i in found.cards) for found in search.run(size)]
        for size in (1, 2, 3)
    }


def brute_force(catalog, spend: dict, options: Options, size: int) -> list[tuple[str, ...]]:
    query = Query(model_for(catalog), spend, options)
    every = [query.found(combo) for combo in itertools.combinations(query.candidates, size)]
    best = sorted(every, key=query.rank_key)[: options.top_n]
    return [tuple(catalog.cards[i].id for i in found.cards) for found in best]


@settings(max_examples=40, **BRUTE_FORCE)
@given(
    catalogs(1, 12),
    spends(),
    st.sampled_from(["ongoing", "year_one"]),
    st.integers(1, 6),
    st.booleans(),
)
def test_top_n_of_every_size_equals_brute_force(
    raw: dict, spend: dict, rank: str, top_n: int, with_held: bool
) -> None:
    catalog = parse_catalog(raw)
    ids = [card.id for card in catalog.cards]
    held = tuple(ids[:1]) if with_held and len(ids) > 3 else ()
    options = Options(top_n=top_n, rank=rank, held=held, include_business=True, count_credits=True)
    got = searched(catalog, spend, options)
    for size in (1, 2, 3):
        assert got[size] == brute_force(catalog, spend, options, size)


@settings(max_examples=20, **BRUTE_FORCE)
@given(catalogs(4, 25), spends(), st.sampled_from([0, 95, 250]), st.sampled_from(["good", "fair"]))
def test_filters_are_applied_before_the_search(
    raw: dict, spend: dict, max_fee: int, band: str
) -> None:
    catalog = parse_catalog(raw)
    options = Options(top_n=3, max_annual_fee=max_fee, credit_band=band, include_business=True)
    result = recommend(catalog, spend, options)
    for size in (1, 2, 3):
        got = [wallet.cards for wallet in result.wallets[size]]
        assert got == brute_force(catalog, spend, options, size)
        for wallet in got:
            for card_id in wallet:
                card = catalog.card(card_id)
                assert card.annual_fee <= max_fee
                assert not (band == "fair" and card.credit in ("good", "excellent"))
                assert not (band == "good" and card.credit == "excellent")


@settings(max_examples=8, **BRUTE_FORCE)
@given(catalogs(20, 25), spends(), st.integers(1, 10))
def test_top_n_on_catalogs_of_20_to_25_cards_equals_brute_force(
    raw: dict, spend: dict, top_n: int
) -> None:
    catalog = parse_catalog(raw)
    options = Options(top_n=top_n, include_business=True)
    result = recommend(catalog, spend, options)
    for size in (1, 2, 3):
        got = [wallet.cards for wallet in result.wallets[size]]
        assert got == brute_force(catalog, spend, options, size)


@settings(max_examples=30, **BRUTE_FORCE)
@given(catalogs(2, 8), spends(), st.integers(1, 6), st.lists(st.booleans(), min_size=8, max_size=8))
def test_top_n_with_twin_cards_equals_brute_force(
    raw: dict, spend: dict, top_n: int, before: list[bool]
) -> None:
    """Copies of cards (same rules and fee, another name before or after) are twins in the
    triple search: their triples are settled from the original's. Still the true top N.

    Cards with a choice rule get no twin: the catalogs keep the strategies' shape bound of two
    choice rules (twins of them made some brute forces take many minutes on CI)."""
    cards = [card for card in raw["cards"] if not any("choose" in r for r in card["rules"])]
    for number, (card, first) in enumerate(zip(cards, before, strict=False)):
        twin = dict(card, id=f"{card['id']}-twin-{number}")
        twin["name"] = ("A " if first else "Z ") + card["name"]
        raw["cards"].append(twin)
    catalog = parse_catalog(raw)
    options = Options(top_n=top_n, include_business=True)
    result = recommend(catalog, spend, options)
    for size in (2, 3):
        got = [wallet.cards for wallet in result.wallets[size]]
        assert got == brute_force(catalog, spend, options, size)


@settings(max_examples=25, **BRUTE_FORCE)
@given(
    st.lists(st.sampled_from(["groceries", "dining", "gas", "none"]), min_size=3, max_size=9),
    st.permutations(range(9)),
    st.integers(1, 10),
)
def test_top_n_where_the_top_wallets_tie_to_the_cent_equals_brute_force(
    extras: list[str], names: list[int], top_n: int
) -> None:
    """Uncapped cards whose triples tie: a 4 % groceries card, a 4 % dining card and flat 2 %
    cards (some with 3 % on one category, which the 4 % cards cover better): every triple of
    the two and a flat card is worth the same to the cent, so fees and then names decide the
    top N. Uncapped, the triples' first, coarsest bounds are exact, and the search prunes by
    the whole rank key from them on: a bound a cent too low there drops a tied wallet that
    ranks first by name."""
    cards = [
        builders.card("grocer", name="M Grocer", rules=[{"categories": ["groceries"], "rate": 4}]),
        builders.card("diner", name="N Diner", rules=[{"categories": ["dining"], "rate": 4}]),
    ]
    for number, extra in enumerate(extras):
        rules = [] if extra == "none" else [{"categories": [extra], "rate": 3}]
        name = f"{chr(ord('A') + names[number] * 3)} Flat {number}"
        cards.append(builders.card(f"flat-{number}", name=name, base_rate=2, rules=rules))
    catalog = parse_catalog(builders.catalog(*cards))
    spend = {"groceries": 500, "dining": 400, "other": 300}
    options = Options(top_n=top_n)
    result = recommend(catalog, spend, options)
    for size in (2, 3):
        got = [wallet.cards for wallet in result.wallets[size]]
        assert got == brute_force(catalog, spend, options, size)


@settings(max_examples=30, **BRUTE_FORCE)
@given(
    st.lists(coupled_catalogs(2, 4), min_size=1, max_size=3),
    spends(),
    st.sampled_from(["ongoing", "year_one"]),
    st.integers(1, 6),
)
def test_top_n_with_yearly_caps_coupling_the_quarters_equals_brute_force(
    parts: list[dict], spend: dict, rank: str, top_n: int
) -> None:
    """Several rotating and yearly-capped cards in one catalog (up to 12 cards)."""
    raw = parts[0]
    for number, part in enumerate(parts[1:], start=1):
        for card in part["cards"]:
            raw["cards"].append(
                dict(card, id=f"{card['id']}-{number}", name=f"{card['name']} {number}")
            )
    catalog = parse_catalog(raw)
    options = Options(top_n=top_n, rank=rank, include_business=True, count_credits=True)
    got = searched(catalog, spend, options)
    for size in (1, 2, 3):
        assert got[size] == brute_force(catalog, spend, options, size)


@settings(max_examples=60, **BRUTE_FORCE)
@given(
    st.one_of(catalogs(3, 12), coupled_catalogs(3, 5)),
    spends(),
    st.sampled_from(["ongoing", "year_one"]),
    st.integers(1, 6),
    st.booleans(),
)
def test_the_floor_from_smaller_wallets_is_never_above_the_n_th_best_score(
    raw: dict, spend: dict, rank: str, top_n: int, with_held: bool
) -> None:
    """Before a size is searched, the best wallets one card smaller (plus any card) set a
    floor under its N-th best score: never above the brute force's N-th best score."""
    catalog = parse_catalog(raw)
    ids = [card.id for card in catalog.cards]
    held = tuple(ids[:1]) if with_held and len(ids) > 3 else ()
    options = Options(top_n=top_n, rank=rank, held=held, include_business=True, count_credits=True)
    query = Query(model_for(catalog), spend, options)
    search = Search(query)
    for size in (1, 2, 3):
        floors: list[float] = []
        original = search._floor

        def record(size_: int, cands, top, original=original, floors=floors) -> None:
            original(size_, cands, top)
            floors.append(top.floor)

        search._floor = record
        search.run(size)
        every = sorted(
            (query.found(combo) for combo in itertools.combinations(query.candidates, size)),
            key=query.rank_key,
        )
        if floors and floors[0] > float("-inf"):
            assert len(every) >= top_n
            assert floors[0] <= every[top_n - 1].score + 1e-9
