"""The roadmap search's bounds are upper bounds: what more cards add to a month's rewards over a
node's wallet never exceeds the δ the search charges for them (plus the pick-top gap)."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.roadmap import RoadmapOptions
from rewards.roadmap.plans import _Builder
from tests.rewards.strategies import catalogs, spends


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(catalogs(2, 5), spends(), st.data())
def test_a_cards_marginal_month_value_is_within_its_bound(raw: dict, spend: dict, data) -> None:  # noqa: ANN001
    catalog = parse_catalog(raw, today=date(2026, 12, 3))
    ids = [card.id for card in catalog.cards]
    held = data.draw(st.lists(st.sampled_from(ids), max_size=1, unique=True))
    options = RoadmapOptions(
        today="2026-12", months=6, held=tuple((i, "2026-01") for i in held), include_business=True
    )
    builder = _Builder(catalog, spend, options)
    problem = builder.problem()
    values = builder.values
    others = problem.candidates
    for size in range(len(others)):
        for node in itertools.combinations(others, size):
            wallet = tuple(sorted(builder.held + node))
            delta = problem.marginal_bounds(wallet)
            # Overlapping pick-top rules in the wallet: the bound holds for the relaxed wallet,
            # and the search adds what relaxing it adds (zero without such rules).
            gap = values.gap(wallet)
            base = values.series(wallet)
            rest = [c for c in others if c not in node]
            for extra in range(1, len(rest) + 1):
                for more in itertools.combinations(rest, extra):
                    added = values.series(tuple(sorted(wallet + more))) - base
                    charged = sum(delta[problem.row[c]] for c in more)
                    assert added.max() <= charged + gap + 1e-6
