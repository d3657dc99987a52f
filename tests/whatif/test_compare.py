"""The comparison behind the what-if panel, against the engine's own answers at both amounts."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from rewards.catalog import Catalog, parse_catalog
from rewards.categories import LEAF_CATEGORIES
from rewards.engine import Options, evaluate_wallet, recommend
from tests.whatif.conftest import CATALOG, SAVED_SPEND, TRAVEL_SPEND
from whatif.compare import TOP_PER_SIZE, ShownWallet, answer, dollars, saved_answer

SAVED = {category: Decimal(amount) for category, amount in SAVED_SPEND.items()}
TRAVEL = {category: Decimal(amount) for category, amount in TRAVEL_SPEND.items()}
OPTIONS = Options(wallet_sizes=(1, 2), top_n=10)


@cache
def shipped() -> Catalog:
    return parse_catalog(json.loads(CATALOG.read_text()))


def test_the_saved_amounts_compare_equal_to_themselves() -> None:
    _, comparison = answer(shipped(), SAVED, OPTIONS, None, SAVED, 2)
    assert [group.size for group in comparison.groups] == [1, 2]
    for group in comparison.groups:
        assert len(group.wallets) == TOP_PER_SIZE
        assert [wallet.was for wallet in group.wallets] == [1, 2, 3]
        assert all(wallet.change_words == "no change" for wallet in group.wallets)
        assert group.dropped == ()


def test_travel_amounts_rank_like_the_engine_and_name_the_saved_wallets_that_drop_out() -> None:
    catalog = shipped()
    _, comparison = answer(catalog, SAVED, OPTIONS, None, TRAVEL, 3)
    fresh = recommend(catalog, TRAVEL, replace(OPTIONS, wallet_sizes=(1, 2, 3), top_n=3))
    before = recommend(catalog, SAVED, replace(OPTIONS, top_n=3))
    for group in comparison.groups:
        assert [w.card_ids for w in group.wallets] == [w.cards for w in fresh.wallets[group.size]]
        if group.size == 3:  # the saved answer was for up to 2 cards
            assert not group.compared and group.dropped == ()
            continue
        listed = {w.cards for w in fresh.wallets[group.size]}
        expected = [w.cards for w in before.wallets[group.size] if w.cards not in listed]
        assert expected, "these amounts were chosen to move the saved wallets out"
        names = [" + ".join(catalog.card(card).name for card in cards) for cards in expected]
        assert list(group.dropped) == names


def test_each_change_is_the_same_wallets_value_at_the_two_amounts() -> None:
    catalog = shipped()
    _, comparison = answer(catalog, SAVED, OPTIONS, None, TRAVEL, 2)
    for group in comparison.groups:
        for wallet in group.wallets:
            now = evaluate_wallet(catalog, TRAVEL, wallet.card_ids, OPTIONS).ongoing_value
            then = evaluate_wallet(catalog, SAVED, wallet.card_ids, OPTIONS).ongoing_value
            assert (wallet.value, wallet.saved_value) == (now, then)


def test_with_held_cards_and_first_year_ranking_the_figure_is_the_first_year_gain() -> None:
    catalog = shipped()
    options = replace(OPTIONS, held=("citi-double-cash",), rank="year_one")
    _, comparison = answer(catalog, SAVED, options, None, TRAVEL, 1)
    assert comparison.gain and comparison.per == "in the first year"
    top = comparison.groups[0].wallets[0]
    then = evaluate_wallet(catalog, SAVED, top.card_ids, options)
    assert top.saved_value == then.year_one_gain
    assert top.change_words.endswith(" in the first year")


amounts = st.dictionaries(
    st.sampled_from(LEAF_CATEGORIES),
    st.integers(min_value=0, max_value=5000).map(Decimal),
    max_size=6,
)


@settings(max_examples=15, deadline=None)
@given(saved=amounts, edited=amounts, size=st.integers(min_value=1, max_value=3))
def test_any_edit_lists_the_engines_top_wallets_with_their_places_before(
    saved: dict[str, Decimal], edited: dict[str, Decimal], size: int
) -> None:
    catalog = shipped()
    _, comparison = answer(catalog, saved, OPTIONS, None, edited, size)
    before = recommend(catalog, saved, replace(OPTIONS, top_n=3)).wallets
    for group in comparison.groups:
        saved_list = [w.cards for w in before.get(group.size, ())]
        for wallet in group.wallets:
            place = saved_list.index(wallet.card_ids) + 1 if wallet.card_ids in saved_list else None
            assert wallet.was == place
            then = evaluate_wallet(catalog, saved, wallet.card_ids, OPTIONS).ongoing_value
            assert wallet.change == wallet.value - then


def test_changes_read_as_whole_dollars_and_cents_only_under_a_dollar() -> None:
    def shown(value: str, saved: str) -> ShownWallet:
        return ShownWallet(("a",), ("A",), Decimal(value), Decimal(saved), 1, "a year")

    assert shown("1042.40", "1000.00").change_words == "+$42 a year"
    assert shown("1000.00", "1001.60").change_words == "−$2 a year"
    assert shown("1000.40", "1000.00").change_words == "+$0.40 a year"
    assert shown("5.00", "5.00").change_words == "no change"
    assert dollars(Decimal("1234.50")) == "$1,234"


def test_the_saved_answer_skips_year_one_schedules_only_when_ranking_by_ongoing_value() -> None:
    ongoing = saved_answer(shipped(), SAVED, OPTIONS)
    assert ongoing.options.year_one_figures is False
    assert all(w.year_one_value is None for w in ongoing.ranking.wallets[1])
    first = saved_answer(shipped(), SAVED, replace(OPTIONS, rank="year_one"))
    assert first.options.year_one_figures is True
    assert all(w.year_one_value is not None for w in first.ranking.wallets[1])
