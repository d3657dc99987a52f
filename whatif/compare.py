"""What-if comparisons: the top wallets for edited amounts, set against the saved answer.

Plain Python on the engine's public API (no Django): the live socket and the no-JavaScript page
both call `compare`, and the results are frozen dataclasses that pickle, so the work can run in
a thread or another process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from rewards.catalog import Catalog
from rewards.engine import (
    CancelCheck,
    Options,
    Recommendation,
    Wallet,
    evaluate_wallet,
    recommend,
)

# Wallets listed per size: enough to see the order move, short enough for a phone.
TOP_PER_SIZE = 3


@dataclass(frozen=True)
class ShownWallet:
    """One wallet of the what-if ranking, and how it fares against the saved amounts."""

    card_ids: tuple[str, ...]
    names: tuple[str, ...]
    value: Decimal  # the ranking's figure a year at the edited amounts
    saved_value: Decimal  # the same wallet's figure at the saved amounts
    was: int | None  # its place in the saved answer's list (1 is first), None if not listed
    per: str  # "a year" or "in the first year"

    @property
    def cards(self) -> list[tuple[str, str]]:
        """(card id, name) pairs, for links."""
        return list(zip(self.card_ids, self.names, strict=True))

    @property
    def change(self) -> Decimal:
        return self.value - self.saved_value

    @property
    def direction(self) -> str:
        """'up', 'down' or 'same': how the wallet fares against the saved amounts."""
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"

    @property
    def value_words(self) -> str:
        """'$1,234 a year'."""
        return f"{dollars(self.value)} {self.per}"

    @property
    def change_words(self) -> str:
        """'+$42 a year', '−$0.40 a year', or 'no change'."""
        change = self.change
        if change == 0:
            return "no change"
        sign = "+" if change > 0 else "−"
        return f"{sign}{dollars(abs(change))} {self.per}"

    @property
    def place_words(self) -> str:
        """Where the wallet stood in the saved answer."""
        return "new in this list" if self.was is None else f"was #{self.was}"


@dataclass(frozen=True)
class Group:
    """The top wallets of one size, and the saved answer's wallets that are no longer listed."""

    size: int
    wallets: tuple[ShownWallet, ...]
    dropped: tuple[str, ...]  # "Sapphire Preferred + Double Cash", best first
    compared: bool  # False when the saved answer had no wallets of this size


@dataclass(frozen=True)
class Comparison:
    """Everything the what-if fragments show."""

    groups: tuple[Group, ...]
    rank: str  # "ongoing" or "year_one"
    gain: bool  # figures are gains over the cards the person already holds
    per: str


def dollars(amount: Decimal) -> str:
    """Whole dollars ($1,234), or cents under a dollar either way ($0.40), so no change reads $0."""
    if abs(amount) < 1:
        return f"${amount:,.2f}"
    return f"${amount:,.0f}"


def figure(wallet: Wallet, options: Options) -> Decimal:
    """The figure the engine ranks by: value, or gain over held cards, ongoing or first-year."""
    if options.rank == "year_one":
        return wallet.year_one_gain if options.held else wallet.year_one_value
    return wallet.ongoing_gain if options.held else wallet.ongoing_value


@dataclass(frozen=True)
class SavedAnswer:
    """The saved amounts, their options and their top wallets: what every edit is compared to."""

    spend: Mapping[str, Decimal]
    options: Options
    ranking: Recommendation
    # Figures of other wallets at the saved amounts, filled in as edits list them: typing moves
    # the same few wallets in and out, and each is valued once per socket.
    figures: dict[tuple[str, ...], Decimal] = field(default_factory=dict, compare=False)

    def figure_of(self, catalog: Catalog, cards: tuple[str, ...]) -> Decimal:
        """A wallet's figure at the saved amounts."""
        known = self.figures.get(cards)
        if known is None:
            wallet = evaluate_wallet(catalog, self.spend, cards, self.options)
            known = self.figures[cards] = figure(wallet, self.options)
        return known


def saved_answer(
    catalog: Catalog,
    spend: Mapping[str, Decimal],
    options: Options,
    *,
    cancel: CancelCheck | None = None,
) -> SavedAnswer:
    """Rank the saved amounts (once per socket: every later message reuses it)."""
    # The panel shows the figure ranked by only: an ongoing ranking skips year-one schedules.
    options = replace(options, top_n=TOP_PER_SIZE, year_one_figures=options.rank == "year_one")
    return SavedAnswer(spend, options, recommend(catalog, spend, options, cancel=cancel))


def compare(
    catalog: Catalog,
    saved: SavedAnswer,
    spend: Mapping[str, Decimal],
    wallet_size: int,
    *,
    cancel: CancelCheck | None = None,
) -> Comparison:
    """Rank the edited amounts and set each listed wallet against the saved answer.

    The saved preferences apply, with the edited wallet size. A wallet the saved answer did not
    list is valued at the saved amounts with `evaluate_wallet`, so every change is one wallet's
    own difference, never a difference between two rankings.
    """
    saved_options = saved.options
    options = replace(saved_options, wallet_sizes=tuple(range(1, wallet_size + 1)))
    fresh = recommend(catalog, spend, options, cancel=cancel)
    per = "in the first year" if options.rank == "year_one" else "a year"
    groups = []
    for size, wallets in sorted(fresh.wallets.items()):
        before = saved.ranking.wallets.get(size)
        saved_places = {
            wallet.cards: (place, wallet) for place, wallet in enumerate(before or (), 1)
        }
        shown = []
        for wallet in wallets:
            hit = saved_places.get(wallet.cards)
            if hit is not None:
                was, saved_value = hit[0], figure(hit[1], saved_options)
            else:
                was, saved_value = None, saved.figure_of(catalog, wallet.cards)
            shown.append(
                ShownWallet(
                    card_ids=wallet.cards,
                    names=tuple(catalog.card(card_id).name for card_id in wallet.cards),
                    value=figure(wallet, options),
                    saved_value=saved_value,
                    was=was,
                    per=per,
                )
            )
        listed = {wallet.cards for wallet in wallets}
        dropped = tuple(
            " + ".join(catalog.card(card_id).name for card_id in cards)
            for cards in saved_places
            if cards not in listed
        )
        groups.append(Group(size, tuple(shown), dropped, compared=before is not None))
    return Comparison(tuple(groups), rank=options.rank, gain=bool(options.held), per=per)


@dataclass(frozen=True)
class JobAnswer:
    """What an engine process sends back for one message: little, so little is pickled.

    `saved` only when the job had to rank the saved amounts (the first message of a socket, or
    after a catalog change); otherwise the figures it added to the caller's SavedAnswer.
    """

    comparison: Comparison
    saved: SavedAnswer | None
    new_figures: dict[tuple[str, ...], Decimal]

    def update(self, saved: SavedAnswer | None) -> SavedAnswer:
        """The caller's saved answer, brought up to date with this answer."""
        if self.saved is not None:
            return self.saved
        assert saved is not None
        saved.figures.update(self.new_figures)
        return saved


def answer_job(
    saved_spend: Mapping[str, Decimal],
    saved_options: Options,
    saved: SavedAnswer | None,
    spend: Mapping[str, Decimal],
    wallet_size: int,
    catalog: Catalog,
    report: Callable[[Any], None],
    cancelled: Callable[[], bool],
) -> JobAnswer:
    """answer() as a job of the engine processes (results.engine_runner's calling convention)."""
    known = set() if saved is None else set(saved.figures)
    fresh = saved is None
    saved, comparison = answer(
        catalog, saved_spend, saved_options, saved, spend, wallet_size, cancelled
    )
    if fresh:
        return JobAnswer(comparison, saved, {})
    added = {cards: value for cards, value in saved.figures.items() if cards not in known}
    return JobAnswer(comparison, None, added)


def answer(
    catalog: Catalog,
    saved_spend: Mapping[str, Decimal],
    saved_options: Options,
    saved: SavedAnswer | None,
    spend: Mapping[str, Decimal],
    wallet_size: int,
    cancel: CancelCheck | None = None,
) -> tuple[SavedAnswer, Comparison]:
    """One what-if answer, ranking the saved amounts first when that is not known yet."""
    if saved is None:
        saved = saved_answer(catalog, saved_spend, saved_options, cancel=cancel)
    return saved, compare(catalog, saved, spend, wallet_size, cancel=cancel)
