"""What a person asks the engine: options, filters, and the engine's errors."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from rewards.catalog import CREDIT_BANDS, CURRENCY_KINDS, Card

Rank = Literal["ongoing", "year_one"]
Number = Decimal | float | int
CancelCheck = Callable[[], bool] | threading.Event


class EngineError(ValueError):
    """Bad input to the engine (unknown category, card or currency, negative spend...)."""


class SearchCancelled(Exception):
    """The caller's cancellation check said stop."""


@dataclass(frozen=True)
class Options:
    """Everything besides spend that shapes a recommendation."""

    # Wallet sizes to return: the top wallets of exactly k new cards for each k here (1..3).
    wallet_sizes: tuple[int, ...] = (1, 2, 3)
    top_n: int = 10
    rank: Rank = "ongoing"
    # Cards the person already has: in every wallet, earning and paying fees, no bonus.
    held: tuple[str, ...] = ()
    # Cents per point by currency id, replacing the catalog's values.
    cents_per_point: Mapping[str, Number] = field(default_factory=dict)
    max_annual_fee: Number | None = None
    # The person's credit band; cards needing a better band are left out.
    credit_band: str | None = None
    excluded_issuers: frozenset[str] = frozenset()
    include_business: bool = False
    # Reward kinds (cash, points, miles) to keep; None keeps all.
    reward_kinds: frozenset[str] | None = None
    # Count the cards' statement credits (only when the person says they would use them).
    count_credits: bool = False
    # Year one (docs/roadmap.md, "Year-one values"): new cards are opened one after another,
    # at least `spacing` months apart, under the issuers' rules, which count the held cards
    # opened in `opened` ((card id, "YYYY-MM"); a held card not listed counts as opened long
    # ago), `other_recent` personal cards opened in the last 24 months that are not held, and
    # the bonuses received in `bonus_history` ((card id, "YYYY-MM")).
    spacing: int = 3
    opened: tuple[tuple[str, str], ...] = ()
    other_recent: int = 0
    bonus_history: tuple[tuple[str, str], ...] = ()
    # False: an ongoing ranking leaves out the true year-one figures (each wallet's exact
    # first-year schedule costs more than the whole ranking), for callers that show ongoing
    # figures only (the what-if panel). Wallet.year_one_value is then None and openings empty.
    year_one_figures: bool = True

    def validate(self) -> None:
        """Raise EngineError for options no search can honour."""
        if not self.wallet_sizes or any(k not in (1, 2, 3) for k in self.wallet_sizes):
            raise EngineError(f"wallet sizes must be 1, 2 or 3 (got {list(self.wallet_sizes)})")
        if self.top_n < 1:
            raise EngineError(f"top N must be at least 1 (got {self.top_n})")
        if self.rank not in ("ongoing", "year_one"):
            raise EngineError(f"rank must be 'ongoing' or 'year_one' (got {self.rank!r})")
        if self.credit_band is not None and self.credit_band not in CREDIT_BANDS:
            raise EngineError(f"unknown credit band {self.credit_band!r}")
        if self.max_annual_fee is not None and self.max_annual_fee < 0:
            raise EngineError("the maximum annual fee must not be negative")
        if self.reward_kinds is not None:
            unknown = set(self.reward_kinds) - set(CURRENCY_KINDS)
            if unknown:
                raise EngineError(f"unknown reward kind {sorted(unknown)[0]!r}")
        if len(set(self.held)) != len(self.held):
            raise EngineError("a held card is listed twice")
        if isinstance(self.spacing, bool) or self.spacing not in range(1, 13):
            raise EngineError(
                f"the spacing must be a whole number from 1 to 12 (got {self.spacing!r})"
            )
        if isinstance(self.other_recent, bool) or self.other_recent not in range(0, 101):
            raise EngineError(
                "other recent cards must be a whole number from 0 to 100 "
                f"(got {self.other_recent!r})"
            )
        for card_id, _ in self.opened:
            if card_id not in self.held:
                raise EngineError(f"{card_id!r} has an opening month but is not a held card")

    def admits(self, card: Card, kind: str) -> bool:
        """Whether the filters allow `card` (whose currency is of `kind`) as a new card."""
        excluded = {issuer.casefold() for issuer in self.excluded_issuers}
        if self.credit_band is not None and CREDIT_BANDS.index(card.credit) < CREDIT_BANDS.index(
            self.credit_band
        ):
            return False
        return not (
            (self.max_annual_fee is not None and card.annual_fee > self.max_annual_fee)
            or card.issuer.casefold() in excluded
            or (card.business and not self.include_business)
            or (self.reward_kinds is not None and kind not in self.reward_kinds)
        )
