"""One month's rewards for a wallet, with or without minimum-spend lower bounds.

A month is the engine's allocation problem (rewards.allocation) for one month of spend: every
cap becomes a monthly amount (a monthly cap M, a quarterly cap Q/3, a yearly cap Y/12 — the
compiled quarterly amounts divided by 3), a rotating rule earns the calendar of the quarter the
month falls in, and choices are the month's best. A card whose counted bonus window is open must
receive at least min_spend / window of the month's spend (`solve_quarter(..., lower=...)`).

Values are memoised by (wallet, lower bounds, quarter) — the quarter only for wallets holding a
rotating rule — so schedules sharing wallets share the work. Also here: per-card quantities
for the search's upper bounds (floors, best rates, bonus-above-floor bound), in dollars per month.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rewards.allocation import PricedCard, QuarterResult, WalletResult, price_card, solve_quarter
from rewards.catalog import Catalog
from rewards.model import N_LEAVES, CardModel, compile_card, model_for
from rewards.quarters import year_quarters
from rewards.roadmap.timeline import quarter_of, quarter_start

_EPS = 1e-9
Wallet = tuple[int, ...]  # catalog indices, sorted
Lower = tuple[tuple[int, float], ...]  # (catalog index, dollars), sorted


class MonthValues:
    """Exact month values for one spend profile, point values and plan calendar."""

    def __init__(
        self,
        catalog: Catalog,
        monthly: np.ndarray,
        card_cpp: np.ndarray,
        start: int,
        horizon: int,
        solved: Callable[[Wallet], WalletResult | None] | None = None,
    ) -> None:
        """`solved(wallet)`: the wallet's year as an engine query solved it for the same spend
        and point values, if it has (else None), shared with the year-one values: a month is a
        third of its quarter's optimum (`WalletResult.quarter`, or `.quarters` by slot when a
        rotating rule makes the quarters differ and no yearly cap couples them)."""
        self.catalog = catalog
        self.model = model_for(catalog)
        self.monthly = monthly
        self.supply = [float(x) for x in monthly]
        self.spent = [bool(x > 0) for x in monthly]
        self.leaves = [leaf for leaf in range(N_LEAVES) if monthly[leaf] > 0]
        self.total = float(monthly.sum())
        self.card_cpp = card_cpp
        self.horizon = horizon
        # Plan month t (1..H) is absolute month start + t.
        self.keys = [quarter_of(start + t) for t in range(1, horizon + 1)]
        self.rotating = [card.rotating is not None for card in self.model.cards]
        self.needs_lp = [card.needs_lp for card in self.model.cards]
        self._priced: dict[tuple[int, str | None, bool], PricedCard] = {}
        self._gaps: dict[Wallet, float] = {}
        self._free: dict[tuple[Wallet, str | None], tuple[float, dict[int, float]]] = {}
        self._bound: dict[tuple[Wallet, Lower, str | None], tuple[float, dict]] = {}
        self._bound_value: dict[tuple[Wallet, Lower, str | None], float] = {}
        self._penalty: dict[tuple[Wallet, Lower, str | None], float] = {}
        self._series: dict[Wallet, np.ndarray] = {}
        self._series_bound: dict[Wallet, np.ndarray] = {}
        self._free_bound: dict[tuple[Wallet, str | None], float] = {}
        self._varies: dict[Wallet, bool] = {}
        self._solved = solved
        self.solves = 0

    # --- cards ------------------------------------------------------------------------------

    def _compiled(self, index: int, key: str | None) -> CardModel:
        model = self.model.cards[index]
        card = model.card
        if key is None or not any(rule.calendar is not None for rule in card.rules):
            return model
        # A year-keyed calendar: compile the card for the four quarters starting at `key`, so
        # that its slot for `key` holds that quarter's published categories.
        quarters = year_quarters(quarter_start(key))
        rules = tuple(rule.for_year(quarters) for rule in card.rules)
        return compile_card(replace(card, rules=rules), index, model.currency, model.kind)

    def priced(self, index: int, key: str | None, relaxed: bool = False) -> PricedCard:
        """The card's month problem in dollars (caps a month) for a quarter (None: any).

        `relaxed`: an overlapping pick-top rule as a plain choose-N (no "receives most" rows),
        which can only pay more.
        """
        key = key if self.rotating[index] else None
        relaxed = relaxed and self.needs_lp[index]
        hit = self._priced.get((index, key, relaxed))
        if hit is None:
            compiled = self._compiled(index, key)
            monthly = replace(compiled, pool_caps=[cap / 3.0 for cap in compiled.pool_caps])
            if relaxed:
                monthly = replace(monthly, needs_lp=False)
            hit = price_card(
                monthly, float(self.card_cpp[index]), self.spent, quarterly=self.supply
            )
            self._priced[(index, key, relaxed)] = hit
        return hit

    def gap(self, wallet: Wallet) -> float:
        """Σ over the months of what relaxing its overlapping pick-top rules adds (>= 0).

        Those rules' cards can lose value when they receive more spend (another category may
        become their top one), so a card's marginal value is only bounded in the relaxed
        wallet; the bounds add this gap (docs/roadmap.md).
        """
        if not any(self.needs_lp[i] for i in wallet) or not self.leaves:
            return 0.0
        hit = self._gaps.get(wallet)
        if hit is None:
            total = 0.0
            for t in range(1, self.horizon + 1):
                key = self._key(wallet, t)
                cards = [self.priced(i, key, relaxed=True) for i in wallet]
                relaxed = solve_quarter(
                    cards, self._slot(key), self.supply, self.leaves, rows=False
                )
                total += max(0.0, relaxed.value - self.free(wallet, t)[0])
            hit = self._gaps[wallet] = total
        return hit

    def varies(self, wallet: Wallet) -> bool:
        """True when the wallet's months differ by quarter (it holds a rotating rule)."""
        varies = self._varies.get(wallet)
        if varies is None:
            varies = self._varies[wallet] = any(self.rotating[i] for i in wallet)
        return varies

    def _key(self, wallet: Wallet, t: int) -> str | None:
        return self.keys[t - 1] if self.varies(wallet) else None

    @staticmethod
    def _slot(key: str | None) -> int:
        return 0 if key is None else int(key[5]) - 1

    # --- values -----------------------------------------------------------------------------

    def free(self, wallet: Wallet, t: int) -> tuple[float, dict[int, float]]:
        """(rewards, dollars received per card) of month t without lower bounds."""
        key = self._key(wallet, t)
        hit = self._free.get((wallet, key))
        if hit is None:
            shared = self._shared_quarter(wallet, key)
            if not wallet or not self.leaves:
                hit = (0.0, dict.fromkeys(wallet, 0.0))
            elif shared is not None:
                # Spend, every cap and so the optimum scale with the period: a month is a
                # third of the quarter (held in the same positions: the wallet's sorted order).
                received = dict.fromkeys(wallet, 0.0)
                for (_, pos), (spend, _) in shared.rows.items():
                    received[wallet[pos]] += spend / 3.0
                hit = (shared.value / 3.0, received)
            else:
                cards = [self.priced(i, key) for i in wallet]
                result = solve_quarter(cards, self._slot(key), self.supply, self.leaves)
                self.solves += 1
                received = dict.fromkeys(wallet, 0.0)
                for (_, pos), (spend, _) in result.rows.items():
                    received[wallet[pos]] += spend
                hit = (result.value, received)
            self._free[(wallet, key)] = hit
        return hit

    def _shared_quarter(self, wallet: Wallet, key: str | None) -> QuarterResult | None:
        """The engine query's optimum of the quarter month keys fall in, if it has one."""
        solved = self._solved(wallet) if self._solved and wallet else None
        if solved is None:
            return None
        if key is None:
            return solved.quarter
        if solved.quarters is None or key not in self.catalog.year:
            # (A quarter outside the engine's year may have another published calendar.)
            return None
        return solved.quarters[self._slot(key)]

    def series(self, wallet: Wallet) -> np.ndarray:
        """Rewards of months 1..H for a wallet without lower bounds."""
        hit = self._series.get(wallet)
        if hit is None:
            hit = np.array([self.free(wallet, t)[0] for t in range(1, self.horizon + 1)])
            self._series[wallet] = hit
        return hit

    def series_bound(self, wallet: Wallet) -> np.ndarray:
        """Upper bounds of `series(wallet)`, month by month, fixed once computed.

        A month whose exact value is known already (solved, or shared with the engine query)
        is that value; a month of a wallet with choice rules is otherwise its flow relaxation
        with every choice allowed (one flow problem instead of the choices' branch and
        bound); the others are solved exactly (the relaxation would be the same problem).
        Never revised once returned: the year-one bounds telescope these values (a wallet's
        months enter one card's gain and leave the next one's), which holds only if every
        gain reads the same values for the same wallet.
        """
        hit = self._series_bound.get(wallet)
        if hit is None:
            hit = self._series.get(wallet)
            if hit is None:
                hit = np.array([self._free_upper(wallet, t) for t in range(1, self.horizon + 1)])
            self._series_bound[wallet] = hit
        return hit

    def _free_upper(self, wallet: Wallet, t: int) -> float:
        """An upper bound of `free(wallet, t)[0]`, as `series_bound` reads it."""
        key = self._key(wallet, t)
        hit = self._free.get((wallet, key))
        if hit is not None:
            return hit[0]
        bound = self._free_bound.get((wallet, key))
        if bound is None:
            cards = [self.priced(i, key) for i in wallet]
            choices = any(card.choices for card in cards)
            if not choices or not self.leaves or self._shared_quarter(wallet, key) is not None:
                return self.free(wallet, t)[0]
            bound = solve_quarter(
                cards, self._slot(key), self.supply, self.leaves, rows=False, bound_only=True
            ).value
            self._free_bound[(wallet, key)] = bound
        return bound

    def bounded(self, wallet: Wallet, lower: Lower, t: int) -> tuple[float, dict]:
        """(rewards, plan rows (leaf, card index) -> $) of month t with the lower bounds.

        The rewards are `bounded_value`'s (so a plan shows what the search counted); the rows
        are an optimum of the explicit LP.
        """
        key = self._key(wallet, t)
        hit = self._bound.get((wallet, lower, key))
        if hit is None:
            # (When the unbounded optimum meets the bounds it is the bounded optimum too.)
            result = self._solve(wallet, () if self._meets(wallet, lower, t) else lower, key)
            rows = {(leaf, wallet[p]): spend for (leaf, p), (spend, _) in result.rows.items()}
            hit = (self.bounded_value(wallet, lower, t), rows)
            self._bound[(wallet, lower, key)] = hit
        return hit

    def bounded_value(self, wallet: Wallet, lower: Lower, t: int) -> float:
        """Rewards of month t with the lower bounds (no plan: their minimums are priced, not an
        LP, where the month is a flow problem)."""
        key = (wallet, lower, self._key(wallet, t))
        hit = self._bound_value.get(key)
        if hit is None:
            if self._meets(wallet, lower, t):
                hit = self.free(wallet, t)[0]
            else:
                hit = self._solve(wallet, lower, key[2], rows=False).value
            self._bound_value[key] = hit
        return hit

    def _meets(self, wallet: Wallet, lower: Lower, t: int) -> bool:
        """Whether month t's unbounded optimum already gives each card its lower bound."""
        received = self.free(wallet, t)[1]
        return all(received[i] >= amount - 1e-7 for i, amount in lower)

    def _solve(
        self, wallet: Wallet, lower: Lower, key: str | None, rows: bool = True
    ) -> QuarterResult:
        """A month of the quarter `key` with the lower bounds (card index -> dollars)."""
        self.solves += 1
        pos = {i: p for p, i in enumerate(wallet)}
        return solve_quarter(
            [self.priced(i, key) for i in wallet],
            self._slot(key),
            self.supply,
            self.leaves,
            rows=rows,
            lower={pos[i]: amount for i, amount in lower} or None,
        )

    def penalty(self, wallet: Wallet, lower: Lower, t: int) -> float:
        """What the lower bounds cost in month t (>= 0)."""
        if not lower:
            return 0.0
        key = (wallet, lower, self._key(wallet, t))
        hit = self._penalty.get(key)
        if hit is None:
            hit = max(0.0, self.free(wallet, t)[0] - self.bounded_value(wallet, lower, t))
            self._penalty[key] = hit
        return hit

    # --- bound quantities -------------------------------------------------------------------

    def card_bounds(self, indices: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(floors φ, best rates u, bonus bound P), per card, in dollars per dollar / a month.

        φ[k]: a rate the card pays on any amount of leaf k in every month (its floor, plus
        capped rules whose cap no month's spend can reach); u[k]: the best rate any of its rules
        pays on k in any month of the plan; P: a bound on what its capped, rotating and choice
        rules add above φ in any month: per cap, a fractional knapsack of the spend it covers
        (every choice option allowed). So the card's month value on receipts x is at most both
        Σ x·u and Σ x·φ + P.
        """
        keys = sorted(set(self.keys))
        floors = np.zeros((len(indices), N_LEAVES))
        best = np.zeros((len(indices), N_LEAVES))
        extra = np.zeros(len(indices))
        for row, index in enumerate(indices):
            variants = [
                self.priced(index, key) for key in (keys if self.rotating[index] else [None])
            ]
            first = variants[0]
            phi = list(first.floor)
            for pool, leaf, val in first.capped:
                if first.pool_caps[pool] == math.inf:
                    phi[leaf] = max(phi[leaf], val)
            u = list(phi)
            worst_p = 0.0
            for key, priced in zip(keys if self.rotating[index] else [None], variants, strict=True):
                groups: dict[object, dict[int, float]] = {}
                caps: dict[object, float] = {}
                for pool, cap, leaf, val in _edges(priced, self._slot(key)):
                    u[leaf] = max(u[leaf], val)
                    adv = val - phi[leaf]
                    if adv > _EPS:
                        group = groups.setdefault(pool, {})
                        group[leaf] = max(group.get(leaf, 0.0), adv)
                        caps[pool] = cap
                p = sum(_knapsack(group, caps[pool], self.supply) for pool, group in groups.items())
                worst_p = max(worst_p, p)
            floors[row] = phi
            best[row] = u
            extra[row] = worst_p
        return floors, best, extra


def _edges(priced: PricedCard, slot: int) -> list[tuple[object, float, int, float]]:
    """(pool key, monthly cap, leaf, $ per $) for every rule edge above the floor's rules."""
    out: list[tuple[object, float, int, float]] = []
    for pool, leaf, val in priced.capped:
        out.append((pool, priced.pool_caps[pool], leaf, val))
    if priced.rotating is not None:
        for pool, leaf, val in priced.rotating[slot]:
            if pool is None:
                out.append(("rotating", math.inf, leaf, val))
            else:
                out.append((pool, priced.pool_caps[pool], leaf, val))
    for choice in priced.choices:
        pool = choice.rule.pool
        key = ("choice", choice.number) if pool is None else pool
        cap = math.inf if pool is None else priced.pool_caps[pool]
        out += [(key, cap, leaf, val) for option in choice.options for leaf, val in option]
    return out


def _knapsack(advantage: dict[int, float], cap: float, supply: list[float]) -> float:
    total = 0.0
    for leaf, adv in sorted(advantage.items(), key=lambda item: -item[1]):
        if cap <= 0:
            break
        amount = min(cap, supply[leaf])
        total += amount * adv
        cap -= amount
    return total
