"""One spend profile and set of options against one compiled catalog: state and pricing.

A `Query` validates the spend and options, filters the cards a person may get, folds into each
card's floor the rules this spend can never cap (`Query._fold`), prices the cards' rules in
dollars (`rewards.allocation.price_card`) and values wallets exactly, memoised by the cards'
priced shapes (two cards that price the same make the same allocation problem). It also holds
the rank key. The upper bounds over it live in `rewards.bounds` (`Query.bounds`), dominance
between cards in `rewards.dominance`, the branch and bound in `rewards.search`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from rewards.allocation import PricedCard, WalletResult, price_card, solve_wallet
from rewards.bounds import Bounds
from rewards.model import BAND_RANK, LEAF_INDEX, N_LEAVES, CardModel, CatalogModel
from rewards.money import cents
from rewards.options import EngineError, Number, Options


def _to_float(value: Number, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EngineError(f"{what} must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise EngineError(f"{what} must be a finite number")
    if number < 0:
        raise EngineError(f"{what} must not be negative (got {value})")
    return number


@dataclass
class Found:
    """An exactly evaluated wallet of new cards (catalog indices, in rank-key order)."""

    cards: tuple[int, ...]
    score: float  # reward value of held + new cards, plus the new cards' modular terms
    fees: float


class Query:
    """One spend profile and set of options against one compiled catalog."""

    def __init__(self, model: CatalogModel, spend: Mapping[str, Number], options: Options) -> None:
        options.validate()
        self.model = model
        self.options = options
        monthly = np.zeros(N_LEAVES)
        for name, amount in spend.items():
            if name not in LEAF_INDEX:
                raise EngineError(f"unknown spending category {name!r}")
            monthly[LEAF_INDEX[name]] = _to_float(amount, f"spend on {name}")
        self.monthly = monthly
        self.leaves = [leaf for leaf in range(N_LEAVES) if monthly[leaf] > 0]
        self.spent = [bool(monthly[leaf] > 0) for leaf in range(N_LEAVES)]
        self.quarterly = [3.0 * float(m) for m in monthly]
        self.annual = 12.0 * monthly[self.leaves]
        self.total_annual = float(12.0 * monthly.sum())

        cpp = model.currency_cpp.copy()
        for currency, value in options.cents_per_point.items():
            if currency not in model.currency_ids:
                raise EngineError(f"unknown currency {currency!r}")
            cpp[model.currency_ids.index(currency)] = _to_float(
                value, f"cents per point of {currency}"
            )
        self.card_cpp = cpp[model.card_currency]

        credits = model.credits if options.count_credits else np.zeros(len(model.cards))
        reachable = (monthly.sum() * model.bonus_months >= model.bonus_min_spend) & (
            model.bonus_points > 0
        )
        self.bonus = np.where(reachable, model.bonus_points * self.card_cpp / 100.0, 0.0)
        self.credits = credits
        self.ongoing_mod = credits - model.annual_fee
        self.year_one_mod = credits - model.first_year_fee + self.bonus
        self.mod = self.ongoing_mod if options.rank == "ongoing" else self.year_one_mod

        held = []
        for card_id in options.held:
            if card_id not in model.index:
                raise EngineError(f"unknown card {card_id!r}")
            held.append(model.index[card_id])
        self.held = tuple(sorted(held))
        self.candidates = self._filter()

        self._fold()
        self._priced: dict[int, PricedCard] = {}
        self._memo: dict[tuple[int, ...], float] = {}
        self._plans: dict[tuple[int, ...], WalletResult] = {}
        self._shapes: dict[tuple, object] = {}
        self._shape_of: dict[int, int] = {}
        self._shape_ids: dict[tuple, int] = {}
        self.evaluations = 0
        # Per candidate, the dominators found (`rewards.dominance`, counted once per query).
        self.dominators: np.ndarray | None = None

    def _filter(self) -> np.ndarray:
        """Indices of the cards the options allow as new cards."""
        options = self.options
        excluded = {issuer.casefold() for issuer in options.excluded_issuers}
        band = None if options.credit_band is None else BAND_RANK[options.credit_band]
        max_fee = None if options.max_annual_fee is None else float(options.max_annual_fee)
        held = set(self.held)

        def allowed(card: CardModel) -> bool:
            return not (
                card.index in held
                or (max_fee is not None and card.annual_fee > max_fee + 1e-9)
                or (band is not None and card.band > band)
                or card.card.issuer.casefold() in excluded
                or (card.card.business and not options.include_business)
                or (options.reward_kinds is not None and card.kind not in options.reward_kinds)
            )

        return np.array([c.index for c in self.model.cards if allowed(c)], dtype=np.int64)

    def _fold(self) -> None:
        """Per card, the floor this spend makes of rules whose cap can never bind.

        A cap instance whose quarterly amount is at least the quarterly spend of every category
        it covers never binds: its fixed rules earn their rate on everything, like an uncapped
        rule, and go into the card's floor (`floor_points`). A choose-N (or non-overlapping
        pick-top) rule in such an uncapped pool with at most N options that beat the card's
        floor on a spent category can simply choose them all: it goes into the floor too
        (`folded`). Both rewrites keep the card's value function as it is, and they make the
        bounds (which trust floors and doubt everything else) much tighter.
        """
        model = self.model
        quarterly = np.asarray(self.quarterly)
        spend = np.bincount(
            model.pair_instance,
            weights=quarterly[model.pair_leaf],
            minlength=len(model.instance_cap),
        )
        open_ = model.instance_cap >= spend - 1e-9
        floor = model.floor_points.copy()
        card, leaf, points = model.entry_card, model.entry_leaf, model.entry_points
        invariant = model.entry_quarter < 0
        fixed = (model.entry_choice < 0) & invariant & open_[model.entry_instance]
        np.maximum.at(floor, (card[fixed], leaf[fixed]), points[fixed])
        n_choices = len(model.choice_card)
        fold = np.zeros(n_choices, dtype=bool)
        if n_choices:
            chosen = model.entry_choice >= 0
            spent = np.asarray(self.spent, dtype=bool)
            useful = chosen & spent[leaf] & (points > floor[card, leaf] + 1e-12)
            option_useful = np.zeros(len(model.option_choice), dtype=bool)
            option_useful[model.entry_option[useful]] = True
            count = np.bincount(model.option_choice, weights=option_useful, minlength=n_choices)
            closed = ~(open_[model.entry_instance] & invariant)
            blocked = np.bincount(
                model.entry_choice[chosen], weights=closed[chosen], minlength=n_choices
            )
            fold = (count <= model.choice_n) & (blocked == 0) & ~model.choice_lp
            take = chosen & spent[leaf]
            take[take] = fold[model.entry_choice[take]]
            np.maximum.at(floor, (card[take], leaf[take]), points[take])
        self.floor_points = floor
        self.folded: dict[int, frozenset[int]] = {}
        for c in np.nonzero(fold)[0]:
            index = int(model.choice_card[c])
            self.folded[index] = self.folded.get(index, frozenset()) | {int(model.choice_number[c])}
        self.chooses = np.bincount(model.choice_card[~fold], minlength=len(model.cards)) > 0

    # --- exact values -------------------------------------------------------------------------

    def priced(self, index: int) -> PricedCard:
        """The card's rules in dollars for this query (cached)."""
        card = self._priced.get(index)
        if card is None:
            model = self.model.cards[index]
            card = price_card(
                model,
                float(self.card_cpp[index]),
                self.spent,
                self.floor_points[index],
                self.folded.get(index, frozenset()),
                self.quarterly,
            )
            self._priced[index] = card
        return card

    def solve(self, indices: Sequence[int], rows: bool = True) -> WalletResult:
        """The optimal allocation for exactly these cards (held ones must be included).

        Cards whose rules come out the same for this query (a student version of a card, two
        no-fee 2% cards) make wallets that are the same allocation problem: those are solved
        once (keyed by the cards' priced rules, in order, so plan positions carry over).
        """
        key = (rows, tuple(self.shape(i) for i in indices))
        result = self._shapes.get(key)
        if result is None:
            cards = [self.priced(i) for i in indices]
            result = self._shapes[key] = solve_wallet(cards, self.quarterly, self.leaves, rows)
        return result

    def known(self, indices: Sequence[int]) -> WalletResult | None:
        """The solved allocation of exactly these cards if this query has it (no solve)."""
        return self._shapes.get((True, tuple(self.shape(i) for i in indices)))

    def shape(self, index: int) -> int:
        """A small id for the card's priced rules: equal ids, equal value functions."""
        shape = self._shape_of.get(index)
        if shape is None:
            card = self.priced(index)
            model = card.model
            key = (
                tuple(card.floor[leaf] for leaf in self.leaves),
                tuple(card.capped),
                None if card.rotating is None else tuple(tuple(q) for q in card.rotating),
                tuple(
                    (c.number, c.rule.n, c.rule.top, c.rule.pool, tuple(map(tuple, c.options)))
                    for c in card.choices
                ),
                tuple(card.pool_caps),
                tuple(card.pool_year),
                model.needs_lp,
            )
            shape = self._shape_ids.setdefault(key, len(self._shape_ids))
            self._shape_of[index] = shape
        return shape

    def unordered_shapes(self, indices: Sequence[int]) -> tuple[int, ...]:
        """The cards' shapes as a multiset (sorted): what a wallet's value depends on."""
        return tuple(sorted(self.shape(i) for i in indices))

    def is_solved(self, new: Sequence[int]) -> bool:
        """True if this wallet's exact value is already known."""
        return tuple(sorted(set(self.held) | set(new))) in self._memo

    def reward_value(self, new: Sequence[int]) -> float:
        """Reward value of the held cards plus these new ones (memoised)."""
        key = tuple(sorted(set(self.held) | set(new)))
        value = self._memo.get(key)
        if value is None:
            if key:
                # A wallet's value does not depend on the order of its cards: one whose cards
                # have the same priced rules as a valued one's, in other positions, is worth
                # the same (its plan is solved only if it is asked for).
                alike = ("value", self.unordered_shapes(key))
                value = self._shapes.get(alike)
                if value is None:
                    # The plan costs little next to settling the choices: keep it for the
                    # report.
                    result = self.solve(key)
                    self._plans[key] = result
                    value = self._shapes[alike] = result.value
            else:
                value = 0.0
            self._memo[key] = value
            self.evaluations += 1
        return value

    def score_below(self, new: Sequence[int], target: float) -> float | None:
        """An upper bound on `score` below `target`, or None when the score is now known.

        Settling a wallet's choices stops as soon as its bound falls below the target (the
        threshold of a search): a wallet that cannot make the top N needs no exact value. When
        it can, the exact value is kept as `reward_value` keeps it.
        """
        key = tuple(sorted(set(self.held) | set(new)))
        if key in self._memo or not key:
            return None
        modular = float(sum(self.mod[i] for i in new))
        shapes = tuple(self.shape(i) for i in key)
        # Bounds and values hold for the same cards in any order: twins share them (with
        # Venmo's card held, four no-fee 2 % cards beside the same two made four wallets
        # that each took 20 ms to bound below the threshold).
        alike = tuple(sorted(shapes))
        below = ("below", alike)
        bound = self._shapes.get(below)
        if bound is not None and bound + modular < target:
            return bound + modular
        if (True, shapes) not in self._shapes and ("value", alike) not in self._shapes:
            cards = [self.priced(i) for i in key]
            result = solve_wallet(cards, self.quarterly, self.leaves, True, target=target - modular)
            if not result.exact:
                self._shapes[below] = result.value
                if result.value + modular < target:
                    return result.value + modular
                # (Below target − modular, yet not below the target once the modular terms are
                # added back: a rounding of the last bit. The exact value settles it.)
            else:
                self._shapes[(True, shapes)] = result
        self.reward_value(new)
        return None

    def plan(self, members: Sequence[int]) -> WalletResult:
        """The solved allocation of exactly these cards (sorted, held included), memoised."""
        key = tuple(members)
        result = self._plans.get(key)
        if result is None:
            result = self._plans[key] = self.solve(key)
        return result

    def relaxed_score(self, new: Sequence[int]) -> float:
        """An upper bound on `score` from one flow problem with every choice allowed."""
        members = sorted(set(self.held) | set(new))
        key = (None, self.unordered_shapes(members))
        value = self._shapes.get(key)
        if value is None:
            cards = [self.priced(i) for i in members]
            value = solve_wallet(
                cards, self.quarterly, self.leaves, rows=False, bound_only=True
            ).value
            self._shapes[key] = value
        return value + float(sum(self.mod[i] for i in new))

    def score(self, new: Sequence[int]) -> float:
        """What the ranking maximises: held-plus-new reward value plus the new cards' terms."""
        return self.reward_value(new) + float(sum(self.mod[i] for i in new))

    def rank_key(self, found: Found) -> tuple[int, int, tuple[int, ...]]:
        """Higher value (to the cent), then lower annual fees, then card names (then ids)."""
        return (-cents(found.score), cents(found.fees), self.ranks(found.cards))

    def ranks(self, cards: Sequence[int]) -> tuple[int, ...]:
        """The cards' positions in (name, id) order, sorted: the name part of the rank key."""
        return tuple(sorted(int(self.model.name_rank[i]) for i in cards))

    def found(self, new: Sequence[int]) -> Found:
        """Evaluate a wallet of new cards exactly."""
        ordered = tuple(sorted(new, key=lambda i: self.model.name_rank[i]))
        fees = float(sum(self.model.annual_fee[i] for i in ordered))
        return Found(ordered, self.score(ordered), fees)

    @functools.cached_property
    def bounds(self) -> Bounds:
        """The vectorised upper bounds for this query (computed on first use)."""
        return Bounds(self)
