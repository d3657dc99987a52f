"""Upper bounds on wallet scores, for every card or many wallets at once (numpy).

Every bound here is at least the exact score of any wallet it is asked about
(`tests/rewards/test_bounds_are_upper_bounds.py` checks each on random catalogs); docs/engine.md
("The algorithm and why it is exact") has the argument for each:

- φ (`phi`): per card and spent category, its guaranteed uncapped rate (net of its foreign
  fee), the query's folded rules included; u (`top_rate`): the best rate any of its rules
  pays; P (`bonus_bound`): what its capped, chosen and rotating rules can add above φ;
- `surplus(m)`: what a card's bonus rules add above floors m (marginal bounds, dominance);
- `leaf_bound(wallets)`: the per-category bound, caps given to each category separately, with
  Lagrange prices on shared caps and on choose-N rows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from rewards.model import FOREIGN, N_LEAVES, QUARTERS

if TYPE_CHECKING:
    from rewards.query import Query

TOL = 0.01  # dollars: pruning margin so cent rounding cannot reorder the N-th wallet
_BIG = 1e6
_SECOND_FROM = 8  # wallets from which leaf_bound's second round of choice prices pays


class Bounds:
    """The bounds' per-card arrays for one query, and the batch bounds over wallets."""

    def __init__(self, query: Query) -> None:
        """Floors φ, bonus bounds P and the held cards' coverage, for every card at once."""
        self.model = query.model
        self.leaves = query.leaves
        self.quarterly = query.quarterly
        self.annual = query.annual
        self.card_cpp = query.card_cpp
        self.floor_points = query.floor_points
        self.held = query.held
        self.mod = query.mod
        self.spent = query.spent
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
        # In a wallet whose quarters differ, a yearly cap may go to one quarter more than its
        # share: there its segments (every quarter's) may take the whole yearly amount.
        whole = np.where(model.instance_year[instance] & every, cap * QUARTERS, cap)
        self.rotates = np.zeros(n, dtype=bool)
        self.rotates[card[~every]] = True
        card = np.concatenate([card[~every], np.repeat(card[every], QUARTERS)])
        d = np.concatenate([d[~every], np.repeat(d[every], QUARTERS)])
        cap = np.concatenate([cap[~every], np.repeat(cap[every], QUARTERS)])
        whole = np.concatenate([whole[~every], np.repeat(whole[every], QUARTERS)])
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
        option, whole = option[order], whole[order]
        first = np.r_[0, np.nonzero(np.diff(group))[0] + 1] if len(group) else np.zeros(0, int)
        sizes = np.diff(np.r_[first, len(group)])
        slot = np.arange(len(group)) - np.repeat(first, sizes)
        k = int(slot.max()) + 1 if len(slot) else 1
        self.seg_value = np.full((n, QUARTERS, d_count, k), -np.inf)
        self.seg_cap = np.zeros((n, QUARTERS, d_count, k))
        self.seg_value[card, quarter, d, slot] = value
        self.seg_cap[card, quarter, d, slot] = cap
        self.seg_cap_year = self.seg_cap.copy()  # for wallets whose quarters differ
        self.seg_cap_year[card, quarter, d, slot] = whole
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
        return self.surplus_many(floor[None, :])[0]

    def surplus_many(self, floors: np.ndarray) -> np.ndarray:
        """`surplus` for each row of `floors` at once: (rows, cards)."""
        n = len(self.model.cards)
        rows = len(floors)
        if not len(self.s_start):
            return np.zeros((rows, n))
        adv = np.maximum(self.s_value - np.maximum(self.s_floor, floors[:, self.s_d]), 0.0)
        best = np.maximum.reduceat(adv, self.s_start, axis=1)
        each = np.add.reduceat(adv * self.s_spend, self.s_start, axis=1) * self.s_mult
        # One bincount over (row, card) pairs: a card's cap instances add up within a row.
        where = (np.arange(rows)[:, None] * n + self.s_card[None, :]).ravel()
        weights = np.minimum(self.s_room * best, each).ravel()
        bound = np.bincount(where, weights=weights, minlength=rows * n).reshape(rows, n)
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
            caps = self.seg_cap_year if quarterly else self.seg_cap
            cap = self._flat(caps, members, quarters)[:, :, leaves][..., slots]
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
        # With choices made each quarter a yearly cap's quarters need not use it evenly: one
        # quarter's options may take up to the whole yearly amount (fixed entries, a concave
        # fill, are bounded by their even share times four).
        fixed = option < 0
        cap = model.instance_cap[instance]
        cap = np.where(
            model.instance_year[instance] & ~fixed, cap * model.instance_mult[instance], cap
        )
        alone = adv * np.minimum(supply, cap)
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
