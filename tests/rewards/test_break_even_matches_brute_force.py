"""break_even's edges are real edges, and equal to a plain bisection over brute-force leaders."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.engine import BreakEven, Options, break_even, recommend
from rewards.model import model_for
from rewards.money import cents
from rewards.query import Query
from tests.rewards.builders import card
from tests.rewards.strategies import LEAVES, catalogs, spends


def brute_leader(catalog, spend: dict, options: Options) -> tuple[str, ...] | None:
    """The first wallet of the sizes asked for, every wallet solved: the highest value to the
    cent, then fewer cards (a card that adds nothing is no reason to open it), then the rank
    key (lower fees, then names)."""
    query = Query(model_for(catalog), spend, options)
    every = [
        query.found(combo)
        for size in options.wallet_sizes
        for combo in itertools.combinations(query.candidates, size)
    ]
    if not every:
        return None
    best = min(every, key=lambda f: (-cents(f.score), len(f.cards), query.rank_key(f)))
    return tuple(catalog.cards[i].id for i in best.cards)


def bisection(catalog, spend: dict, options: Options, category: str) -> tuple:
    """What break_even used to do, one brute-force leader per probe (the reference)."""

    def leader(monthly: float):
        return brute_leader(catalog, {**spend, category: monthly}, options)

    current = float(spend.get(category, 0))
    top = leader(current)
    bound = float(max(math.ceil(4 * current), 2000))
    lower = below = None
    if leader(0.0) != top:
        low, high = 0, math.floor(current)
        if high > 0 and leader(float(high)) == top:
            while high - low > 1:
                middle = (low + high) // 2
                if leader(float(middle)) == top:
                    high = middle
                else:
                    low = middle
            lower = Decimal(high)
        else:
            lower = None  # today's spend (compared separately)
        below = leader(float(low))
    upper = above = None
    if leader(bound) != top:
        low, high = math.ceil(current), int(bound)
        if leader(float(low)) == top:
            while high - low > 1:
                middle = (low + high) // 2
                if leader(float(middle)) == top:
                    low = middle
                else:
                    high = middle
            upper = Decimal(low)
        above = leader(float(high))
    return top, lower, below, upper, above


def assert_edges_are_edges(
    result: BreakEven, leader: Callable[[float], tuple[str, ...] | None], current: float
) -> tuple[bool, bool]:
    """Each edge break_even reports is where `leader` (the answer at a monthly spend) changes;
    (whether the lower edge is a whole dollar, whether the upper one is)."""
    bound = float(result.searched_to)
    assert bound == max(math.ceil(4 * current), 2000)
    # A whole-dollar edge is Decimal(int); "today's spend" is money (two decimal places).
    whole_lower = result.lower is not None and result.lower.as_tuple().exponent == 0
    whole_upper = result.upper is not None and result.upper.as_tuple().exponent == 0
    if result.lower is None:
        assert leader(0.0) == result.wallet
    elif whole_lower:
        edge = float(result.lower)
        assert 0 < edge <= current
        assert leader(edge) == result.wallet
        assert leader(edge - 1) == result.below != result.wallet
    else:
        assert leader(0.0) == result.below != result.wallet
    if result.upper is None:
        assert leader(bound) == result.wallet
    elif whole_upper:
        edge = float(result.upper)
        assert current <= edge < bound
        assert leader(edge) == result.wallet
        assert leader(edge + 1) == result.above != result.wallet
    else:
        assert leader(bound) == result.above != result.wallet
    return whole_lower, whole_upper


# 80 examples: each one brute-forces every wallet at every bisection step (about half of the
# engine suite's time at 150 on a loaded 2-core machine).
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    catalogs(1, 5),
    spends(),
    st.sampled_from(LEAVES),
    st.sampled_from([None, 0, 40, 150, 333.25, 600, 1200]),
    st.integers(1, 3),
    st.booleans(),
)
def test_break_even_edges_are_edges_and_match_bisection(
    raw: dict, spend: dict, category: str, amount: float | None, size: int, smaller_too: bool
) -> None:
    # A flat 2% card in every catalog: it tends to lead when the category's spend is low, so
    # lower edges come up as often as upper ones.
    raw = {**raw, "cards": [*raw["cards"], card("flat-two", base_rate=2)]}
    catalog = parse_catalog(raw)
    if amount is not None:
        spend = {**spend, category: amount}
    if len(catalog.cards) < size:
        return
    # Every size up to `size` (as the results page asks), or `size` alone.
    sizes = tuple(range(1, size + 1)) if smaller_too else (size,)
    options = Options(wallet_sizes=sizes, top_n=1, include_business=True)
    result = break_even(catalog, spend, options, category)

    def leader(monthly: float):
        return brute_leader(catalog, {**spend, category: monthly}, options)

    current = float(spend.get(category, 0))
    assert result.wallet == leader(current)
    # The wallet explained is the answer the results page shows.
    assert result.wallet == recommend(catalog, spend, options).pick.cards
    whole_lower, whole_upper = assert_edges_are_edges(result, leader, current)

    top, lower, below, upper, above = bisection(catalog, spend, options, category)
    assert top == result.wallet
    if (lower, upper) != (
        result.lower if whole_lower else None,
        result.upper if whole_upper else None,
    ):
        # Only where the leading region is not an interval may the two edges differ: then
        # some whole dollar between them has another leader.
        for mine, theirs in ((result.lower, lower), (result.upper, upper)):
            if mine is not None and theirs is not None and mine != theirs:
                low, high = sorted((int(mine), int(theirs)))
                assert any(leader(float(x)) != top for x in range(low, high + 1))
    else:
        assert below == result.below and above == result.above
