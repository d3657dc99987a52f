"""True year-one values: a wallet's new cards opened one after another in its first year.

The engine's first-year figure used to add every new card's bonus to a full year of the whole
wallet's rewards, as if every card were opened on day one and minimum spends cost nothing. Here
a wallet's year one is a roadmap (docs/roadmap.md) over 12 months that applies for exactly the
wallet's new cards: held cards are open all year; new cards are opened in the best valid order
and months (spacing, issuer rules, bonus windows inside the year with their minimum spend routed
to the card, rewards forgone while doing so, first-year fees, credits for the months held). The
months are the four quarters the engine values (`Catalog.year`: month 1 is the first month of
today's quarter), so with no bonus window open every month is a twelfth of the engine's year.

It reuses the roadmap's machinery (`MonthValues`, `RuleBook`, `Problem`, `Search.node` and
`Search.exact`): a wallet of k new cards is its k! sequences, each valued over every month
tuple at once, best bound first.

`first_year_top` ranks wallets by it exactly: the engine's old figure (`naive`) is an upper
bound of the true one (docs/roadmap.md, "Year-one values", proves it), so the engine's exact
search by the naive figure lists candidates best bound first, and true values are computed in
that order until the N-th best true value beats the bound of everything not yet valued.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from rewards.catalog import Catalog, IssuerRule
from rewards.model import FOREIGN, CatalogModel
from rewards.money import cents
from rewards.options import Options
from rewards.quarters import quarter_key
from rewards.query import Found as Ranked
from rewards.query import Query
from rewards.roadmap.issuers import History, RuleBook
from rewards.roadmap.months import MonthValues
from rewards.roadmap.search import Found, Problem, Search, bound_cents, card_terms
from rewards.search import Search as WalletSearch

YEAR = 12  # months
_TOL = 1e-7


def year_start(catalog: Catalog) -> int:
    """The first month of the year the engine values (an absolute month number)."""
    key = catalog.year[0] if catalog.year else quarter_key(date.today())
    return int(key[:4]) * 12 + 3 * (int(key[5]) - 1)


@dataclass(frozen=True)
class Opening:
    """One new card of a wallet, opened in month `month` (1..12) of its first year."""

    card: str
    month: int
    bonus_counted: bool


@dataclass(frozen=True)
class YearOne:
    """A wallet's first year (held and new cards), in dollars; value = rewards − fees +
    bonuses + credits."""

    value: float
    openings: tuple[Opening, ...]  # in the order applied for
    rewards: float  # month by month, minimum spends routed
    fees: float  # new cards' first-year fees, held cards' annual fees
    bonuses: float  # the bonuses counted
    credits: float  # credits for the months each card is held (when counted)


# What `YearOneValues.value(..., at_least)` returns for a wallet worth less than asked (or one
# that cannot be opened within the year): nothing about it is known but that.
BELOW = YearOne(-math.inf, (), 0.0, 0.0, 0.0, 0.0)


def _sure_cost(
    seq: tuple[int, ...],
    counted: tuple[int, ...],
    windows: Sequence[int],
    floors: Sequence[float],
    excludes: set[frozenset[int]],
) -> float:
    """What the counted windows surely cost: windows that exclude each other are open in
    different months, each month costing at least its window's floor, so the best sum over a
    group of them that pairwise exclude each other (one window alone when none do)."""
    return max(
        sum(windows[i] * floors[i] for i in group)
        for size in range(len(counted) + 1)
        for group in itertools.combinations(counted, size)
        if all(frozenset((seq[i], seq[j])) in excludes for i, j in itertools.combinations(group, 2))
    )


class YearOneValues:
    """Exact year-one values of wallets for one engine query (memoised)."""

    def __init__(self, catalog: Catalog, query: Query) -> None:
        model: CatalogModel = query.model
        options: Options = query.options
        self.model = model
        self.query = query
        # Month 0 of the rules is the month before the year's first month.
        today = year_start(catalog) - 1
        opened = dict(options.opened)
        held_ids = [model.cards[i].card.id for i in query.held]
        history = History.build(
            model,
            today,
            [(card_id, opened.get(card_id)) for card_id in held_ids],
            options.other_recent,
            options.bonus_history,
            latest=None,
        )
        self.values = MonthValues(
            catalog, query.monthly, query.card_cpp, today, YEAR, solved=query.known
        )
        rules = {issuer.name: issuer.rules for issuer in catalog.issuers}
        self.book = RuleBook(rules, list(history.opened), list(history.received), YEAR)
        held = tuple(query.held)
        self.held_fees = float(sum(model.annual_fee[i] for i in held))
        self.held_credits = float(sum(query.credits[i] for i in held))
        rewards = float(self.values.series(held).sum()) if held else 0.0
        self.problem = Problem(
            values=self.values,
            book=self.book,
            horizon=YEAR,
            spacing=options.spacing,
            max_new=3,
            held=held,
            candidates=[],  # only sequences are valued here: no search, no bounds
            applicants={},
            fee_total={},
            credit_total={},
            bonus_value={},
            lower={},
            baseline=rewards - self.held_fees + self.held_credits,
        )
        self.search = Search(self.problem)
        self._memo: dict[tuple[int, ...], YearOne | None] = {}
        self._order_memo: dict[tuple[int, ...], list[tuple[float, tuple[int, ...]]]] = {}
        self._terms_memo: dict[tuple[int, ...], tuple[dict, set, bool]] = {}
        self._binding_memo: dict[tuple[int, ...], list[IssuerRule]] = {}
        self._approved_memo: dict[tuple, int | None] = {}
        # credits − annual fees of the held cards: the engine's scores leave them out.
        self.held_terms = self.held_credits - self.held_fees
        # What opening later can gain over the old figure and V̄ (docs/roadmap.md, "the
        # late-opening slack"): adding a card never lowers a month's value, so only the months
        # before the first card opens, with no card held, can gain, and only where the wallet's
        # month is worth less than 0 (foreign-transaction fees above what its cards earn
        # abroad: every other rate is >= 0, so without foreign spend nothing can). A month of
        # a wallet is worth at least what any one of its cards alone surely earns on all of the
        # month's spend: its floor rates, net of its foreign fee (`month_floor`, per card).
        # `late_slack` bounds it for any wallet of the candidates, `slack(new)` for one.
        self._may_lose = not held and bool(query.monthly[FOREIGN] > 0)

    @functools.cached_property
    def month_floor(self) -> np.ndarray:
        """Per card, what it alone surely earns on a month's spend (floors net of its fee).

        Only asked for when a month can lose money: the bounds it comes from are the search's,
        which a single wallet's valuation (`evaluate_wallet`, the what-if panel) does not build.
        """
        query = self.query
        return query.bounds.phi @ query.monthly[query.leaves]

    @functools.cached_property
    def late_slack(self) -> float:
        """What opening late can gain over the old figure, for any wallet of the candidates."""
        floors = self.month_floor[self.query.candidates] if self._may_lose else ()
        return 12.0 * max(0.0, -float(floors.min())) if len(floors) else 0.0

    def slack(self, new: Sequence[int]) -> float:
        """What opening the wallet's new cards late can gain over its old figure and V̄."""
        if not self._may_lose or not len(new):
            return 0.0
        return 12.0 * max(0.0, -max(float(self.month_floor[i]) for i in new))

    def _admit(self, index: int) -> None:
        """Put a card's terms into the problem (once)."""
        p = self.problem
        if index in p.applicants:
            return
        card = self.model.cards[index]
        terms = card_terms(card, float(self.query.card_cpp[index]), self.query.credits[index], YEAR)
        applicant = self.book.applicant(card.card)
        bonus, lower = terms.bonus, terms.lower
        if lower > p.total + _TOL:
            # A minimum spend above the whole month's spend can never be met: the card is
            # opened for its rewards alone (the engine's old figure did not count it either).
            applicant = replace(applicant, has_bonus=False)
            bonus, lower = 0.0, 0.0
        p.applicants[index] = applicant
        p.fee_total[index] = terms.fees
        p.credit_total[index] = terms.credits
        p.bonus_value[index] = bonus
        p.lower[index] = lower

    def _orders(self, key: tuple[int, ...]) -> list[tuple[float, tuple[int, ...]]]:
        """(V̄, order) for every order of the wallet's new cards, best V̄ first.

        V̄ is an upper bound of every schedule of that order: for each set of bonuses it could
        count, every card at the earliest month that set allows (spacing; two counted windows
        whose minimum spends together exceed the month's spend cannot overlap, so the later
        card waits for the earlier window to close; a counted window must end inside the
        year), issuer rules and minimum-spend penalties ignored; V̄ is the best of those sets.
        A valid schedule counts some set of bonuses and opens each card no earlier than that
        set allows, so in each month it holds no more of the order's cards, worth no more
        (adding a card never lowers a month's rewards) than the month's upper bound of the
        wallet V̄ has open (`Search.opening_bound`: the gains telescope to those bounds). So no
        valid tuple beats V̄, except by what opening late gains where foreign fees make a
        month's value negative: at most `slack`, which every use of V̄ as a bound adds.
        """
        hit = self._order_memo.get(key)
        if hit is not None:
            return hit
        p = self.problem
        for index in key:
            self._admit(index)
        orders: list[tuple[float, tuple[int, ...]]] = []
        if 1 + (len(key) - 1) * p.spacing <= YEAR:
            terms = self._wallet_terms(key)
            for seq in itertools.permutations(key):
                upper = self._order_bound(seq, *terms)
                if upper > -math.inf:  # (else no valid schedule of this order)
                    orders.append((p.baseline + upper, seq))
            orders.sort(key=lambda item: -item[0])
        self._order_memo[key] = orders
        return orders

    def _wallet_terms(
        self, key: tuple[int, ...]
    ) -> tuple[dict[int, float], set[frozenset[int]], bool]:
        """(bonus per card, the pairs of windows that exclude each other, whether an
        application rule may bind) for a wallet's new cards: what every order shares
        (memoised: `_orders` and the refined bounds of `value` both read them)."""
        hit = self._terms_memo.get(key)
        if hit is not None:
            return hit
        p = self.problem
        bonus = {i: p.bonus_value[i] if p.applicants[i].has_bonus else 0.0 for i in key}
        # Pairs of counted windows that cannot be open in the same month.
        excludes = {
            frozenset((a, b))
            for a, b in itertools.combinations(key, 2)
            if bonus[a] > 0.0 and bonus[b] > 0.0 and p.lower[a] + p.lower[b] > p.total + _TOL
        }
        # An application rule binds more the more cards come before: with every other
        # card of the wallet before each, none may bind in any order (the common case).
        apps = [p.applicants[i] for i in key]
        rules_apply = any(
            self.book.binding([*apps[:i], *apps[i + 1 :], app], len(apps) - 1)
            for i, app in enumerate(apps)
        )
        terms = self._terms_memo[key] = (bonus, excludes, rules_apply)
        return terms

    def _order_bound(
        self,
        seq: tuple[int, ...],
        bonus: dict[int, float],
        excludes: set[frozenset[int]],
        rules_apply: bool,
        floors: Sequence[float] = (),
    ) -> float:
        """V̄ of one order without the baseline: the best over the sets of bonuses counted of
        the order's value at the earliest months that set allows (see `_orders`).

        `floors` (`_penalty_floors`): per card, at least what its minimum spend costs a month
        of its window; each set then loses what its windows surely cost (see `value`)."""
        p = self.problem
        k = len(seq)
        # gain(i, m): what card i opened in month m after the cards before it adds to the
        # year (its rewards from m on, its credits minus its fees), bonus aside, read from the
        # months' upper bounds: only the sum over the order's cards is a bound.
        gains = [self.search.opening_bound(seq[:i], index) for i, index in enumerate(seq)]

        def gain(i: int, m: int) -> float:
            return float(gains[i][m - 1])

        windows = [p.applicants[index].window for index in seq]
        eligible = [i for i, index in enumerate(seq) if bonus[index] > 0.0]
        # Without windows that exclude each other or cost surely, every set opens the cards in
        # the same months, where counting each bonus that fits is best: one pass.
        costly = any(floors)
        sets_differ = bool(excludes) or costly
        counted_sets: list[tuple[int, ...]] = [()]
        if sets_differ:
            counted_sets = [
                counted
                for size in range(len(eligible), -1, -1)
                for counted in itertools.combinations(eligible, size)
            ]
            counted_sets.sort(key=lambda counted: -sum(bonus[seq[i]] for i in counted))
        # No set beats the rewards at the earliest months (1, 1 + spacing, ...) plus its
        # bonuses: the sets stop once that is below the best found.
        ceiling = sum(gain(i, 1 + i * p.spacing) for i in range(k))
        best = -math.inf
        for counted in counted_sets:
            bonuses = sum(bonus[seq[i]] for i in counted)
            if sets_differ and ceiling + bonuses <= best:
                break
            months = self._earliest_months(seq, counted, excludes, rules_apply)
            if months is None:
                continue
            if not sets_differ:
                bonuses = sum(bonus[seq[i]] for i in eligible if months[i] + windows[i] - 1 <= YEAR)
            elif costly:
                bonuses -= _sure_cost(seq, counted, windows, floors, excludes)
            best = max(best, sum(gain(i, m) for i, m in enumerate(months)) + bonuses)
        return best

    def _earliest_months(
        self,
        seq: tuple[int, ...],
        counted: tuple[int, ...],
        excludes: set[frozenset[int]],
        rules_apply: bool,
    ) -> list[int] | None:
        """The earliest months of the order's cards with the bonuses `counted` (positions):
        spacing, a counted window waiting for the earlier counted windows it excludes, the
        application rules (when some may bind); None when a card, or a counted window, does
        not fit in the year."""
        p = self.problem
        months: list[int] = []
        for i, index in enumerate(seq):
            window = p.applicants[index].window
            m = 1 if i == 0 else months[-1] + p.spacing
            if i in counted:
                for j in counted:
                    if j < i and frozenset((index, seq[j])) in excludes:
                        m = max(m, months[j] + p.applicants[seq[j]].window)
            if m > YEAR:
                return None
            rules = self._binding(seq[: i + 1]) if rules_apply else []
            if rules:
                memo_key = (seq[: i + 1], tuple(months), m)
                found = self._approved_memo.get(memo_key, -1)
                if found == -1:
                    apps = [p.applicants[card] for card in seq]
                    found = self.book.first_approved(apps, months, m, rules)
                    self._approved_memo[memo_key] = found
                if found is None:
                    return None
                m = found
            if i in counted and m + window - 1 > YEAR:
                return None
            months.append(m)
        return months

    def _penalty_floors(self, seq: tuple[int, ...]) -> list[float]:
        """Per card of the order: at least what its minimum spend costs in each month of its
        window, whatever the later cards' months (0 where it has none, or the wallet rotates).

        In such a month the wallet is the card's prefix of the order or a longer one, and the
        month's penalty with every open window's bound is at least the penalty with this card's
        bound alone (more bounds only lower the bounded month), so at least the least of the
        penalties of the card's bound alone in those wallets.
        """
        p, values = self.problem, self.values
        wallets = [tuple(sorted(p.held + seq[: j + 1])) for j in range(len(seq))]
        floors = [0.0] * len(seq)
        if not wallets or values.varies(wallets[-1]):
            return floors
        for i, index in enumerate(seq):
            low = p.lower[index]
            if low <= 0.0 or not p.applicants[index].has_bonus:
                continue
            floor = math.inf
            for wallet in wallets[i:]:
                floor = min(floor, values.penalty(wallet, ((index, low),), 1))
                if floor <= 0.0:
                    break
            floors[i] = floor
        return floors

    def _binding(self, prefix: tuple[int, ...]) -> list[IssuerRule]:
        """The application rules the last card of `prefix` may fail after the others."""
        rules = self._binding_memo.get(prefix)
        if rules is None:
            apps = [self.problem.applicants[index] for index in prefix]
            rules = self._binding_memo[prefix] = self.book.binding(apps, len(prefix) - 1)
        return rules

    def bound(self, new: Sequence[int]) -> float:
        """An upper bound of `value(new).value` (−inf when the spacing leaves no room)."""
        key = tuple(sorted(new))
        hit = self._memo.get(key, False)
        if hit is not False:
            return -math.inf if hit is None else hit.value
        orders = self._orders(key)
        return orders[0][0] if orders else -math.inf

    def value(self, new: Sequence[int], at_least: float | None = None) -> YearOne | None:
        """The wallet's best first year, or None when its new cards cannot all be opened
        within the year (spacing and issuer rules).

        With `at_least`, a wallet worth less than that to the cent (or that cannot be opened)
        may come back as BELOW, without its orders valued in full: the ranking's way to drop
        wallets that cannot reach its N-th best."""
        key = tuple(sorted(new))
        if key in self._memo:
            return self._memo[key]
        best: Found | None = None
        best_key: tuple | None = None
        floor = None if at_least is None else cents(at_least)
        slack = self.slack(key)
        for upper, seq in self._orders(key):
            # What an order must reach to matter, in cents (None: the first order).
            target = floor
            if best is not None:
                target = cents(best.value) if floor is None else max(cents(best.value), floor)
            # V̄ bounds an order only up to what opening late can gain (`slack`): with
            # foreign fees a month can be worth less with a card than before it.
            if target is not None and bound_cents(upper + slack) < target:
                break
            if target is not None:
                # The bound again with what the order's windows surely cost (a few penalty
                # solves, most of which valuing the order would need anyway): an order it
                # puts below the best found needs no valuing.
                floors = self._penalty_floors(seq)
                if any(floors):
                    refined = self._order_bound(seq, *self._wallet_terms(key), floors)
                    refined += self.problem.baseline
                    if bound_cents(refined + slack) < target:
                        continue
            node = self.search.node(seq)
            top = float(node.value.max())
            if top == -math.inf or (target is not None and bound_cents(top) < target):
                continue
            found = self.search.exact(node)
            if found is None:
                continue
            ids = tuple(self.model.cards[i].card.id for i in found.seq)
            rank = (-cents(found.value), found.months, ids)
            if best_key is None or rank < best_key:
                best, best_key = found, rank
        if floor is not None and (best is None or cents(best.value) < floor):
            # Every order skipped is worth less than `at_least`, and so is the best valued.
            return BELOW
        result = None if best is None else self._report(best)
        self._memo[key] = result
        self._order_memo.pop(key, None)
        self._terms_memo.pop(key, None)
        return result

    def _report(self, found: Found) -> YearOne:
        p = self.problem
        fees, credits, bonuses = self.held_fees, self.held_credits, 0.0
        openings = []
        for index, month, counted in zip(found.seq, found.months, found.counted, strict=True):
            fees += float(p.fee_total[index][month - 1])
            credits += float(p.credit_total[index][month - 1])
            bonuses += p.bonus_value[index] if counted else 0.0
            openings.append(Opening(self.model.cards[index].card.id, month, counted))
        return YearOne(
            value=found.value,
            openings=tuple(openings),
            rewards=found.value - bonuses + fees - credits,
            fees=fees,
            bonuses=bonuses,
            credits=credits,
        )


def first_year_top(
    search: WalletSearch, size: int, year_one: YearOneValues, top_n: int
) -> list[tuple[Ranked, YearOne]]:
    """The exact top N wallets of `size` new cards by true year-one value.

    `search` must rank by the engine's old year-one figure (Options.rank == "year_one"): an
    upper bound of the true value (docs/roadmap.md, "Year-one values"). Rank keys are the
    engine's (score to the cent, then annual fees, then the cards' names), scores without the
    held cards' fees and credits, which every wallet shares. Every key a wallet gets bounds
    its true value: old figure, then V̄ (earliest months, no penalties; usually below the old
    figure, not always, since it reads upper bounds of the months of the wallets inside the
    order), then the true value.

    Best first over one heap: the engine's exact top M by the old figure feed it in order (a
    wallet not yet fed has a key after the next one's, or after the M-th's for wallets outside
    the top M; when the top M run out, M grows fourfold and the search runs again, for the
    wallets worth at least the N-th best true value known so far, by their old figure); a popped
    wallet is refined — old figure → V̄ → true value — and pushed back, and a popped true value
    is the next best. Wallets whose cards cannot all be opened within the year are left out.
    """
    query = search.query
    original = query.options
    held = year_one.held_terms

    def key(score: float, found: Ranked) -> tuple[int, int, tuple[int, ...]]:
        return (-cents(score), cents(found.fees), query.ranks(found.cards))

    # Both bounds grow by what opening late can gain (0 with a card held, or unless foreign
    # fees can make a month's value negative): an unseen wallet's true value is at most its
    # old figure + `late_slack`; a listed one's V̄ grows by its own `slack`.
    slack = year_one.late_slack
    slack_cents = math.ceil(slack * 100)

    def slacken(rank_key: tuple) -> tuple:
        return (rank_key[0] - slack_cents, *rank_key[1:]) if slack_cents else rank_key

    def listing(m: int, at_least: int | None = None) -> list[Ranked]:
        query.options = replace(original, top_n=m)
        try:
            return search.run(size, at_least=at_least)
        finally:
            query.options = original

    # Pairs and triples lose more to the year one than single cards do (later openings,
    # routed spend; triples most), so their lists are read deeper: start there rather than
    # search twice (the benchmark's profiles read 10-16 pairs and 10-40 triples for N = 10).
    m = top_n * (1, 2, 4)[min(size, 3) - 1]
    listed = listing(m)
    # Cents: when set, every wallet not listed is worth less than this by the old figure
    # (`listing(m, cut)` found fewer than m wallets worth at least it).
    cut: int | None = None
    position = 0
    heap: list[tuple] = []
    counter = itertools.count()
    out: list[tuple[Ranked, YearOne]] = []
    known: list[float] = []  # every true value found (the heap's and `out`'s)
    while len(out) < top_n:
        # Every wallet not in the heap yet has a key >= `upcoming` (strictly > for `outside`).
        outside = position >= len(listed)
        if not outside:
            upcoming = slacken(query.rank_key(listed[position]))
        elif len(listed) == m:
            # wallets outside the top M rank after it
            upcoming = slacken(query.rank_key(listed[-1]))
        elif cut is not None:
            # wallets not listed are worth less than `cut` cents (fees are never negative)
            upcoming = slacken((1 - cut, -1, ()))
        else:
            upcoming = None  # every wallet of this size is in the heap or done
        if heap and (
            upcoming is None or heap[0][0] < upcoming or (outside and heap[0][0] == upcoming)
        ):
            _, _, level, found = heapq.heappop(heap)
            if level == 2:
                out.append((found, year_one.value(found.cards)))
            elif level == 1:
                # With N true values known, a wallet worth less than the N-th best of them
                # cannot be in the top N: valuing it may stop there (BELOW). (Two cents below
                # it: the ranking's cents are of the value less the held cards' terms.)
                at_least = sorted(known)[-top_n] - 0.02 if len(known) >= top_n else None
                true = year_one.value(found.cards, at_least)
                if true is not None and true is not BELOW:
                    known.append(true.value)
                    item = (key(true.value - held, found), next(counter), 2, found)
                    heapq.heappush(heap, item)
            continue
        if upcoming is None:
            break
        if position < len(listed):
            found = listed[position]
            position += 1
            bound = year_one.bound(found.cards)
            if bound > -math.inf:
                more = year_one.slack(found.cards)
                item = (key(bound + more - held, found), next(counter), 1, found)
                heapq.heappush(heap, item)
        else:
            # The top M run out. With N true values known, the N-th best of them (T) is a floor
            # under the N-th best true value: a wallet of the true top N is worth at least T,
            # by its old figure too (less the slack). Only those are listed, the floor pruning
            # the search from its start; the longer list begins with the top M (all of them
            # above it, or the heap's best would have come first), in the same order.
            m *= 4
            floor = sorted(known)[-top_n] if len(known) >= top_n else None
            cut = None if floor is None else cents(floor - held) - slack_cents
            listed = listing(m, cut)
    return out
