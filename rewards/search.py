"""Exact top-N wallets by branch and bound over card sets.

docs/engine.md ("The algorithm and why it is exact") has the whole argument; in short: cards
are sorted by their single-card bound (`rewards.bounds`). A wallet is enumerated from its first
card in that order (the anchor); the anchor loop stops for good once the best wallet that the
remaining cards could form is bounded below the N-th best rank key. Per anchor, all its
(second, third) cards are bounded in one batch, cheapest bound first on the survivors of the
last; only wallets whose bound reaches the N-th best are solved exactly (`Query`), best bound
first, and the threshold rises as they are. Cards that enough others dominate are dropped
first (`rewards.dominance`).

Ties: wallets rank by their value rounded to the cent, then lower annual fees, then card names.
Pruning keeps a margin of one cent so rounding cannot reorder a pruned wallet above the N-th.
"""

from __future__ import annotations

import bisect
import itertools
import math
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from rewards.bounds import TOL
from rewards.dominance import dominated
from rewards.model import N_LEAVES
from rewards.money import cents
from rewards.options import CancelCheck, SearchCancelled
from rewards.query import Found, Query

_PROGRESS_SECONDS = 0.05
_SEED_FROM = 200  # candidates from which seeding the threshold pays
_CHUNK = 64  # triples given the per-category bound together, best cheap bound first

Progress = Callable[[str, int, int, object], None]
PHASES = {1: "singles", 2: "pairs", 3: "triples"}


def _cancel_check(cancel: CancelCheck | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


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
        # A proven lower bound on the N-th best score before N wallets are solved: N distinct
        # wallets of the size are known to score at least this much (`Search._floor`).
        self.floor = -math.inf

    @property
    def threshold(self) -> float:
        """Score of the N-th best wallet, or the floor below it (-inf while neither is known)."""
        best = self.keys[-1][1] if len(self.keys) >= self.n else -math.inf
        return max(best, self.floor)

    def beaten(self, bound: float, fee_cents: int, ranks: tuple[int, ...]) -> bool:
        """True if a wallet with this score bound, fees and names cannot enter the top N."""
        if bound < self.floor - TOL:
            # N wallets score at least the floor: below it by a cent, this one ranks after them.
            return True
        if len(self.keys) < self.n:
            return False
        (value, fees, names), _ = self.keys[-1]
        bound_cents = math.floor((bound + 1e-5) * 100 + 0.5)
        return bound_cents < -value or (
            bound_cents == -value and (fee_cents, ranks) > (fees, names)
        )

    def beaten_all(self, bound: np.ndarray, wallets: np.ndarray) -> np.ndarray:
        """`beaten` for many wallets (rows of card indices) at once."""
        below = bound < self.floor - TOL
        if len(self.keys) < self.n:
            return below
        (value, fees, names), _ = self.keys[-1]
        model = self.query.model
        bound_cents = np.floor((bound + 1e-5) * 100 + 0.5).astype(np.int64)
        beaten = bound_cents < -value
        tied = np.nonzero(bound_cents == -value)[0]
        if not len(tied):
            return beaten
        # Only bounds equal to the N-th value in cents need the fees and names: fees, then the
        # first name (the least rank), and the wallet's other names only where both are equal
        # (with 2,000 cards and light spending a quarter of a million bounds tie a search, and
        # sorting every wallet's names took an eighth of it).
        # (Card by card: a gather per card is half the cost of a gather of the whole rows.)
        cards = [column[tied] for column in wallets.T]
        fee = sum(model.fee_cents[card] for card in cards)
        first = model.name_rank[cards[0]]
        for card in cards[1:]:
            first = np.minimum(first, model.name_rank[card])
        worse = (fee > fees) | ((fee == fees) & (first > names[0]))
        same = np.nonzero((fee == fees) & (first == names[0]))[0]
        if len(same):
            # The rest of those wallets' names in order, compared column by column.
            ranks = np.stack([model.name_rank[card[same]] for card in cards], axis=1)
            columns = np.sort(ranks, axis=1)[:, 1:].T
            later = np.zeros(len(same), dtype=bool)
            equal = np.ones(len(same), dtype=bool)
            for column, reference in zip(columns, names[1:], strict=True):
                later |= equal & (column > reference)
                equal &= column == reference
            worse[same] = later | equal
        beaten[tied] = worse
        return beaten | below

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
        self.bounds = query.bounds
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
        self,
        size: int,
        *,
        incumbent: Sequence[int] | None = None,
        first_better: bool = False,
        at_least: int | None = None,
    ) -> list[Found]:
        """The exact top N wallets of `size` new cards (fewer if there are fewer wallets).

        With `first_better` (and an incumbent), the search stops at the first wallet found
        that ranks before the incumbent and returns just that one: "is it still first?" with
        a witness when it is not. Otherwise the result is the true top N.

        `at_least` (whole cents, instead of an incumbent): only wallets worth at least that
        much to the cent are looked for, the rest pruned; the result is the top N of those
        (empty when there is none), or with `first_better` the first one found. This is how a
        wallet of another size is challenged (`rewards.engine.break_even`).
        """
        try:
            found = self._run(size, incumbent, first_better, at_least)
        except Beaten as beaten:
            return [beaten.found]
        if at_least is not None:
            return [wallet for wallet in found if cents(wallet.score) >= at_least]
        return found

    def _run(
        self,
        size: int,
        incumbent: Sequence[int] | None,
        first_better: bool,
        at_least: int | None = None,
    ) -> list[Found]:
        query = self.query
        bounds = self.bounds
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
        elif at_least is not None and first_better:
            # Worth at least `at_least` cents is ranking before (-at_least + 1, -1, ()).
            top.stop_before = (1 - at_least, -1, ())
        self._report(phase, 0, total, top, force=True)
        if n_total < size:
            self._report(phase, total, total, top, force=True)
            return []
        drop = dominated(query, size)
        cands = query.candidates[~drop]
        done = total - math.comb(len(cands), size)
        b = np.maximum(bounds.pi0[None, :], bounds.phi[cands]) if len(cands) else bounds.phi[cands]
        extra = bounds.extra[cands]
        held_extra = bounds.held_extra
        single = b @ query.annual + extra + held_extra
        # Best bound first; equal bounds in name order (so twins, below, come name first).
        order = np.lexsort((query.model.name_rank[cands], -single))
        cands, b, extra, single = cands[order], b[order], extra[order], single[order]
        # u: best rates (caps and choices ignored) with the held cards' folded in.
        self.u = np.maximum(bounds.u0[None, :], bounds.top_rate[cands])
        self.u_mod = query.mod[cands]
        self.single = single
        # Overlapping pick-top cards (and any held one): no marginal bounds over them.
        needs_lp = np.array([card.needs_lp for card in query.model.cards], dtype=bool)
        self.lp = needs_lp[cands] | bool(needs_lp[list(query.held)].any())
        self.horizon = self._horizon(size, b, extra)
        if incumbent is None:
            self._floor(size, cands, top)
        if at_least is not None:
            # Below (at_least - 0.5) cents a wallet rounds to less: nothing there is wanted.
            top.floor = max(top.floor, (at_least - 0.5) / 100 - 1e-6)
        if top.floor == -math.inf:
            # (With a floor, seeds cost exact solves for no gain: on 2,000 cards the searches
            # solved 50/68/45/131 wallets without them against 68/87/59/144 with them.)
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
        return np.minimum(floors + tops + self.bounds.held_extra, rates + top_mods)

    def _floor(self, size: int, cands: np.ndarray, top: TopN) -> None:
        """Set `top.floor` from the best wallets one card smaller, without a single solve.

        A wallet W (solved, with its plan) plus any card c scores at least
        score(W) + modular_c + Σ_k max(0, S_k·φ_c,k − v_k), v_k being what W's plan earns on
        category k: give c every dollar of the categories where its floor rate pays more than
        W's plan did, and leave W's plan as it is elsewhere (taking spend out of a pool only
        loosens its cap, and a choice stays a choice). The N-th best of these values over
        distinct wallets is a floor under the N-th best score of the size, so the bounds prune
        from the first anchor on instead of after N wallets are solved. An overlapping
        pick-top card may earn less on what it keeps when it loses a category (which one it
        receives most of can change): with one in W, c counts by its modular terms alone.
        """
        smaller = self.results.get(size - 1)
        if size == 1 or not smaller or not len(cands):
            return
        query = self.query
        model = query.model
        earns = self.bounds.phi[cands] * query.annual  # each card's floor, all of the spend
        position = np.full(N_LEAVES, -1, dtype=np.int64)
        position[query.leaves] = np.arange(len(query.leaves))
        at = {int(c): i for i, c in enumerate(cands)}
        values, bases = [], []
        for found in smaller[: top.n]:
            members = sorted(set(query.held) | set(found.cards))
            lower = found.score + query.mod[cands]
            if not any(model.cards[i].needs_lp for i in members):
                earned = np.zeros(len(query.leaves))
                for (leaf, _), (_, value) in query.plan(members).rows.items():
                    earned[position[leaf]] += value
                lower = lower + np.maximum(earns - earned, 0.0).sum(axis=1)
            lower[[at[c] for c in found.cards if c in at]] = -np.inf
            values.append(lower)
            bases.append(found.cards)
        flat = np.concatenate(values)
        # Best first until N distinct wallets (two smaller wallets can make the same one):
        # the best few first (a partial sort), all of them only if those hold too many repeats.
        for look in (min(len(flat), 4 * top.n), len(flat)):
            best = np.argpartition(-flat, look - 1)[:look] if look < len(flat) else np.arange(look)
            seen: set[tuple[int, ...]] = set()
            for t in best[np.argsort(-flat[best], kind="stable")].tolist():
                if flat[t] == -np.inf:
                    return
                base, c = divmod(t, len(cands))
                seen.add(tuple(sorted((*bases[base], int(cands[c])))))
                if len(seen) == top.n:
                    top.floor = float(flat[t])
                    return

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
        needed = top.threshold - TOL
        bound = coarse
        if not tight:
            bound = np.minimum(coarse, self.bounds.leaf_bound(wallets, needed))
        keep = np.nonzero(~top.beaten_all(bound, wallets))[0]
        query = self.query
        for count, t in enumerate(keep[np.argsort(-bound[keep], kind="stable")]):
            if bound[t] < top.threshold - TOL:
                break
            if phase and count % 64 == 0:
                self._check()
                self._report(phase, done + count, total, top)
            wallet = tuple(int(c) for c in wallets[t])
            fees = int(query.model.fee_cents[list(wallet)].sum())
            ranks = query.ranks(wallet)
            if top.beaten(float(bound[t]), fees, ranks):
                continue
            if top.threshold > -math.inf:
                # Settle the wallet's choices only as far as it can still reach the top: the
                # first bound (the relaxation with every choice allowed) is one flow problem.
                below = query.score_below(wallet, top.threshold - TOL)
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
        gain += self.bounds.surplus(b[p])[cands] + query.mod[cands]
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
                min(single[p] + single[p + 1] - self.bounds.held_extra - low, self.horizon[p])
                < top.threshold - TOL
            ):
                break
            anchor, gain = self._anchor(p, cands, b)
            held_extra = self.bounds.held_extra
            ub = np.maximum(b[p + 1 :], b[p]) @ annual + extra[p] + held_extra + extra[p + 1 :]
            u = self.u
            ub = np.minimum(
                ub, np.maximum(u[p + 1 :], u[p]) @ annual + self.u_mod[p] + self.u_mod[p + 1 :]
            )
            if not (np.minimum(ub, anchor + gain[p + 1 :]) >= top.threshold - TOL).any():
                done += n - 1 - p
                continue
            anchor = self._exact_anchor(p, cands)
            ub = np.minimum(ub, anchor + gain[p + 1 :])
            hits = np.nonzero(ub >= top.threshold - TOL)[0]
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
        held_extra = self.bounds.held_extra
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
                < top.threshold - TOL
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
                if not (alone + rough[:-1] + best[1:] >= top.threshold - TOL).any():
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
            if not (anchor + reach >= top.threshold - TOL).any():
                done += math.comb(n - 1 - p, 2)
                continue
            anchor = self._exact_anchor(p, cands)
            js = np.nonzero(anchor + reach >= top.threshold - TOL)[0] + p + 1
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
        plus the third card's surplus over the pair's floors; the pair's per-category bound
        (big batches only); the triple's own per-category bound, in chunks, best first. From
        the first, coarsest bound on, each stage prunes by the whole rank key where wallets tie
        at the N-th value (fees, then names): where all of the top N tie, most triples end
        there. Only pairs with a surviving third card are valued (exactly, or by their
        relaxation when they hold choice cards; either then replaces the pair bound), and only
        then their triples are solved.
        """
        query = self.query
        annual = query.annual
        held_extra = self.bounds.held_extra
        u, u_mod = self.u, self.u_mod
        n = len(cands)
        threshold = top.threshold - TOL
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
        # The whole rank key already, on the same bounds: where many wallets tie at the N-th
        # value (2,000 cards, light spending: every top triple is worth $336.00), a bound equal
        # to it in cents prunes a wallet whose fees and names rank after it, and the tighter
        # bounds below then run on half the rows.
        ks = ks_all[cols]
        coarse = np.minimum(
            anchor + gain[js][rows] + gain[ks], rate_anchor + rate_gain[js][rows] + rate_gain[ks]
        )
        wallets = np.stack([np.full(len(ks), cands[p]), cands[js][rows], cands[ks]], axis=1)
        keep = ~top.beaten_all(coarse, wallets)
        rows, ks, wallets = rows[keep], ks[keep], wallets[keep]
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
        if top.threshold == -math.inf:
            # No threshold yet (the first anchor, no seeds, no floor): solve the few triples
            # with the best best-rate bounds first, so that the bounds below prune with one.
            rate = np.maximum(np.maximum(u[js][rows], u[ks]), u[p]) @ annual
            rate += u_mod[p] + u_mod[js][rows] + u_mod[ks]
            first = np.argsort(-rate, kind="stable")[: top.n]
            starters = wallets[first]
            self._tried += zip(
                js[rows[first]].tolist(), ks[first].tolist(), rate[first].tolist(), strict=True
            )
            self._evaluate(starters, rate[first], top)
            threshold = top.threshold - TOL
        # The eight ways for the triple (floors + bonus bound, or best rates, per card; the
        # held cards count by their floors and bonus bounds only when every card does): the
        # all-best-rates one first, then the other seven at once on its survivors.
        ub = np.maximum(pair_reps[3][0][rows], u[ks]) @ annual + pair_reps[3][1][rows] + u_mod[ks]
        keep = (ub >= threshold) & ~top.beaten_all(ub, wallets)
        rows, ks, ub, wallets = rows[keep], ks[keep], ub[keep], wallets[keep]
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
        rows, ks, ub, wallets = rows[keep], ks[keep], ub[keep], wallets[keep]
        if not len(ks):
            return
        # The pair's bound plus what the third card adds over the pair's floors.
        surplus = self.bounds.surplus(b[p])[cands] + query.mod[cands]
        third = np.maximum(b[ks] - pair_floor[rows], 0.0) @ annual + surplus[ks]
        # No marginal bound over a pair holding an overlapping pick-top card.
        third[self.lp[js][rows] | self.lp[p]] = np.inf
        ub = np.minimum(ub, pair_bound[rows] + third)
        # The whole rank key again on the tightest of these bounds.
        alive = np.nonzero((ub >= threshold) & ~top.beaten_all(ub, wallets))[0]
        if not len(alive):
            return
        if len(alive) > _CHUNK:
            # The pairs' per-category bound (pairs are fewer than triples), for the pairs that
            # still have a third card; a few triples go straight to their own below.
            pairs = np.unique(rows[alive])
            pair_leaf = np.full(len(js), np.inf)
            pair_leaf[pairs] = self.bounds.leaf_bound(
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
            if ub[start] < top.threshold - TOL:
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
            c_ub = np.minimum(c_ub, self.bounds.leaf_bound(c_wallets, top.threshold - TOL))
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
