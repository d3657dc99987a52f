"""The rewards engine's public API: recommend wallets, value one wallet, find break-even spends.

Algorithm (details in rewards.search, rewards.allocation and docs/engine.md): a wallet's value
is the exact optimum of its allocation LP, solved as a small transportation problem per quarter
(fractional knapsack per cap, augmenting paths where caps compete, best-first branch and bound
over choose-N / pick-top choices, an explicit simplex only for overlapping pick-top rules);
the top N wallets of each size come from branch and bound over card sets, pruned by vectorised
upper bounds (floors, best rates, bonus bounds, per-category fills with Lagrange prices) and by
dominance between cards; break-even ranges come from a few exact searches and bisection on the
known rival wallets alone. Money is float inside and Decimal, rounded to cents, at the edges.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rewards.catalog import Catalog
from rewards.categories import LEAF_CATEGORIES
from rewards.model import model_for
from rewards.money import cents, money
from rewards.options import (
    CancelCheck,
    EngineError,
    Number,
    Options,
    Rank,
    SearchCancelled,
)
from rewards.query import Found, Query
from rewards.roadmap.year_one import Opening, YearOneValues, first_year_top
from rewards.search import Progress, Search

__all__ = [
    "BreakEven",
    "EngineError",
    "Options",
    "PlanRow",
    "Rank",
    "Recommendation",
    "SearchCancelled",
    "Wallet",
    "break_even",
    "evaluate_wallet",
    "recommend",
]


@dataclass(frozen=True)
class PlanRow:
    """One line of a wallet's plan: this card takes this much of this category a year."""

    category: str
    card_id: str
    spend: Decimal  # dollars a year
    value: Decimal  # reward value in dollars a year, net of any foreign-transaction fee


@dataclass(frozen=True)
class Wallet:
    """A wallet of new cards (plus the held ones) with its values, all per year in dollars."""

    cards: tuple[str, ...]  # the new cards, by name
    held: tuple[str, ...]
    reward_value: Decimal  # the allocation LP's optimum for held + new cards
    annual_fees: Decimal  # held + new
    first_year_fees: Decimal  # new cards' first-year fees + held cards' annual fees
    credits: Decimal  # credits counted (held + new), if the person uses them
    bonuses: Decimal  # the sign-up bonuses the year one counts (see `openings`)
    ongoing_value: Decimal  # reward value − annual fees + credits
    # The first year with the new cards opened one after another (rewards month by month with
    # minimum spends routed, first-year fees, bonuses, credits for the months held); None when
    # the cards cannot all be opened within the year, or when the query did not ask for it
    # (Options.year_one_figures False; bonuses are then 0).
    year_one_value: Decimal | None
    ongoing_gain: Decimal  # ongoing value over the held cards alone
    year_one_gain: Decimal | None  # year-one value over the held cards alone
    effective_rate: Decimal  # ongoing value / annual spend (0.0325 is 3.25%)
    plan: tuple[PlanRow, ...]
    # Year one (docs/roadmap.md, "Year-one values"): the new cards in the order and months
    # (1-12) they are opened, with whether each bonus counts. Empty for no new card or when
    # the cards cannot all be opened within the year (year_one_value is then None).
    openings: tuple[Opening, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `recommend --json` shape of one wallet."""
        return {
            "cards": list(self.cards),
            "ongoing_value": float(self.ongoing_value),
            "year_one_value": None if self.year_one_value is None else float(self.year_one_value),
            "annual_fees": float(self.annual_fees),
            "plan": [
                {
                    "category": row.category,
                    "card": row.card_id,
                    "spend": float(row.spend),
                    "value": float(row.value),
                }
                for row in self.plan
            ],
        }


@dataclass(frozen=True)
class Recommendation:
    """The top wallets of each size asked for, best first."""

    wallets: dict[int, tuple[Wallet, ...]]
    held: Wallet | None  # the held cards alone, when there are any
    annual_spend: Decimal
    evaluations: int  # wallets solved exactly
    seconds: float
    # The size of the answer (None: no wallet passes the filters): the best wallet across the
    # sizes asked for, where a larger wallet must be worth more than a smaller one, to the cent,
    # by the ranking's figure: a card that adds nothing is no reason to open it (`pick_key`).
    pick_size: int | None = None

    @property
    def pick(self) -> Wallet | None:
        """The answer: the best wallet of `pick_size`."""
        return None if self.pick_size is None else self.wallets[self.pick_size][0]

    def to_json(self) -> dict[str, Any]:
        """`{"wallets": {"1": [...], "2": [...], ...}}`."""
        return {
            "wallets": {
                str(size): [wallet.to_json() for wallet in wallets]
                for size, wallets in sorted(self.wallets.items())
            }
        }


@dataclass(frozen=True)
class BreakEven:
    """Within [lower, upper] dollars a month of `category`, `wallet` stays the top wallet."""

    category: str
    monthly_spend: Decimal
    wallet: tuple[str, ...]
    lower: Decimal | None  # None: stays on top down to $0
    upper: Decimal | None  # None: stays on top up to `searched_to`
    below: tuple[str, ...] | None  # the wallet on top just below `lower`
    above: tuple[str, ...] | None  # the wallet on top just above `upper`
    searched_to: Decimal


class _Report:
    """Turns internal results into Wallet records for one query."""

    def __init__(self, query: Query, year_one: YearOneValues) -> None:
        self.query = query
        self.year_one = year_one
        self.model = query.model
        held = list(query.held)
        # Held cards alone: no first-year fee and no bonus, so both views are the same.
        self.held_value = 0.0
        if held:
            fees = float(sum(self.model.annual_fee[i] for i in held))
            credits = float(sum(query.credits[i] for i in held))
            self.held_value = query.reward_value(()) - fees + credits

    def wallet(self, new: Sequence[int]) -> Wallet:
        """Full record of held + `new` cards, with the plan."""
        query, model = self.query, self.model
        new = sorted(new, key=lambda i: model.cards[i].sort_key)
        members = sorted(set(query.held) | set(new))
        solved = query.plan(members) if members else None
        reward = solved.value if solved else 0.0
        annual_fees = float(sum(model.annual_fee[i] for i in members))
        first_year = float(
            sum(model.first_year_fee[i] for i in new) + sum(model.annual_fee[i] for i in query.held)
        )
        credits = float(sum(query.credits[i] for i in members))
        ongoing = reward - annual_fees + credits
        options = query.options
        wanted = options.year_one_figures or options.rank == "year_one"
        first = self.year_one.value(new) if wanted else None
        rows: list[PlanRow] = []
        if solved is not None:
            order = {index: rank for rank, index in enumerate(list(query.held) + new)}
            items = sorted(
                solved.rows.items(), key=lambda item: (item[0][0], order[members[item[0][1]]])
            )
            for (leaf, pos), (spend, value) in items:
                if spend <= 1e-9:
                    continue
                card_id = model.cards[members[pos]].card.id
                rows.append(PlanRow(LEAF_CATEGORIES[leaf], card_id, money(spend), money(value)))
        spend = query.total_annual
        rate = Decimal(0) if spend <= 0 else Decimal(f"{ongoing / spend:.6f}")
        return Wallet(
            cards=tuple(model.cards[i].card.id for i in new),
            held=tuple(model.cards[i].card.id for i in query.held),
            reward_value=money(reward),
            annual_fees=money(annual_fees),
            first_year_fees=money(first_year),
            credits=money(credits),
            bonuses=money(first.bonuses if first else 0.0),
            ongoing_value=money(ongoing),
            year_one_value=money(first.value) if first else None,
            ongoing_gain=money(ongoing - self.held_value),
            year_one_gain=money(first.value - self.held_value) if first else None,
            effective_rate=rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
            plan=tuple(rows),
            openings=first.openings if first else (),
        )


def _query(catalog: Catalog, spend: Mapping[str, Number], options: Options) -> Query:
    return Query(model_for(catalog), spend, options)


def recommend(
    catalog: Catalog,
    spend: Mapping[str, Number],
    options: Options | None = None,
    *,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
) -> Recommendation:
    """The exact top-N wallets of each requested size for a monthly spend profile.

    `spend` maps leaf categories to monthly dollars. `progress(phase, done, total, best)` is
    called a few times a phase (phase "singles", "pairs" or "triples"; `done` of `total`
    wallets accounted for, evaluated or pruned; `best` the best Wallet so far or None).
    `cancel` (a callable or threading.Event) stops the search with SearchCancelled.
    """
    started = time.perf_counter()
    options = options or Options()
    query = _query(catalog, spend, options)
    year_one = YearOneValues(catalog, query)
    report = _Report(query, year_one)
    search = Search(query, progress, cancel, describe=lambda found: report.wallet(found.cards))
    wallets: dict[int, tuple[Wallet, ...]] = {}
    firsts: list[tuple[int, ...]] = []
    for size in sorted(set(options.wallet_sizes)):
        found = _top(search, size, year_one, options.top_n)
        wallets[size] = tuple(report.wallet(wallet) for wallet in found)
        firsts += found[:1]
    held = report.wallet(()) if query.held else None
    pick = min(firsts, key=lambda cards: pick_key(query, year_one, cards), default=None)
    return Recommendation(
        wallets=wallets,
        held=held,
        annual_spend=money(query.total_annual),
        evaluations=query.evaluations,
        seconds=time.perf_counter() - started,
        pick_size=None if pick is None else len(pick),
    )


def _top(
    search: Search, size: int, year_one: YearOneValues | None, n: int
) -> list[tuple[int, ...]]:
    """The exact top `n` wallets of `size` new cards by the query's ranking (card indices);
    `year_one` is needed when the ranking is by the true year-one value."""
    if year_one is not None and search.query.options.rank == "year_one":
        # Exact by the true year-one value, the old figure serving as its upper bound.
        return [wallet.cards for wallet, _ in first_year_top(search, size, year_one, n)]
    return [wallet.cards for wallet in search.run(size)]


def pick_key(query: Query, year_one: YearOneValues | None, cards: Sequence[int]) -> tuple:
    """The order of wallets across sizes, first is best: the ranking's figure to the cent
    (ongoing value, or the true year-one value, where cards that cannot all be opened within the
    year come last), then fewer cards (a larger wallet that only ties holds a card that adds
    nothing), then the engine's order within a size (lower annual fees, then names)."""
    found = query.found(cards)
    if year_one is not None and query.options.rank == "year_one":
        first = year_one.value(list(cards))
        figure = math.inf if first is None else -cents(first.value)
    else:
        figure = -cents(found.score)
    return (figure, len(found.cards), *query.rank_key(found)[1:])


def evaluate_wallet(
    catalog: Catalog,
    spend: Mapping[str, Number],
    card_ids: Sequence[str],
    options: Options | None = None,
) -> Wallet:
    """Value one given wallet of new cards (plus `options.held`), with its plan.

    Filters do not apply: the wallet is valued as given.
    """
    options = options or Options()
    query = _query(catalog, spend, options)
    indices = []
    for card_id in card_ids:
        if card_id not in query.model.index:
            raise EngineError(f"unknown card {card_id!r}")
        index = query.model.index[card_id]
        if index in query.held or index in indices:
            raise EngineError(f"card {card_id!r} is listed twice")
        indices.append(index)
    return _Report(query, YearOneValues(catalog, query)).wallet(indices)


def break_even(
    catalog: Catalog,
    spend: Mapping[str, Number],
    options: Options | None,
    category: str,
    *,
    size: int | None = None,
    cancel: CancelCheck | None = None,
    on_step: Callable[[], None] | None = None,
) -> BreakEven:
    """The monthly spend range on `category` within which today's top wallet stays on top.

    The top wallet is the one `recommend` answers with (`Recommendation.pick`): the first under
    `pick_key` across the sizes in `options` (or of `size` new cards alone, when given), found
    at the current spend; then the spend on `category` alone is moved, others fixed, between 0
    and max(4 × current, $2,000) a month, and the whole-dollar edges of the range where it stays
    first are found: `lower` is the smallest dollar amount where it is first while another
    wallet (`below`) is first a dollar less, `upper` the largest where it is first while
    another (`above`) is first a dollar more. When it is not first at the whole dollar next to
    today's spend (on that side), the edge is today's spend itself and `below` / `above` is the
    wallet first at $0 / at the top of the range; `None` means it stays first to the end.

    Value as a function of one category's spend is piecewise linear and concave for every
    wallet, so the region where one wallet leads is almost always an interval (if it is not,
    one edge of it is reported). The edges are found with few exact searches (5-10 instead of
    a bisection's ~25): the top wallet at each end of the range is a rival; the whole dollar
    where the incumbent stops ranking before every known rival is found by bisection on those
    wallets alone (a few wallet values a step, no search); one search there confirms the
    edge, or else the leader there joins the rivals and the edge moves strictly closer to
    today's spend. Each search of the incumbent's size is seeded with it, so it only looks for
    wallets that beat it; the checks next to today's spend stop at the first wallet that does.
    `on_step` is called before each search (one per spend point, over every size).
    """
    options = options or Options()
    sizes = (size,) if size else tuple(sorted(set(options.wallet_sizes)))
    if category not in LEAF_CATEGORIES:
        raise EngineError(f"unknown spending category {category!r}")
    probe_options = replace(options, top_n=1, wallet_sizes=sizes)
    base = dict(spend)
    model = model_for(catalog)
    current = float(Query(model, base, probe_options).monthly[LEAF_CATEGORIES.index(category)])
    probes: dict[float, tuple[Query, YearOneValues | None]] = {}

    def probe(monthly: float) -> tuple[Query, YearOneValues | None]:
        # One query per spend point: its wallet values are memoised across steps (and its
        # true year-one values, when those are what ranks).
        hit = probes.get(monthly)
        if hit is None:
            query = Query(model, {**base, category: monthly}, probe_options)
            first = YearOneValues(catalog, query) if options.rank == "year_one" else None
            hit = probes[monthly] = (query, first)
        return hit

    def leader(monthly: float, first_better: bool = False) -> tuple[int, ...] | None:
        """The top wallet there, or (first_better) the incumbent unless something beats it."""
        if on_step is not None:
            on_step()
        query, year_one = probe(monthly)
        search = Search(query, cancel=cancel)
        if year_one is not None:
            firsts = [wallet for n in sizes for wallet in _top(search, n, year_one, 1)]
            return min(firsts, key=lambda cards: pick_key(query, year_one, cards), default=None)
        # By ongoing value: the incumbent's size first, seeded with it; then each other size
        # is only asked for a wallet that beats the best so far (to the cent, fewer cards
        # winning a tie), which prunes most of its search.
        best: Found | None = None
        order = sorted(sizes, key=lambda n: (incumbent is None or n != len(incumbent), n))
        for n in order:
            if best is None:
                seeded = incumbent if incumbent is not None and len(incumbent) == n else None
                found = search.run(
                    n, incumbent=seeded, first_better=first_better and seeded is not None
                )
            else:
                ties = n < len(best.cards)
                need = cents(best.score) + (0 if ties else 1)
                found = search.run(n, at_least=need, first_better=first_better)
            if found:
                # (A wallet found `at_least` the best's cents beats it: more cents, or as many
                # with fewer cards.)
                best = found[0]
                if first_better and best.cards != incumbent:
                    return best.cards  # a wallet that beats the incumbent: enough to know
        return None if best is None else best.cards

    def leads(monthly: float) -> tuple[int, ...]:
        """The incumbent if it is first there, else a wallet that ranks before it."""
        found = leader(monthly, first_better=True)
        assert found is not None
        return found

    def ahead(wallet: tuple[int, ...], other: tuple[int, ...], monthly: float) -> bool:
        """True if `wallet` ranks before `other` at this spend."""
        query, year_one = probe(monthly)
        return pick_key(query, year_one, wallet) < pick_key(query, year_one, other)

    incumbent: tuple[int, ...] | None = None
    top = leader(current)
    if top is None:
        raise EngineError("no wallet passes the filters")
    incumbent = top
    ids = _ids(model, top)
    bound = float(max(math.ceil(4 * current), 2000))

    def ahead_of_all(rivals: list[tuple[int, ...]], monthly: float) -> bool:
        return all(ahead(top, rival, monthly) for rival in rivals)

    def edge(inside: int, outside: int, rival: tuple[int, ...]) -> int:
        """The whole dollar nearest `outside` up to which the incumbent stays first.

        The incumbent leads at `inside`, `rival` at `outside`. Bisect on the known rivals
        alone, then confirm with one search; a wallet found first there joins the rivals and
        the edge moves strictly closer to `inside`.
        """
        rivals = [rival]
        while True:
            lead, lose = inside, outside
            while abs(lose - lead) > 1:
                middle = (lead + lose) // 2
                if ahead_of_all(rivals, float(middle)):
                    lead = middle
                else:
                    lose = middle
            witness = top if lead == inside else leader(float(lead))
            if witness == top:
                return lead
            rivals.append(witness)
            outside = lead

    lower = below = None
    rival = top if current == 0 else leader(0.0)
    if rival != top:
        high = math.floor(current)
        if high > 0 and (high == current or leads(float(high)) == top):
            edge_dollar = edge(high, 0, rival)
            lower = Decimal(edge_dollar)
            below = _ids(model, leader(float(edge_dollar - 1)) or ())
        else:
            lower = money(current)
            below = _ids(model, leader(0.0) or ())
    upper = above = None
    rival = leader(bound)
    if rival != top:
        low = math.ceil(current)
        if low == current or leads(float(low)) == top:
            edge_dollar = edge(low, int(bound), rival)
            upper = Decimal(edge_dollar)
            above = _ids(model, leader(float(edge_dollar + 1)) or ())
        else:
            upper = money(current)
            above = _ids(model, leader(bound) or ())
    return BreakEven(
        category=category,
        monthly_spend=money(current),
        wallet=ids,
        lower=lower,
        upper=upper,
        below=below,
        above=above,
        searched_to=Decimal(int(bound)),
    )


def _ids(model: Any, indices: Sequence[int]) -> tuple[str, ...]:
    return tuple(model.cards[i].card.id for i in indices)
