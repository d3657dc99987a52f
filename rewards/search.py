"""Exact top-N wallets by branch and bound over card sets, with vectorised upper bounds.

docs/engine.md ("The algorithm and why it is exact") has the whole argument; in short:

The bounds. First the query folds into each card's floor the rules its spend can never cap
(`Query._fold`). Then per card: φ_c, its guaranteed uncapped rate per category (net of its
foreign fee); u_c, the best rate any of its rules pays (caps and choices ignored); P_c, what its
capped, chosen and rotating rules can add above φ_c (per cap, a fractional knapsack or the N
best options of each choice, whichever is lower). Any card earns f_c(x) ≤ φ_c·x + P_c and
f_c(x) ≤ u_c·x, so for every way of picking one of the two per card,

    value(W) ≤ Σ_k S_k · max_{c∈W∪H} r_ck + Σ_{c picked with φ} (P_c) + Σ_{c∈W} modular_c

(H: held cards; modular: − fee + credits [+ bonus]): a max and a dot product, for thousands of
wallets at a time with numpy. Tighter and dearer: the per-category bound (`leaf_bound`, caps
given to each category separately, with Lagrange prices on shared caps and on choose-N rows,
the latter set in the wallet's context), the flow relaxation with every choice allowed, and the
marginal bound over an exactly valued smaller wallet (`_anchor`).

The search. Cards are sorted by their single-card bound. A wallet is enumerated from its first
card in that order (the anchor); the anchor loop stops for good once the best wallet that the
remaining cards could form is bounded below the N-th best rank key. Per anchor, all its
(second, third) cards are bounded in one batch, cheapest bound first on the survivors of the
last; only wallets whose bound reaches the N-th best are solved exactly (rewards.allocation),
best bound first, and the threshold rises as they are.

Dominance. If card d is worth at least card c at every allocation (φ_d ≥ φ_c everywhere and
d's modular advantage covers P_c) and ranks before c on ties, swapping c for d never makes a
wallet worse; a card with at least N + m − 1 such dominators cannot be in the top N wallets of
size m (at least N distinct better wallets exist), so it is dropped before the search.

Ties: wallets rank by their value rounded to the cent, then lower annual fees, then card names.
Pruning keeps a margin of one cent so rounding cannot reorder a pruned wallet above the N-th.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from rewards.allocation import PricedCard, WalletResult, price_card, solve_wallet
from rewards.model import (
    BAND_RANK,
    FOREIGN,
    LEAF_INDEX,
    N_LEAVES,
    QUARTERS,
    CardModel,
    CatalogModel,
)
from rewards.options import CancelCheck, EngineError, Number, Options, SearchCancelled

_TOL = 0.01  # dollars: pruning margin so cent rounding cannot reorder the N-th wallet
_BIG = 1e6
_REFERENCE = 64  # how many strong cards are tried as dominators of each card
_PROGRESS_SECONDS = 0.05
_SEED_FROM = 200  # candidates from which seeding the threshold pays
_SECOND_FROM = 8  # wallets from which leaf_bound's second round of choice prices pays
_CHUNK = 64  # triples given the per-category bound together, best cheap bound first

Progress = Callable[[str, int, int, object], None]
PHASES = {1: "singles", 2: "pairs", 3: "triples"}


def cents(value: float) -> int:
    """A dollar float as whole cents, half up (after trimming float noise).

    The same as int(Decimal(f"{value:.6f}").quantize(Decimal("0.01"), ROUND_HALF_UP) * 100),
    done on the six-decimal text directly (it is called for every wallet ranked).
    """
    text = f"{value:.6f}"
    negative = text[0] == "-"
    whole, fraction = (text[1:] if negative else text).split(".")
    amount = int(whole) * 100 + int(fraction[:2]) + (fraction[2] >= "5")
    return -amount if negative else amount


def _to_float(value: Number, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EngineError(f"{what} must be a number (got {value!r})")
    number = float(value)
    if not math.isfinite(number):
        raise EngineError(f"{what} must be a finite number")
    if number < 0:
        raise EngineError(f"{what} must not be negative (got {value})")
    return number


def _cancel_check(cancel: CancelCheck | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


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
        self._bounds_ready = False
        self._dominators: np.ndarray | None = None

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
                model.needs_lp,
            )
            shape = self._shape_ids.setdefault(key, len(self._shape_ids))
            self._shape_of[index] = shape
        return shape

    def is_solved(self, new: Sequence[int]) -> bool:
        """True if this wallet's exact value is already known."""
        return tuple(sorted(set(self.held) | set(new))) in self._memo

    def reward_value(self, new: Sequence[int]) -> float:
        """Reward value of the held cards plus these new ones (memoised)."""
        key = tuple(sorted(set(self.held) | set(new)))
        value = self._memo.get(key)
        if value is None:
            if key:
                # The plan costs little next to settling the choices: keep it for the report.
                result = self.solve(key)
                self._plans[key] = result
                value = result.value
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
        bound = self._shapes.get(("below", shapes))
        if bound is not None and bound + modular < target:
            return bound + modular
        if (True, shapes) not in self._shapes:
            cards = [self.priced(i) for i in key]
            result = solve_wallet(cards, self.quarterly, self.leaves, True, target=target - modular)
            if not result.exact:
                self._shapes[("below", shapes)] = result.value
                return result.value + modular
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
        key = (None, tuple(self.shape(i) for i in members))
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

    # --- bounds -------------------------------------------------------------------------------

    def prepare_bounds(self) -> None:
        """Floors φ, bonus bounds P and the held cards' coverage, for every card at once."""
        if self._bounds_ready:
            return
        model = self.model
        leaves = np.array(self.leaves, dtype=np.int64)
        foreign = (leaves == FOREIGN).astype(float)
        self.phi = (
            self.floor_points[:, leaves] * self.card_cpp[:, None] / 100.0
            - model.foreign_fee[:, None] * foreign[None, :]
        )
        self.bonus_bound = self._bonus_bound()
        held = list(self.held)
        self.pi0 = self.phi[held].max(axis=0) if held else np.full(len(leaves), -_BIG)
        self.held_extra = float(self.bonus_bound[held].sum()) if held else 0.0
        self.extra = self.bonus_bound + self.mod
        self.top_rate = self._top_rates()
        self.u0 = self.top_rate[held].max(axis=0) if held else np.full(len(leaves), -_BIG)
        self._segments()
        self._surplus_setup()
        self._bounds_ready = True

    def _top_rates(self) -> np.ndarray:
        """u: per card and spent leaf, the best rate any of its rules pays there (caps ignored).

        No card earns more than u_c·x on what it receives, so a wallet is worth at most
        Σ_k S_k · max_{c∈W} u_ck: exact when no cap binds and no choice is left to make.
        """
        model = self.model
        top = self.phi.copy()
        position = np.full(N_LEAVES, -1, dtype=np.int64)
        position[self.leaves] = np.arange(len(self.leaves))
        card, leaf = model.entry_card, model.entry_leaf
        d = position[leaf]
        spent = d >= 0
        value = model.entry_points * self.card_cpp[card] / 100.0
        value = value - np.where(leaf == FOREIGN, model.foreign_fee[card], 0.0)
        np.maximum.at(top, (card[spent], d[spent]), value[spent])
        return top

    def _segments(self) -> None:
        """Per card, quarter and spent leaf: capped (value, quarterly cap) segments above the floor.

        They feed the per-category bound: give every cap to every category it covers on its own
        (dropping the sharing of one cap by several categories, and relaxing choices), and the
        best split of one category across a wallet is a greedy fill by value. Invariant entries
        are copied into all four quarters.
        """
        model = self.model
        n, d_count = len(model.cards), len(self.leaves)
        position = np.full(N_LEAVES, -1, dtype=np.int64)
        position[self.leaves] = np.arange(d_count)
        self.quarter_spend_all = np.asarray(self.quarterly)[self.leaves]
        card, leaf, quarter = model.entry_card, model.entry_leaf, model.entry_quarter
        cap = model.instance_cap[model.entry_instance]
        value = model.entry_points * self.card_cpp[card] / 100.0
        value = value - np.where(leaf == FOREIGN, model.foreign_fee[card], 0.0)
        d = position[leaf]
        floor = np.full(len(card), np.inf)
        spent = d >= 0
        floor[spent] = self.phi[card[spent], d[spent]]
        keep = spent & (value > floor + 1e-12)
        card, d, quarter, cap, value = card[keep], d[keep], quarter[keep], cap[keep], value[keep]
        instance = model.entry_instance[keep]
        # Lagrange prices for caps shared by several categories: the advantage at which the card's
        # own fill of the cap runs out. Charging it on every dollar through the cap, and adding
        # price × cap once, keeps the bound valid for any price >= 0 and makes a cap shared by
        # many categories (pick-top, choose-N, rotating) count about once instead of once each.
        price = self._cap_prices(instance, value - floor[keep], d, cap)
        self.lagrange = np.zeros(n)
        if len(instance):
            firsts = np.unique(instance, return_index=True)[1]
            paid = price[firsts] * np.where(price[firsts] > 0, cap[firsts], 0.0)
            paid = paid * model.instance_mult[instance[firsts]]
            self.lagrange = np.bincount(card[firsts], weights=paid, minlength=n)
        option = model.entry_option[keep]
        self._option_table(card, d, option, value, cap)
        price = price + self._option_prices(keep, value - floor[keep], d, cap)
        every = quarter < 0
        self.rotates = np.zeros(n, dtype=bool)
        self.rotates[card[~every]] = True
        card = np.concatenate([card[~every], np.repeat(card[every], QUARTERS)])
        d = np.concatenate([d[~every], np.repeat(d[every], QUARTERS)])
        cap = np.concatenate([cap[~every], np.repeat(cap[every], QUARTERS)])
        value = np.concatenate([value[~every], np.repeat(value[every], QUARTERS)])
        price = np.concatenate([price[~every], np.repeat(price[every], QUARTERS)])
        option = np.concatenate([option[~every], np.repeat(option[every], QUARTERS)])
        quarter = np.concatenate([quarter[~every], np.tile(np.arange(QUARTERS), int(every.sum()))])
        group = (card * QUARTERS + quarter) * max(d_count, 1) + d
        order = np.argsort(group, kind="stable")
        group, card, d, cap, value, quarter, price = (
            group[order],
            card[order],
            d[order],
            cap[order],
            value[order],
            quarter[order],
            price[order],
        )
        option = option[order]
        first = np.r_[0, np.nonzero(np.diff(group))[0] + 1] if len(group) else np.zeros(0, int)
        sizes = np.diff(np.r_[first, len(group)])
        slot = np.arange(len(group)) - np.repeat(first, sizes)
        k = int(slot.max()) + 1 if len(slot) else 1
        self.seg_value = np.full((n, QUARTERS, d_count, k), -np.inf)
        self.seg_cap = np.zeros((n, QUARTERS, d_count, k))
        self.seg_value[card, quarter, d, slot] = value
        self.seg_cap[card, quarter, d, slot] = cap
        self.seg_price = np.zeros((n, QUARTERS, d_count, k))
        self.seg_price[card, quarter, d, slot] = np.where(np.isfinite(price), price, 0.0)
        self.seg_option = np.full((n, QUARTERS, d_count, k), -1, dtype=np.int64)
        self.seg_option[card, quarter, d, slot] = option
        self.quarter_spend = np.asarray(self.quarterly)[self.leaves]

    def _option_table(
        self,
        card: np.ndarray,
        d: np.ndarray,
        option: np.ndarray,
        value: np.ndarray,
        cap: np.ndarray,
    ) -> None:
        """Dense per-option data for the in-context Lagrange prices of `leaf_bound`.

        From the kept entries (spent leaves above the card's floor): each option's value per
        spent leaf, its pool's quarterly cap, its spend (every spent leaf), its rule's number
        on the card and N; per card, its options (padded with -1).
        """
        model = self.model
        n, d_count = len(model.cards), len(self.leaves)
        n_options = len(model.option_choice)
        quarterly = np.asarray(self.quarterly)
        chosen = option >= 0
        opt_value = np.full((n_options + 1, max(d_count, 1)), -np.inf)
        opt_value[option[chosen], d[chosen]] = value[chosen]
        self.opt_cap = np.full(n_options + 1, np.inf)
        self.opt_cap[option[chosen]] = cap[chosen]
        # Each option's spent leaves above the card's floor, as (leaf, value) columns padded
        # to the most any option has (padding earns nothing): options have one or a few.
        finite = np.isfinite(opt_value)
        width = max(int(finite.sum(axis=1).max()), 1)
        order = np.argsort(~finite, axis=1, kind="stable")[:, :width]
        self.opt_d = order
        self.opt_val = np.take_along_axis(opt_value, order, axis=1)
        spend_d = self.quarter_spend_all[order] if d_count else np.zeros(order.shape)
        self.opt_amount = np.minimum(spend_d, self.opt_cap[:, None])
        first = (model.entry_option >= 0) & (model.entry_quarter <= 0)
        spend = np.bincount(
            model.entry_option[first],
            weights=quarterly[model.entry_leaf[first]],
            minlength=n_options + 1,
        ).astype(float)
        self.opt_spend = np.where(spend > 0, spend, 1.0)
        self.opt_rule = (
            np.r_[model.choice_number[model.option_choice], 0]
            if n_options
            else np.zeros(1, dtype=np.int64)
        )
        self.opt_n = (
            np.r_[model.choice_n[model.option_choice], 0] if n_options else np.zeros(1, np.int64)
        )
        used = np.unique(option[chosen])
        owner = card[chosen][np.unique(option[chosen], return_index=True)[1]]
        counts = np.bincount(owner, minlength=n)
        width = int(counts.max()) if len(counts) and counts.max() > 0 else 0
        self.card_opts = np.full((n, max(width, 1)), -1, dtype=np.int64)
        if width:
            order = np.argsort(owner, kind="stable")
            owner, used = owner[order], used[order]
            starts = np.r_[0, np.nonzero(np.diff(owner))[0] + 1]
            slot = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
            self.card_opts[owner, slot] = used
        self.max_rules = int(self.opt_rule[used].max()) + 1 if len(used) else 0
        self.has_options = width > 0

    def _context_prices(
        self, members: np.ndarray, floor: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """λ per (wallet, member, rule) from the options' gains over the wallet's floors.

        The (N+1)-th largest gain of a rule's options, each option alone within its cap above
        the best floor the wallet has anyway: the options the other cards cover better do not
        count, so the N that the rule would really choose set the price. Also the constants
        λ·N·4 per wallet. `floor` is (W, D), or (W, m, D) for a floor per member.
        """
        opts = self.card_opts[members]  # (W, m, O)
        valid = opts >= 0
        safe = np.where(valid, opts, len(self.opt_cap) - 1)
        wallet = np.arange(len(members))[:, None, None, None]
        if floor.ndim == 3:  # a floor per member
            member = np.arange(members.shape[1])[None, :, None, None]
            edge = floor[wallet, member, self.opt_d[safe]]
        else:
            edge = floor[wallet, self.opt_d[safe]]
        adv = np.maximum(self.opt_val[safe] - edge, 0.0)  # (W, m, O, L)
        gain = np.where(valid, (adv * self.opt_amount[safe]).sum(axis=-1), -np.inf)
        rules = self.opt_rule[safe]
        lam = np.zeros(members.shape + (max(self.max_rules, 1),))
        constant = np.zeros(len(members))
        width = opts.shape[-1]
        for r in range(self.max_rules):
            mine = valid & (rules == r)
            ranked = -np.sort(-np.where(mine, gain, -np.inf), axis=-1)
            n_of = np.where(mine, self.opt_n[safe], 0).max(axis=-1)  # (W, m)
            at = np.minimum(n_of, width - 1)
            nth = np.take_along_axis(ranked, at[..., None], axis=-1)[..., 0]
            nth = np.where((n_of < width) & np.isfinite(nth) & (nth > 0), nth, 0.0)
            lam[..., r] = nth
            constant += (nth * n_of).sum(axis=-1) * QUARTERS
        return lam, constant

    def _option_prices(
        self, keep: np.ndarray, adv: np.ndarray, d: np.ndarray, cap: np.ndarray
    ) -> np.ndarray:
        """Per kept entry, a Lagrange price on its choice rule's "at most N options" row.

        A rule choosing N of its options earns on N at most; charging λ/S_o on every dollar
        that earns through option o (S_o: the option's spend a quarter, so an option costs λ
        at most) and adding λ·N a quarter keeps the per-category bound valid for any λ >= 0.
        λ is the (N+1)-th largest option gain, which leaves about the N best options' worth.
        The constants go into `self.lagrange`.
        """
        model = self.model
        option = model.entry_option[keep]
        price = np.zeros(len(option))
        chosen = option >= 0
        if not chosen.any():
            return price
        n_options = len(model.option_choice)
        quarterly = np.asarray(self.quarterly)
        # S_o: every spent leaf of the option (one copy of each entry).
        first = (model.entry_option >= 0) & (model.entry_quarter <= 0)
        spend = np.bincount(
            model.entry_option[first],
            weights=quarterly[model.entry_leaf[first]],
            minlength=n_options,
        )
        one = chosen & (model.entry_quarter[keep] <= 0)
        alone = adv[one] * np.minimum(self.quarter_spend_all[d[one]], cap[one])
        gain = np.bincount(option[one], weights=alone, minlength=n_options)
        rule = model.option_choice
        order = np.lexsort((-gain, rule))
        starts = np.r_[0, np.nonzero(np.diff(rule[order]))[0] + 1]
        rank = np.arange(n_options) - np.repeat(starts, np.diff(np.r_[starts, n_options]))
        at = rank == model.choice_n[rule[order]]
        lam = np.zeros(len(model.choice_n))
        lam[rule[order][at]] = gain[order][at]
        per_dollar = np.where(spend > 0, lam[rule] / np.where(spend > 0, spend, 1.0), 0.0)
        price[chosen] = per_dollar[option[chosen]]
        constant = lam * model.choice_n * QUARTERS
        self.lagrange = self.lagrange + np.bincount(
            model.choice_card, weights=constant, minlength=len(model.cards)
        )
        return price

    def _cap_prices(
        self, instance: np.ndarray, adv: np.ndarray, d: np.ndarray, cap: np.ndarray
    ) -> np.ndarray:
        """Per entry, its cap instance's price: the advantage where the card's own fill stops."""
        price = np.zeros(len(instance))
        if not len(instance):
            return price
        supply = self.quarter_spend_all[d]
        order = np.lexsort((-adv, instance))
        inst, adv_s, supply_s, cap_s = instance[order], adv[order], supply[order], cap[order]
        starts = np.r_[0, np.nonzero(np.diff(inst))[0] + 1]
        sizes = np.diff(np.r_[starts, len(inst)])
        cumulative = np.cumsum(supply_s)
        before = cumulative - np.repeat(cumulative[starts] - supply_s[starts], sizes)
        # The first entry of each instance whose running supply reaches the cap sets the price.
        reached = (before >= cap_s) & np.repeat(sizes >= 2, sizes)
        group = np.repeat(np.arange(len(starts)), sizes)
        hit = np.full(len(starts), -1)
        where = np.nonzero(reached)[0]
        first_hit = np.unique(group[where], return_index=True)
        hit[first_hit[0]] = where[first_hit[1]]
        group_price = np.where(hit >= 0, adv_s[np.maximum(hit, 0)], 0.0)
        price[order] = np.repeat(group_price, sizes)
        return price

    def _surplus_setup(self) -> None:
        """Entries grouped by cap instance, for `surplus` (spent categories only)."""
        model = self.model
        position = np.full(N_LEAVES, -1, dtype=np.int64)
        position[self.leaves] = np.arange(len(self.leaves))
        d = position[model.entry_leaf]
        keep = np.nonzero(d >= 0)[0]
        keep = keep[np.argsort(model.entry_instance[keep], kind="stable")]
        card, instance = model.entry_card[keep], model.entry_instance[keep]
        self.s_d = d[keep]
        value = model.entry_points[keep] * self.card_cpp[card] / 100.0
        self.s_value = value - np.where(
            model.entry_leaf[keep] == FOREIGN, model.foreign_fee[card], 0.0
        )
        self.s_floor = self.phi[card, self.s_d] if len(keep) else np.zeros(0)
        starts = np.r_[0, np.nonzero(np.diff(instance))[0] + 1] if len(keep) else np.zeros(0, int)
        self.s_start = starts
        self.s_card = card[starts]
        supply = np.add.reduceat(self.quarter_spend[self.s_d], starts) if len(keep) else np.zeros(0)
        first = instance[starts]
        self.s_room = model.instance_mult[first] * np.minimum(model.instance_cap[first], supply)
        self.s_mult = model.instance_mult[first]
        self.s_spend = self.quarter_spend[self.s_d] if len(keep) else np.zeros(0)

    def surplus(self, floor: np.ndarray) -> np.ndarray:
        """Per card, a bound on what its capped, chosen and rotating rules add above `floor`.

        With every leaf earning at least `floor` elsewhere in the wallet, a cap instance adds at
        most min(cap, its categories' spend) × its best advantage over max(card floor, floor),
        and at most the sum over its categories of spend × that category's advantage (only the
        categories it still beats the floor on count).
        """
        n = len(self.model.cards)
        if not len(self.s_start):
            return np.zeros(n)
        adv = np.maximum(self.s_value - np.maximum(self.s_floor, floor[self.s_d]), 0.0)
        best = np.maximum.reduceat(adv, self.s_start)
        each = np.add.reduceat(adv * self.s_spend, self.s_start) * self.s_mult
        bound = np.bincount(self.s_card, weights=np.minimum(self.s_room * best, each), minlength=n)
        return np.minimum(self.bonus_bound, bound)

    def leaf_bound(self, wallets: np.ndarray, needed: float = -math.inf) -> np.ndarray:
        """Per-category upper bound on the score of each wallet (rows of new-card indices).

        A second round of in-context choice prices (`_second_prices`) is tried only on the
        wallets whose other bounds reach `needed` (the caller's threshold).

        Caps given in full to each category they cover (plain), and the same with Lagrange
        prices: when a card of the wallet has choice rules, the choices' prices are set in the
        wallet's context (`_context_prices`, and the same halved; no cap prices, which set on a
        card alone would charge a choice card's whole cap); else prices set on each card alone
        for caps shared by several categories and for choices. The lowest is kept; all are
        valid bounds.
        """
        held = list(self.held)
        floor = self.phi[wallets].max(axis=1)
        if held:
            floor = np.maximum(floor, self.pi0[None, :])
        base = floor @ self.annual + self.mod[wallets].sum(axis=1)
        plain = base.copy()
        priced = base + self.lagrange[wallets].sum(axis=1) + float(self.lagrange[held].sum())
        if not self.leaves:
            return plain
        everyone = wallets
        if held:
            everyone = np.concatenate(
                [wallets, np.broadcast_to(np.array(held), (len(wallets), len(held)))], axis=1
            )
        context = None
        if self.has_options and (self.card_opts[everyone] >= 0).any():
            lam, constant = self._context_prices(everyone, floor)
            context = base + constant
            # The dual is convex in λ and the prices above are one guess: where another card
            # of the wallet wants the same options, λ/2 is often the better one. Both count.
            halved = base + 0.5 * constant
            second = np.full(len(wallets), np.inf)
        rotates = self.rotates[wallets].any(axis=1) | bool(self.rotates[held].any())
        for quarterly in (False, True):
            rows = np.nonzero(rotates == quarterly)[0]
            if not len(rows):
                continue
            quarters = QUARTERS if quarterly else 1
            members = wallets[rows]
            if held:
                members = np.concatenate(
                    [members, np.broadcast_to(np.array(held), (len(rows), len(held)))], axis=1
                )
            value = self._flat(self.seg_value, members, quarters)
            # Only the categories and segment slots that some wallet here has a segment in.
            present = np.isfinite(value)
            leaves = np.nonzero(present.any(axis=(0, 1, 3)))[0]
            slots = np.nonzero(present.any(axis=(0, 1, 2)))[0]
            if not len(leaves) or not len(slots):
                continue
            value = value[:, :, leaves][..., slots]
            cap = self._flat(self.seg_cap, members, quarters)[:, :, leaves][..., slots]
            edge = floor[rows][:, None, leaves, None]
            scale = 1 if quarterly else QUARTERS
            advantages = [value - edge]
            if context is None:
                # Lagrange prices on caps shared by several categories and on choices, set on
                # each card alone (`_segments`).
                price = self._flat(self.seg_price, members, quarters)[:, :, leaves][..., slots]
                advantages.append(value - price - edge)
            else:
                # The same with the choices' prices set in the wallet's context.
                option = self._flat(self.seg_option, members, quarters)[:, :, leaves][..., slots]
                chosen = option >= 0
                safe = np.where(chosen, option, len(self.opt_spend) - 1)
                owner = np.repeat(np.arange(members.shape[1]), self.seg_value.shape[-1])[slots]
                w_index = np.arange(len(rows))[:, None, None, None]
                charge = lam[rows][w_index, owner, self.opt_rule[safe]] / self.opt_spend[safe]
                charge = np.where(chosen, charge, 0.0)
                advantages.append(value - charge - edge)
                advantages.append(value - 0.5 * charge - edge)
            # All variants filled at once (one sort).
            filled = self._fill(np.stack(advantages), cap, leaves) * scale
            plain[rows] += filled[0]
            if context is None:
                priced[rows] += filled[1]
                continue
            context[rows] += filled[1]
            halved[rows] += filled[2]
            if quarterly:
                continue
            # A second round of choice prices for the wallets where two or more cards have
            # choices and the bounds so far do not reach below `needed`; for a handful of
            # wallets its fixed cost (a few dozen small array operations) does not pay.
            duo = (self.card_opts[members] >= 0).any(axis=-1).sum(axis=-1) >= 2
            so_far = np.minimum(plain[rows], np.minimum(context[rows], halved[rows]))
            duo = np.nonzero(duo & (so_far >= needed))[0]
            if len(duo) >= _SECOND_FROM:
                lam2, constant2 = self._second_prices(
                    members[duo], floor[rows[duo]], leaves, owner, advantages[1][duo, 0]
                )
                charge = lam2[w_index[: len(duo)], owner, self.opt_rule[safe[duo]]]
                charge = np.where(chosen[duo], charge / self.opt_spend[safe[duo]], 0.0)
                again = value[duo] - charge - edge[duo]
                filled = self._fill(again[None], cap[duo], leaves)[0] * scale
                second[rows[duo]] = base[rows[duo]] + constant2 + filled
        if context is not None:
            priced = np.minimum(np.minimum(context, halved), second)
        return np.minimum(plain, priced)

    def _second_prices(
        self,
        members: np.ndarray,
        floor: np.ndarray,
        leaves: np.ndarray,
        owner: np.ndarray,
        charged: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """A second round of the in-context choice prices (one quarter, all alike).

        The options' gains are taken over the floors plus the best advantage any other card of
        the wallet keeps after the first prices (`charged`: (W, D, S) over `leaves`, slots
        owned by `owner`): an option that another card's rule takes anyway does not set this
        rule's price. Where two choice cards want the same options, the first prices charge
        both for them; these charge each about what it really gives up.
        """
        count = members.shape[1]
        best = np.full((len(members), count, len(leaves)), -np.inf)
        for m in range(count):
            mine = owner == m
            if mine.any():
                best[:, m] = charged[..., mine].max(axis=-1)
        edge = np.repeat(floor[:, None, :], count, axis=1)
        for m in range(count):
            others = np.delete(best, m, axis=1)
            if others.shape[1]:
                edge[:, m, leaves] += np.maximum(others.max(axis=1), 0.0)
        return self._context_prices(members, edge)

    @staticmethod
    def _flat(table: np.ndarray, members: np.ndarray, quarters: int) -> np.ndarray:
        """(W, m, Q, D, K) segment table rows as (W, Q, D, m·K)."""
        rows = table[:, :quarters][members]
        w, m, q, d, k = rows.shape
        return rows.transpose(0, 2, 3, 1, 4).reshape(w, q, d, m * k)

    def _fill(self, advantage: np.ndarray, cap: np.ndarray, leaves: np.ndarray) -> np.ndarray:
        """Greedy fill of each category's spend by advantage: the per-category optimum.

        `advantage` is (V, W, Q, D, S) for V variants sharing the caps (W, Q, D, S), over the
        categories `leaves` (positions in `self.leaves`); the result is (V, W).
        """
        adv = np.maximum(advantage, 0.0)
        quarter_spend = self.quarter_spend[leaves]
        spend = quarter_spend[None, None, None, :, None]
        # A category with at most one segment above zero fills it up to min(spend, cap); only
        # the others need the segments sorted.
        fill = (adv * np.minimum(spend, cap)).sum(axis=-1)  # (V, W, Q, D)
        multi = np.nonzero((adv > 0.0).sum(axis=-1) >= 2)
        if len(multi[0]):
            adv = adv[multi]  # (G, S)
            cap = np.broadcast_to(cap, advantage.shape)[multi]
            order = np.argsort(-adv, axis=-1, kind="stable")
            adv = np.take_along_axis(adv, order, axis=-1)
            cap = np.take_along_axis(cap, order, axis=-1)
            # Exclusive running total (caps can be infinite: inf - inf would be NaN).
            before = np.zeros_like(cap)
            before[:, 1:] = np.cumsum(cap[:, :-1], axis=-1)
            supply = quarter_spend[multi[3]][:, None]
            fill[multi] = (np.clip(supply - before, 0.0, cap) * adv).sum(axis=-1)
        return fill.sum(axis=(2, 3))

    def _bonus_bound(self) -> np.ndarray:
        """P_c: what capped, chosen and rotating rules can add above the card's floor."""
        model = self.model
        card = model.entry_card
        leaf = model.entry_leaf
        full_phi = np.zeros((len(model.cards), N_LEAVES))
        leaves = np.array(self.leaves, dtype=np.int64)
        if len(leaves):
            full_phi[:, leaves] = self.phi
        value = model.entry_points * self.card_cpp[card] / 100.0
        value = value - np.where(leaf == FOREIGN, model.foreign_fee[card], 0.0)
        adv = value - full_phi[card, leaf]
        supply = np.asarray(self.quarterly)[leaf]
        keep = (adv > 1e-12) & (supply > 0)
        if not keep.any():
            return np.zeros(len(model.cards))
        adv, supply = adv[keep], supply[keep]
        instance, card = model.entry_instance[keep], card[keep]
        option = model.entry_option[keep]
        n_instances = len(model.instance_cap)
        # A choice rule earns on N options at most: its options' gains (each alone, within the
        # cap) beyond the N largest cannot all count. Per instance, fixed entries alone plus
        # the N best options of each choice rule bound the instance's gain too.
        alone = adv * np.minimum(supply, model.instance_cap[instance])
        fixed = option < 0
        limit = np.bincount(instance[fixed], weights=alone[fixed], minlength=n_instances).astype(
            float
        )
        if (~fixed).any():
            key = instance[~fixed] * len(model.option_choice) + option[~fixed]
            keys, where = np.unique(key, return_inverse=True)
            option_gain = np.bincount(where.ravel(), weights=alone[~fixed])
            option_instance = keys // len(model.option_choice)
            option_rule = model.option_choice[keys % len(model.option_choice)]
            order = np.lexsort((-option_gain, option_rule, option_instance))
            rule_key = option_instance[order] * (len(model.choice_n) + 1) + option_rule[order]
            starts = np.r_[0, np.nonzero(np.diff(rule_key))[0] + 1]
            rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
            best = rank < model.choice_n[option_rule[order]]
            limit += np.bincount(
                option_instance[order][best],
                weights=option_gain[order][best],
                minlength=n_instances,
            )
        # Fill each cap instance by advantage, highest first: a fractional knapsack per cap.
        order = np.lexsort((-adv, instance))
        adv, supply, instance, card = adv[order], supply[order], instance[order], card[order]
        cumulative = np.cumsum(supply)
        starts = np.r_[0, np.nonzero(np.diff(instance))[0] + 1]
        group_start = np.repeat(
            cumulative[starts] - supply[starts], np.diff(np.r_[starts, len(adv)])
        )
        before = cumulative - supply - group_start
        cap = model.instance_cap[instance]
        fill = np.clip(cap - before, 0.0, supply)
        knapsack = np.bincount(instance, weights=fill * adv, minlength=n_instances)
        gain = np.minimum(knapsack, limit) * model.instance_mult
        owner = np.zeros(n_instances, dtype=np.int64)
        owner[instance] = card
        return np.bincount(owner, weights=gain, minlength=len(model.cards))

    def dominated(self, size: int) -> np.ndarray:
        """Candidates (as a mask over self.candidates) that cannot be in the top N of `size`.

        Card d dominates c when d is worth at least c at every allocation and ranks before it
        on ties: φ_d ≥ φ_c everywhere and d's modular advantage covers P_c (a whole cent more,
        or at least as much with no higher fee and an earlier name). Dominators are looked for
        among the strongest cards (by guaranteed value) and, within each group of cards with
        the same floors (duplicates are common: many no-fee 2% cards), among the best of the
        group: a card that cannot be in the top needs only N + size − 1 of them.
        """
        cands = self.candidates
        need = self.options.top_n + size - 1
        n = len(cands)
        if n <= need:
            return np.zeros(n, dtype=bool)
        if self._dominators is None:
            self._dominators = self._count_dominators(self.options.top_n + 2)
        return self._dominators >= need

    def _count_dominators(self, need: int) -> np.ndarray:
        """Per candidate, how many dominators were found (enough to compare with `need`)."""
        cands = self.candidates
        n = len(cands)
        phi = self.phi[cands]
        mod = self.mod[cands]
        fee = self.model.annual_fee[cands]
        bound = self.bonus_bound[cands]
        rank = self.model.name_rank[cands]

        def beats(d: np.ndarray, c: np.ndarray) -> np.ndarray:
            margin = mod[d] - mod[c] - bound[c]
            strict = margin >= _TOL + 0.001
            tie = (margin >= -1e-9) & (fee[d] <= fee[c]) & (rank[d] < rank[c])
            return np.all(phi[d] >= phi[c] - 1e-12, axis=-1) & (strict | tie)

        guaranteed = phi @ self.annual + mod
        ref = np.argsort(-guaranteed, kind="stable")[:_REFERENCE]
        counts = np.zeros(n, dtype=np.int64)
        # Against a strong card r the test can use what c adds over r's floors rather than
        # over its own: max over receipts x ≤ S of f_c(x) − φ_r·x ≤ S·(φ_c − φ_r)⁺ +
        # surplus_c(φ_r), and r earns at least φ_r·x on them. So r dominates c when that is
        # covered by r's modular advantage (a whole cent, or at least as much with no higher
        # fee and an earlier name). This includes φ_r ≥ φ_c with P_c covered.
        for r in ref:
            over = np.maximum(phi - phi[r], 0.0) @ self.annual
            gap = over + self.surplus(phi[r])[cands]
            margin = mod[r] - mod - gap
            strict = margin >= _TOL + 0.001
            tie = (margin >= -1e-9) & (fee[r] <= fee) & (rank[r] < rank)
            counts += strict | tie
        # Groups of equal floors, each sorted best first (higher modular terms, lower fee,
        # earlier name): a member's dominators in its group come before it. Rows are grouped by
        # a fixed random projection (equal rows, equal keys; `beats` still compares the floors,
        # so a collision could only group cards that do not dominate each other).
        weights = np.random.default_rng(2026).random(phi.shape[1]) + 1.0
        _, group = np.unique(np.round(phi, 9) @ weights, return_inverse=True)
        group = group.ravel()
        order = np.lexsort((rank, fee, -mod, group))
        sorted_group = group[order]
        starts = np.r_[0, np.nonzero(np.diff(sorted_group))[0] + 1]
        sizes = np.diff(np.r_[starts, n])
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n) - np.repeat(starts, sizes)
        start_of = np.empty(n, dtype=np.int64)
        start_of[order] = np.repeat(starts, sizes)
        is_ref = np.zeros(n, dtype=bool)
        is_ref[ref] = True
        look = need + min(len(ref), need)
        # Every (member, one of the first `look` members before it) pair at once.
        width = np.minimum(position, look)
        rows = np.repeat(np.arange(n), width)
        if len(rows):
            offset = np.arange(len(rows)) - np.repeat(np.cumsum(width) - width, width)
            d = order[start_of[rows] + offset]
            hits = beats(d, rows) & ~is_ref[d]
            counts += np.bincount(rows[hits], minlength=n)
        return counts


class Beaten(Exception):
    """A search asked only whether anything beats its incumbent found a wallet that does."""

    def __init__(self, found: Found) -> None:
        super().__init__()
        self.found = found


class TopN:
    """The best wallets found so far, and the N-th best rank key that prunes the rest."""

    def __init__(self, query: Query, n: int) -> None:
        self.query = query
        self.n = n
        self.keys: list[tuple[tuple[int, int, tuple[int, ...]], float]] = []
        self.found: dict[tuple[int, ...], Found] = {}
        # With a rank key here, the first wallet ranking before it ends the search (Beaten).
        self.stop_before: tuple[int, int, tuple[int, ...]] | None = None

    @property
    def threshold(self) -> float:
        """Score of the N-th best wallet (-inf until N are known)."""
        return self.keys[-1][1] if len(self.keys) >= self.n else -math.inf

    def beaten(self, bound: float, fee_cents: int, ranks: tuple[int, ...]) -> bool:
        """True if a wallet with this score bound, fees and names cannot enter the top N."""
        if len(self.keys) < self.n:
            return False
        (value, fees, names), _ = self.keys[-1]
        bound_cents = math.floor((bound + 1e-5) * 100 + 0.5)
        return bound_cents < -value or (
            bound_cents == -value and (fee_cents, ranks) > (fees, names)
        )

    def beaten_all(self, bound: np.ndarray, wallets: np.ndarray) -> np.ndarray:
        """`beaten` for many wallets (rows of card indices) at once."""
        if len(self.keys) < self.n:
            return np.zeros(len(bound), dtype=bool)
        (value, fees, names), _ = self.keys[-1]
        model = self.query.model
        bound_cents = np.floor((bound + 1e-5) * 100 + 0.5).astype(np.int64)
        beaten = bound_cents < -value
        tied = np.nonzero(bound_cents == -value)[0]
        if not len(tied):
            return beaten
        # Only bounds equal to the N-th value in cents need the fees and names.
        tied_wallets = wallets[tied]
        columns = [model.fee_cents[tied_wallets].sum(axis=1)]
        columns += list(np.sort(model.name_rank[tied_wallets], axis=1).T)
        worse = np.zeros(len(tied), dtype=bool)
        same = np.ones(len(tied), dtype=bool)
        for column, reference in zip(columns, (fees, *names), strict=True):
            worse |= same & (column > reference)
            same &= column == reference
        beaten[tied] = worse | same
        return beaten

    def add(self, new: Sequence[int]) -> Found:
        """Evaluate a wallet (once) and keep it."""
        key = tuple(sorted(new))
        hit = self.found.get(key)
        if hit is not None:
            return hit
        found = self.query.found(key)
        self.found[key] = found
        rank = self.query.rank_key(found)
        if self.stop_before is not None and rank < self.stop_before:
            raise Beaten(found)
        if len(self.keys) < self.n or rank < self.keys[-1][0]:
            bisect.insort(self.keys, (rank, found.score))
            del self.keys[self.n :]
        return found

    def best(self) -> list[Found]:
        """The top N in rank order."""
        return sorted(self.found.values(), key=self.query.rank_key)[: self.n]


class Search:
    """Runs the search for each wallet size, reporting progress and honouring cancellation."""

    def __init__(
        self,
        query: Query,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
        describe: Callable[[Found], object] | None = None,
    ) -> None:
        self.query = query
        self.progress = progress
        self.cancelled = _cancel_check(cancel)
        self.describe = describe
        self.last_report = 0.0
        self.stats: dict[str, int] = {}
        self._tried: list[tuple[int, int, float]] = []  # see `_triples`
        # The top wallets of each size searched so far: they seed the next size.
        self.results: dict[int, list[Found]] = {}

    def _check(self) -> None:
        if self.cancelled():
            raise SearchCancelled()

    def _report(self, phase: str, done: int, total: int, top: TopN, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.perf_counter()
        if not force and now - self.last_report < _PROGRESS_SECONDS:
            return
        self.last_report = now
        best = top.best()[:1]
        shown = self.describe(best[0]) if best and self.describe else (best[0] if best else None)
        self.progress(phase, done, total, shown)

    def run(
        self, size: int, *, incumbent: Sequence[int] | None = None, first_better: bool = False
    ) -> list[Found]:
        """The exact top N wallets of `size` new cards (fewer if there are fewer wallets).

        With `first_better` (and an incumbent), the search stops at the first wallet found
        that ranks before the incumbent and returns just that one: "is it still first?" with
        a witness when it is not. Otherwise the result is the true top N.
        """
        try:
            return self._run(size, incumbent, first_better)
        except Beaten as beaten:
            return [beaten.found]

    def _run(self, size: int, incumbent: Sequence[int] | None, first_better: bool) -> list[Found]:
        query = self.query
        query.prepare_bounds()
        self._check()
        n_total = len(query.candidates)
        total = math.comb(n_total, size)
        phase = PHASES[size]
        top = TopN(query, query.options.top_n)
        if incumbent is not None:
            # A caller asking "does anything beat this wallet?" starts from it as the threshold.
            found = top.add(incumbent)
            if first_better:
                top.stop_before = query.rank_key(found)
        self._report(phase, 0, total, top, force=True)
        if n_total < size:
            self._report(phase, total, total, top, force=True)
            return []
        drop = query.dominated(size)
        cands = query.candidates[~drop]
        done = total - math.comb(len(cands), size)
        b = np.maximum(query.pi0[None, :], query.phi[cands]) if len(cands) else query.phi[cands]
        extra = query.extra[cands]
        held_extra = query.held_extra
        single = b @ query.annual + extra + held_extra
        # Best bound first; equal bounds in name order (so twins, below, come name first).
        order = np.lexsort((query.model.name_rank[cands], -single))
        cands, b, extra, single = cands[order], b[order], extra[order], single[order]
        # u: best rates (caps and choices ignored) with the held cards' folded in.
        self.u = np.maximum(query.u0[None, :], query.top_rate[cands])
        self.u_mod = query.mod[cands]
        self.single = single
        # Overlapping pick-top cards (and any held one): no marginal bounds over them.
        needs_lp = np.array([card.needs_lp for card in query.model.cards], dtype=bool)
        self.lp = needs_lp[cands] | bool(needs_lp[list(query.held)].any())
        self.horizon = self._horizon(size, b, extra)
        self._seed(size, cands, b, single, top)
        if size == 1:
            done = self._singles(cands, single, top, phase, done, total)
        elif size == 2:
            done = self._pairs(cands, b, extra, single, top, phase, done, total)
        else:
            done = self._triples(cands, b, extra, single, top, phase, done, total)
        self.stats[phase] = len(top.found)
        self.results[size] = top.best()
        self._report(phase, total, total, top, force=True)
        return top.best()

    def _horizon(self, size: int, b: np.ndarray, extra: np.ndarray) -> np.ndarray:
        """Per position p, a bound on every wallet made only of cards at positions >= p.

        Best floors among those cards (suffix maximum) plus the `size` largest extras among them:
        once it falls below the threshold, no later anchor can lead to a top wallet.
        """
        n = len(b)
        if not n:
            return np.zeros(0)
        annual = self.query.annual
        floors = np.maximum.accumulate(b[::-1], axis=0)[::-1] @ annual
        rates = np.maximum.accumulate(self.u[::-1], axis=0)[::-1] @ annual
        best: list[float] = []
        mods: list[float] = []
        tops = np.empty(n)
        top_mods = np.empty(n)
        for p in range(n - 1, -1, -1):
            bisect.insort(best, float(extra[p]))
            bisect.insort(mods, float(self.u_mod[p]))
            if len(best) > size:
                del best[0]
                del mods[0]
            tops[p] = sum(best)
            top_mods[p] = sum(mods)
        return np.minimum(floors + tops + self.query.held_extra, rates + top_mods)

    def _seed(
        self, size: int, cands: np.ndarray, b: np.ndarray, single: np.ndarray, top: TopN
    ) -> None:
        """A few likely-good wallets first, so that the threshold prunes from the start.

        Each of the best wallets one card smaller (from the previous phase, when there was
        one) plus the card with the best best-rate bound with it, and plus the card whose
        floors add the most over the wallet's (when another); else combinations of the few
        best cards. Any seeds keep the search exact; good ones make it prune early. They cost
        up to 2N exact solves, which pays only when there are many cards: with fewer than
        `_SEED_FROM` candidates the first anchor's own wallets set the threshold soon enough.
        """
        if size == 1 or len(cands) < _SEED_FROM:
            return
        smaller = self.results.get(size - 1)
        if smaller:
            query = self.query
            annual = query.annual
            position = {int(c): i for i, c in enumerate(cands)}
            seeds: dict[tuple[int, ...], float] = {}
            for found in smaller[: top.n]:
                if not all(c in position for c in found.cards):
                    continue
                # Two cards join it, each on its own: the best by best-rate bound, and the
                # best by what its floors surely add over the wallet's (a guess at its value,
                # not a bound; it finds the cards whose value is uncapped).
                rows = [position[c] for c in found.cards]
                rate = np.maximum(self.u, self.u[rows].max(axis=0)) @ annual + self.u_mod
                gain = np.maximum(b - b[rows].max(axis=0), 0.0) @ annual + query.mod[cands]
                for guess in (rate, np.minimum(rate, found.score + gain)):
                    guess[rows] = -np.inf
                    best = int(np.argmax(guess))
                    if np.isfinite(guess[best]):
                        wallet = tuple(sorted((*found.cards, int(cands[best]))))
                        seeds[wallet] = max(seeds.get(wallet, -np.inf), float(rate[best]))
            for seed in sorted(seeds, key=lambda w: -seeds[w]):
                top.add(seed)
            return
        head = [int(c) for c in cands[: 3 + size]]
        if len(head) < size:
            return
        for combo in itertools.combinations(head, size):
            top.add(combo)

    def _singles(
        self, cands: np.ndarray, single: np.ndarray, top: TopN, phase: str, done: int, total: int
    ) -> int:
        single = np.minimum(single, self.u @ self.query.annual + self.u_mod)
        self._evaluate(cands[:, None], single, top, phase=phase, done=done, total=total)
        return total

    def _evaluate(
        self,
        wallets: np.ndarray,
        coarse: np.ndarray,
        top: TopN,
        *,
        phase: str = "",
        done: int = 0,
        total: int = 0,
        tight: bool = False,
    ) -> None:
        """Tighten the bounds of candidate wallets, then solve them best bound first.

        With `tight`, `coarse` already holds the per-category bound (it is not recomputed).
        """
        if not len(wallets):
            return
        keep = np.nonzero(~top.beaten_all(coarse, wallets))[0]
        if not len(keep):
            return
        wallets, coarse = wallets[keep], coarse[keep]
        needed = top.threshold - _TOL
        bound = coarse if tight else np.minimum(coarse, self.query.leaf_bound(wallets, needed))
        keep = np.nonzero(~top.beaten_all(bound, wallets))[0]
        query = self.query
        for count, t in enumerate(keep[np.argsort(-bound[keep], kind="stable")]):
            if bound[t] < top.threshold - _TOL:
                break
            if phase and count % 64 == 0:
                self._check()
                self._report(phase, done + count, total, top)
            wallet = tuple(int(c) for c in wallets[t])
            fees = int(query.model.fee_cents[list(wallet)].sum())
            ranks = query.ranks(wallet)
            if top.beaten(float(bound[t]), fees, ranks):
                continue
            if len(top.keys) >= top.n:
                # Settle the wallet's choices only as far as it can still reach the top: the
                # first bound (the relaxation with every choice allowed) is one flow problem.
                below = query.score_below(wallet, top.threshold - _TOL)
                if below is not None and top.beaten(below, fees, ranks):
                    continue
            top.add(wallet)

    def _anchor(self, p: int, cands: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
        """A bound on the anchor's score alone, and every card's marginal bound over it.

        score(W ∪ {c}) ≤ score(W) + g_c, where g_c = S·(φ_c − m)⁺ + surplus_c(m) + modular_c
        and m is W's best floor per category: give c's spend to the floor card instead and the
        wallet without c loses at most that. The same holds for two added cards (sum of g).
        The anchor's score is exact when already known, else its single-card bound: callers
        solve it (`_exact_anchor`) only once that bound leaves something to look at.
        """
        query = self.query
        card = int(cands[p])
        if self.lp[p]:
            return math.inf, np.maximum(b - b[p], 0.0) @ query.annual
        if query.is_solved((card,)):
            anchor = query.score((card,))
        else:
            anchor = min(float(self.single[p]), float(self.u[p] @ query.annual + self.u_mod[p]))
        gain = np.maximum(b - b[p], 0.0) @ query.annual
        gain += query.surplus(b[p])[cands] + query.mod[cands]
        return anchor, gain

    def _exact_anchor(self, p: int, cands: np.ndarray) -> float:
        # Marginal bounds over a wallet need every card in it to take extra spend at its
        # floor rate; an overlapping pick-top card may not (more spend can change what it
        # receives most of), so with one in the base wallet they are not used (infinite).
        if self.lp[p]:
            return math.inf
        return self.query.score((int(cands[p]),))

    def _pairs(
        self,
        cands: np.ndarray,
        b: np.ndarray,
        extra: np.ndarray,
        single: np.ndarray,
        top: TopN,
        phase: str,
        done: int,
        total: int,
    ) -> int:
        query = self.query
        annual = query.annual
        n = len(cands)
        low = (b.min(axis=0) @ annual) if n else 0.0
        for p in range(n - 1):
            self._check()
            if (
                min(single[p] + single[p + 1] - query.held_extra - low, self.horizon[p])
                < top.threshold - _TOL
            ):
                break
            anchor, gain = self._anchor(p, cands, b)
            ub = (
                np.maximum(b[p + 1 :], b[p]) @ annual + extra[p] + query.held_extra + extra[p + 1 :]
            )
            u = self.u
            ub = np.minimum(
                ub, np.maximum(u[p + 1 :], u[p]) @ annual + self.u_mod[p] + self.u_mod[p + 1 :]
            )
            if not (np.minimum(ub, anchor + gain[p + 1 :]) >= top.threshold - _TOL).any():
                done += n - 1 - p
                continue
            anchor = self._exact_anchor(p, cands)
            ub = np.minimum(ub, anchor + gain[p + 1 :])
            hits = np.nonzero(ub >= top.threshold - _TOL)[0]
            wallets = np.stack([np.full(len(hits), cands[p]), cands[p + 1 + hits]], axis=1)
            self._evaluate(wallets, ub[hits], top)
            done += n - 1 - p
            self._report(phase, done, total, top)
        return total

    def _triples(
        self,
        cands: np.ndarray,
        b: np.ndarray,
        extra: np.ndarray,
        single: np.ndarray,
        top: TopN,
        phase: str,
        done: int,
        total: int,
    ) -> int:
        query = self.query
        annual = query.annual
        held_extra = query.held_extra
        n = len(cands)
        low = (b.min(axis=0) @ annual) if n else 0.0
        # Twins: cards with the same priced rules, modular terms and fee. A triple with an
        # anchor's twin in its place has the same score and fees and, the twin's name coming
        # later, ranks after it; so of a later twin's triples only those whose counterparts
        # were not pruned at the earlier twin can still make the top N (pruning only ever
        # gets stricter). `self._tried` collects them, as (second, third, bound) positions.
        twins: dict[tuple[int, float, int], tuple[int, list[tuple[int, int, float]]]] = {}
        name_rank = query.model.name_rank
        for p in range(n - 2):
            self._check()
            if (
                min(single[p] + 2 * (single[p + 1] - held_extra - low), self.horizon[p])
                < top.threshold - _TOL
            ):
                break
            card = int(cands[p])
            if not self.lp[p]:
                # First the marginal bounds with the bonus bounds P_c (>= surplus_c(m)): no
                # surplus to compute for the many anchors that this already rules out.
                rough = np.maximum(b[p + 1 :] - b[p], 0.0) @ annual + extra[p + 1 :]
                best = np.maximum.accumulate(rough[::-1])[::-1]
                if query.is_solved((card,)):
                    alone = query.score((card,))
                else:
                    alone = min(float(single[p]), float(self.u[p] @ annual + self.u_mod[p]))
                if not (alone + rough[:-1] + best[1:] >= top.threshold - _TOL).any():
                    done += math.comb(n - 1 - p, 2)
                    continue
            twin = (query.shape(card), float(query.mod[card]), int(query.model.fee_cents[card]))
            earlier = twins.get(twin)
            if earlier is not None and name_rank[card] > earlier[0]:
                tried = [(j, k, bound) for j, k, bound in earlier[1] if j > p]
                if tried:
                    js_t, ks_t, bounds = (np.array(column) for column in zip(*tried, strict=True))
                    wallets = np.stack([np.full(len(js_t), card), cands[js_t], cands[ks_t]], axis=1)
                    self._evaluate(wallets, bounds.astype(float), top, tight=True)
                done += math.comb(n - 1 - p, 2)
                self._report(phase, done, total, top)
                continue
            self._tried = []
            twins[twin] = (int(name_rank[card]), self._tried)
            anchor, gain = self._anchor(p, cands, b)
            # suffix[t]: the best marginal bound among positions >= t (third cards after t)
            suffix = np.maximum.accumulate(gain[::-1])[::-1]
            reach = gain[p + 1 : n - 1] + suffix[p + 2 :]
            if not (anchor + reach >= top.threshold - _TOL).any():
                done += math.comb(n - 1 - p, 2)
                continue
            anchor = self._exact_anchor(p, cands)
            js = np.nonzero(anchor + reach >= top.threshold - _TOL)[0] + p + 1
            if not len(js):
                done += math.comb(n - 1 - p, 2)
                continue
            self._anchor_triples(p, js, anchor, gain, cands, b, extra, top)
            done += math.comb(n - 1 - p, 2)
            self._report(phase, done, total, top)
        return total

    def _anchor_triples(
        self,
        p: int,
        js: np.ndarray,
        anchor: float,
        gain: np.ndarray,
        cands: np.ndarray,
        b: np.ndarray,
        extra: np.ndarray,
        top: TopN,
    ) -> None:
        """Every triple anchored at position p, bounded in one batch, then solved.

        Bounds, cheapest first, each over the survivors of the last: the anchor's value plus
        both marginal bounds, and the best-rate decomposition (for each card on its own, then
        for each pair); the best-rate bound and the seven other mixed bounds; the pair's bound
        plus the third card's surplus over the pair's floors; the whole rank key; the pair's
        per-category bound (big batches only); the triple's own per-category bound, in chunks,
        best first. Only pairs with a surviving third card are valued (exactly, or by their
        relaxation when they hold choice cards; either then replaces the pair bound), and only
        then their triples are solved.
        """
        query = self.query
        annual = query.annual
        held_extra = query.held_extra
        u, u_mod = self.u, self.u_mod
        n = len(cands)
        threshold = top.threshold - _TOL
        # Candidate (j, k), j < k, by the marginal bounds alone.
        ks_all = np.arange(int(js[0]) + 1, n)
        # And by best rates: Σ S·max(u_p, u_j, u_k) ≤ S·u_p + S·(u_j − u_p)⁺ + S·(u_k − u_p)⁺.
        rate_gain = np.maximum(u - u[p], 0.0) @ annual + u_mod
        rate_anchor = u[p] @ annual + u_mod[p]
        # Each side first on its own, against the other side's best.
        js = js[rate_anchor + rate_gain[js] + rate_gain[ks_all].max() >= threshold]
        if not len(js):
            return
        ks_all = ks_all[
            (anchor + gain[ks_all] + gain[js].max() >= threshold)
            & (rate_anchor + rate_gain[ks_all] + rate_gain[js].max() >= threshold)
            & (ks_all > js[0])
        ]
        if not len(ks_all):
            return
        mask = (
            (anchor + gain[js][:, None] + gain[ks_all][None, :] >= threshold)
            & (rate_anchor + rate_gain[js][:, None] + rate_gain[ks_all][None, :] >= threshold)
            & (ks_all[None, :] > js[:, None])
        )
        rows, cols = np.nonzero(mask)
        if not len(rows):
            return
        # Pair bounds, once per j.
        pair_floor = np.maximum(b[p], b[js])
        # Each card bounded either by its floors plus its bonus bound, or by its best rates:
        # the four ways for the pair (the cover and best-rate bounds are two of them).
        reps = ((b, extra, True), (u, u_mod, False))
        pair_reps = [
            (np.maximum(rp[p], rj[js]), ep[p] + ej[js], fp and fj)
            for rp, ep, fp in reps
            for rj, ej, fj in reps
        ]
        pair_bound = anchor + gain[js]
        for rates, extras, floors in pair_reps:
            pair_bound = np.minimum(
                pair_bound, rates @ annual + extras + (held_extra if floors else 0.0)
            )
        ks = ks_all[cols]
        if len(top.keys) < top.n:
            # No threshold yet (the first anchor, no seeds): solve the few triples with the
            # best best-rate bounds first, so that the bounds below prune with a threshold.
            rate = np.maximum(np.maximum(u[js][rows], u[ks]), u[p]) @ annual
            rate += u_mod[p] + u_mod[js][rows] + u_mod[ks]
            first = np.argsort(-rate, kind="stable")[: top.n]
            starters = np.stack(
                [np.full(len(first), cands[p]), cands[js[rows[first]]], cands[ks[first]]], axis=1
            )
            self._tried += zip(
                js[rows[first]].tolist(), ks[first].tolist(), rate[first].tolist(), strict=True
            )
            self._evaluate(starters, rate[first], top)
            threshold = top.threshold - _TOL
        # The eight ways for the triple (floors + bonus bound, or best rates, per card; the
        # held cards count by their floors and bonus bounds only when every card does): the
        # all-best-rates one first, then the other seven at once on its survivors.
        ub = np.maximum(pair_reps[3][0][rows], u[ks]) @ annual + pair_reps[3][1][rows] + u_mod[ks]
        keep = ub >= threshold
        rows, ks, ub = rows[keep], ks[keep], ub[keep]
        if not len(ks):
            return
        pair_rates = np.stack([rates for rates, _, _ in pair_reps])[:, rows]  # (4, N, D)
        pair_extras = np.stack([extras for _, extras, _ in pair_reps])[:, rows]  # (4, N)
        third_rates = np.stack([b[ks], u[ks]])  # (2, N, D)
        third_extras = np.stack([extra[ks], u_mod[ks]])  # (2, N)
        ways = np.maximum(pair_rates[:, None], third_rates[None, :]) @ annual  # (4, 2, N)
        ways += pair_extras[:, None] + third_extras[None, :]
        ways[0, 0] += held_extra  # every card by its floors and bonus bound
        ub = np.minimum(ub, ways.reshape(-1, len(ks)).min(axis=0))
        keep = ub >= threshold
        rows, ks, ub = rows[keep], ks[keep], ub[keep]
        if not len(ks):
            return
        # The pair's bound plus what the third card adds over the pair's floors.
        surplus = query.surplus(b[p])[cands] + query.mod[cands]
        third = np.maximum(b[ks] - pair_floor[rows], 0.0) @ annual + surplus[ks]
        # No marginal bound over a pair holding an overlapping pick-top card.
        third[self.lp[js][rows] | self.lp[p]] = np.inf
        ub = np.minimum(ub, pair_bound[rows] + third)
        wallets = np.stack([np.full(len(ks), cands[p]), cands[js][rows], cands[ks]], axis=1)
        # The whole rank key, once for all: on ties (many equal wallets) a bound equal to the
        # N-th value in cents prunes a wallet whose fees and names rank after it.
        alive = np.nonzero((ub >= threshold) & ~top.beaten_all(ub, wallets))[0]
        if not len(alive):
            return
        if len(alive) > _CHUNK:
            # The pairs' per-category bound (pairs are fewer than triples), for the pairs that
            # still have a third card; a few triples go straight to their own below.
            pairs = np.unique(rows[alive])
            pair_leaf = np.full(len(js), np.inf)
            pair_leaf[pairs] = query.leaf_bound(
                np.stack([np.full(len(pairs), cands[p]), cands[js[pairs]]], axis=1)
            )
            ub[alive] = np.minimum(ub[alive], pair_leaf[rows[alive]] + third[alive])
            alive = alive[(ub[alive] >= threshold) & ~top.beaten_all(ub[alive], wallets[alive])]
        # Best bound first, in chunks: each chunk's solves raise the threshold for the next.
        alive = alive[np.argsort(-ub[alive], kind="stable")]
        rows, ks, ub, third, wallets = (
            rows[alive],
            ks[alive],
            ub[alive],
            third[alive],
            wallets[alive],
        )
        start, size = 0, _CHUNK
        while start < len(ub):
            if ub[start] < top.threshold - _TOL:
                break
            # Chunks grow: the first ones raise the threshold, the later ones are pruned in
            # bulk (up to 1,024 triples a chunk: larger batches cost more per triple).
            part = slice(start, start + size)
            start, size = start + size, min(size * 4, 16 * _CHUNK)
            c_rows, c_ks, c_ub = rows[part], ks[part], ub[part]
            c_third, c_wallets = third[part], wallets[part]
            keep = np.nonzero(~top.beaten_all(c_ub, c_wallets))[0]
            if not len(keep):
                continue
            c_rows, c_ks, c_ub, c_third, c_wallets = (
                c_rows[keep],
                c_ks[keep],
                c_ub[keep],
                c_third[keep],
                c_wallets[keep],
            )
            c_ub = np.minimum(c_ub, query.leaf_bound(c_wallets, top.threshold - _TOL))
            keep = np.nonzero(~top.beaten_all(c_ub, c_wallets))[0]
            c_rows, c_ks, c_ub, c_third, c_wallets = (
                c_rows[keep],
                c_ks[keep],
                c_ub[keep],
                c_third[keep],
                c_wallets[keep],
            )
            if not len(c_rows):
                continue
            # Each pair's value (or, when settling its choices would take many flow problems,
            # its relaxation: one or two) replaces the pair bound; then the chunk's triples
            # are solved best bound first, across pairs.
            pairs = np.full(len(js), np.inf)
            for t in dict.fromkeys(c_rows.tolist()):
                self._check()
                duo = (int(cands[p]), int(cands[js[t]]))
                if query.chooses[list(duo)].any() and not query.is_solved(duo):
                    pairs[t] = query.relaxed_score(duo)
                else:
                    pairs[t] = query.score(duo)
            bound = np.minimum(c_ub, pairs[c_rows] + c_third)
            self._tried += zip(js[c_rows].tolist(), c_ks.tolist(), bound.tolist(), strict=True)
            self._evaluate(c_wallets, bound, top, tight=True)
