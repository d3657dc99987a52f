"""The shortcuts the year-one bounds take through the issuers' rules (rewards.roadmap.issuers).

`RuleBook._may_bind` skips a rule that passes every month choice (fewer events than its limit,
no earlier card of the issuer, no same card or family); `RuleBook.first_approved` finds the
first month an application passes. Both are checked here against the rules' own month-by-month
arrays, on random catalogs, histories and sequences.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rewards.catalog import parse_catalog
from rewards.model import model_for
from rewards.query import Query
from rewards.roadmap.year_one import YearOneValues
from tests.rewards.test_roadmap_matches_brute_force import roadmap_catalogs
from tests.rewards.test_year_one import SETTINGS, TODAY, _options, situations


def _book_and_applicants(raw: dict, data: Any):  # noqa: ANN202
    catalog = parse_catalog(raw, today=TODAY)
    ids = [card.id for card in catalog.cards]
    s = data.draw(situations(ids))
    query = Query(model_for(catalog), {"groceries": 100}, _options(s))
    book = YearOneValues(catalog, query).book
    k = data.draw(st.integers(1, min(3, len(ids))))
    seq = data.draw(st.permutations(ids))[:k]
    return book, [book.applicant(catalog.card(card)) for card in seq]


@SETTINGS
@given(roadmap_catalogs(3), st.data())
def test_a_rule_said_not_to_bind_passes_at_every_month_choice(raw: dict, data: Any) -> None:
    book, apps = _book_and_applicants(raw, data)
    k = len(apps)
    grid = np.array(list(itertools.combinations(range(1, 13), k)), dtype=np.int64)
    counted = np.ones((len(grid), k), dtype=bool)
    skipped = 0
    for i, app in enumerate(apps):
        for rule in app.rules:
            if book._may_bind(rule, apps, i):
                continue
            skipped += 1
            if rule.kind == "bonus_once":
                assert book._bonus_allowed(rule, apps, grid, counted, i).all(), rule
            else:
                assert book._approved(rule, apps, grid, i).all(), rule
    approved, _ = book.evaluate(apps, grid)
    book_without = type(book)(book.issuer_rules, book.opened, book.received, book.horizon)
    book_without._may_bind = lambda rule, seq, i: True  # type: ignore[method-assign]
    assert (approved == book_without.evaluate(apps, grid)[0]).all()


@SETTINGS
@given(roadmap_catalogs(3), st.data())
def test_first_approved_is_the_first_month_every_application_rule_passes(
    raw: dict, data: Any
) -> None:
    book, apps = _book_and_applicants(raw, data)
    i = len(apps) - 1
    before = sorted(data.draw(st.lists(st.integers(1, 12), min_size=i, max_size=i, unique=True)))
    earliest = data.draw(st.integers((before[-1] + 1) if before else 1, 13))
    want = None
    for month in range(earliest, 13):
        row = np.array([[*before, month]], dtype=np.int64)
        rules = [rule for rule in apps[i].rules if rule.kind != "bonus_once"]
        if all(book._approved(rule, apps, row, i)[0] for rule in rules):
            want = month
            break
    assert book.first_approved(apps, before, earliest, book.binding(apps, i)) == want
