"""The catalog compiled for the engine: rules as per-quarter edges, pools and choices.

Compiling depends only on the catalog (not on spend or point values), so it is done once per
Catalog object and cached. Rates stay in points per dollar here; a query multiplies them by its
cents-per-point values.

The time model (docs/engine.md has the full semantics): the year is four quarters of uniform
spend, and a wallet's split of each category may differ from quarter to quarter. A monthly cap
M allows 3M a quarter (uniform months), a quarterly cap Q allows Q; a yearly cap Y is one
amount over the four quarters, stored here as its quarter's share Y/4 with a `pool_year` flag:
quarters alike use it evenly (rewards.allocation says when that is exact), quarters that
differ share it (one pool over the year).
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass, field

import numpy as np

from rewards.catalog import CREDIT_BANDS, Card, Catalog, EarnRule
from rewards.categories import CATEGORY_GROUPS, LEAF_CATEGORIES

LEAF_INDEX: dict[str, int] = {leaf: i for i, leaf in enumerate(LEAF_CATEGORIES)}
FOREIGN = LEAF_INDEX["foreign"]
N_LEAVES = len(LEAF_CATEGORIES)
QUARTERS = 4
# Dollars a quarter per unit of a cap's amount (uniform spend through the year).
CAP_QUARTER_FACTOR: dict[str, float] = {"month": 3.0, "quarter": 1.0, "year": 0.25}
BAND_RANK: dict[str, int] = {band: rank for rank, band in enumerate(reversed(CREDIT_BANDS))}


@dataclass(frozen=True)
class Choice:
    """A choose-N rule: `n` of `options` (each a tuple of leaves) earn `points`."""

    options: tuple[tuple[int, ...], ...]
    n: int
    points: float
    pool: int | None  # index into CardModel.pool_caps; None: uncapped
    top: bool  # "pick": "top": the card rewards the options it receives most of


@dataclass
class CardModel:
    """One card, compiled."""

    index: int
    card: Card
    currency: int  # index into CatalogModel.currency_ids
    base: float
    foreign_fee: float  # a fraction of what the card receives of `foreign`
    # Best uncapped rate per leaf from the base rate and fixed uncapped rules (all quarters).
    floor: list[float]
    # Dollars a quarter that each pool (a rule's own cap or a shared cap) allows; a yearly
    # cap's quarter share Y/4, flagged in pool_year (one amount over the year).
    pool_caps: list[float]
    pool_year: list[bool]
    # (pool, leaf, points) for fixed capped rules; the same every quarter.
    capped: list[tuple[int, int, float]]
    # Per quarter: (pool or None, leaf, points) from rotating rules; None if no rotating rule.
    rotating: list[list[tuple[int | None, int, float]]] | None
    choices: list[Choice]
    # A pick-top rule whose categories another rule of the card also covers: the "top"
    # constraint then binds, and the card's wallets are solved by the general LP.
    needs_lp: bool
    annual_fee: float
    first_year_fee: float
    credits: float  # dollars a year
    bonus_points: float
    bonus_min_spend: float
    bonus_months: int
    band: int  # rank of the minimum credit band: 0 limited ... 3 excellent
    kind: str
    sort_key: tuple[str, str] = field(default=("", ""))

    @property
    def invariant(self) -> bool:
        """True when every quarter looks the same (no rotating rule)."""
        return self.rotating is None


@dataclass
class CatalogModel:
    """All cards compiled, plus flat arrays for the vectorised bounds."""

    catalog: Catalog
    cards: list[CardModel]
    index: dict[str, int]
    currency_ids: list[str]
    currency_cpp: np.ndarray  # default cents per point, by currency index
    currency_kind: list[str]
    card_currency: np.ndarray  # currency index by card
    floor_points: np.ndarray  # (cards, leaves)
    foreign_fee: np.ndarray  # (cards,)
    annual_fee: np.ndarray
    first_year_fee: np.ndarray
    credits: np.ndarray
    bonus_points: np.ndarray
    bonus_min_spend: np.ndarray
    bonus_months: np.ndarray
    name_rank: np.ndarray  # position of each card in (name, id) order: the tie-break
    fee_cents: np.ndarray  # annual fee in whole cents
    # Bonus "entries" for the upper bounds: every (cap instance, leaf, points) a card can earn
    # above its floor, with the instance's capacity a quarter and how many quarters it stands for.
    entry_card: np.ndarray
    entry_instance: np.ndarray
    entry_quarter: np.ndarray  # -1: every quarter
    entry_leaf: np.ndarray
    entry_points: np.ndarray
    instance_cap: np.ndarray
    instance_mult: np.ndarray
    # A yearly cap: an instance standing for every quarter (mult 4) holds a quarter's share of
    # one yearly amount that the quarters may use unevenly; a rotating pool's yearly instance
    # (mult 1) holds the whole amount, its entries each in their quarter.
    instance_year: np.ndarray
    # Which choice rule an entry comes from (-1: a fixed capped or rotating rule) and which
    # of its options, as global indices; per choice: its card, its N, its number on the card,
    # and whether it is an overlapping pick-top rule (never folded: the LP needs it).
    entry_choice: np.ndarray
    entry_option: np.ndarray
    choice_card: np.ndarray
    choice_n: np.ndarray
    choice_number: np.ndarray
    choice_lp: np.ndarray
    option_choice: np.ndarray
    # The distinct (instance, leaf) pairs: what each cap instance can draw on.
    pair_instance: np.ndarray
    pair_leaf: np.ndarray


def _leaves(names: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    out: list[int] = []
    for name in names:
        for leaf in CATEGORY_GROUPS.get(name, (name,)):
            out.append(LEAF_INDEX[leaf])
    return tuple(out)


def _rule_pool(rule: EarnRule, own: dict[int, int], shared: dict[str, int], i: int) -> int | None:
    if rule.shared_cap is not None:
        return shared[rule.shared_cap]
    if rule.cap is not None:
        return own[i]
    return None


def compile_card(card: Card, index: int, currency: int, kind: str) -> CardModel:
    """Turn one card's rules into floors, capped edges, rotating edges and choices."""
    base = float(card.base_rate)
    floor = [base] * N_LEAVES
    pool_caps: list[float] = []
    pool_year: list[bool] = []
    shared: dict[str, int] = {}
    for cap in card.shared_caps:
        shared[cap.id] = len(pool_caps)
        pool_caps.append(float(cap.amount) * CAP_QUARTER_FACTOR[cap.per])
        pool_year.append(cap.per == "year")
    own: dict[int, int] = {}
    for i, rule in enumerate(card.rules):
        if rule.cap is not None:
            own[i] = len(pool_caps)
            pool_caps.append(float(rule.cap.amount) * CAP_QUARTER_FACTOR[rule.cap.per])
            pool_year.append(rule.cap.per == "year")

    capped: list[tuple[int, int, float]] = []
    rotating: list[list[tuple[int | None, int, float]]] | None = None
    choices: list[Choice] = []
    for i, rule in enumerate(card.rules):
        points = float(rule.rate)
        pool = _rule_pool(rule, own, shared, i)
        if rule.rotating is not None:
            if rotating is None:
                rotating = [[] for _ in range(QUARTERS)]
            for q, names in enumerate(rule.rotating):
                rotating[q].extend((pool, leaf, points) for leaf in _leaves(names))
        elif rule.choose is not None:
            options = tuple(_leaves((name,)) for name in rule.categories)
            choices.append(Choice(options, rule.choose, points, pool, rule.pick == "top"))
        elif pool is None:
            for leaf in _leaves(rule.categories):
                floor[leaf] = max(floor[leaf], points)
        else:
            capped.extend((pool, leaf, points) for leaf in _leaves(rule.categories))

    needs_lp = False
    for i, rule in enumerate(card.rules):
        if rule.pick != "top":
            continue
        others = {leaf for j, other in enumerate(card.rules) if j != i for leaf in other.leaves}
        if set(rule.leaves) & others:
            needs_lp = True

    bonus = card.bonus
    return CardModel(
        index=index,
        card=card,
        currency=currency,
        base=base,
        foreign_fee=float(card.foreign_fee_pct) / 100.0,
        floor=floor,
        pool_caps=pool_caps,
        pool_year=pool_year,
        capped=capped,
        rotating=rotating,
        choices=choices,
        needs_lp=needs_lp,
        annual_fee=float(card.annual_fee),
        first_year_fee=float(card.first_year_fee),
        credits=float(card.credits_per_year),
        bonus_points=float(bonus.points) if bonus else 0.0,
        bonus_min_spend=float(bonus.min_spend) if bonus else 0.0,
        bonus_months=bonus.months if bonus else 0,
        band=BAND_RANK[card.credit],
        kind=kind,
        sort_key=(card.name, card.id),
    )


def _entries(
    model: CardModel,
) -> list[tuple[tuple[str, int, int], int, int, float, float, bool, int, int]]:
    """(instance, quarter, leaf, points, cap, yearly, choice, option) for all it earns above base.

    An instance is one cap in one quarter, keyed (kind, id, quarter); quarter -1 means the same
    instance every quarter. A pool that a rotating rule uses differs by quarter, so it gets one
    instance a quarter, or, for a yearly cap, one instance for the year (key quarter -2) whose
    entries keep their quarters and whose cap is the whole yearly amount. Choices are relaxed to
    "every option chosen" (this feeds upper bounds); the last two fields say which choice rule
    of the card and which of its options an entry comes from (-1, -1 for fixed and rotating
    rules).
    """
    rotating_pools = {pool for q in model.rotating or [] for pool, _, _ in q if pool is not None}
    out: list[tuple[tuple[str, int, int], int, int, float, float, bool, int, int]] = []

    def in_quarter(pool: int, q: int, leaf: int, points: float, c: int, o: int) -> None:
        cap, year = model.pool_caps[pool], model.pool_year[pool]
        if year:
            out.append((("pool", pool, -2), q, leaf, points, cap * QUARTERS, True, c, o))
        else:
            out.append((("pool", pool, q), q, leaf, points, cap, False, c, o))

    def pooled(pool: int, leaf: int, points: float, c: int = -1, o: int = -1) -> None:
        if pool in rotating_pools:
            for q in range(QUARTERS):
                in_quarter(pool, q, leaf, points, c, o)
        else:
            cap, year = model.pool_caps[pool], model.pool_year[pool]
            out.append((("pool", pool, -1), -1, leaf, points, cap, year, c, o))

    for pool, leaf, points in model.capped:
        pooled(pool, leaf, points)
    for c, choice in enumerate(model.choices):
        for o, option in enumerate(choice.options):
            for leaf in option:
                if choice.pool is None:
                    out.append((("free", c, -1), -1, leaf, choice.points, math.inf, False, c, o))
                else:
                    pooled(choice.pool, leaf, choice.points, c, o)
    for q, edges in enumerate(model.rotating or []):
        for pool, leaf, points in edges:
            if pool is None:
                out.append((("rotating", 0, q), q, leaf, points, math.inf, False, -1, -1))
            else:
                in_quarter(pool, q, leaf, points, -1, -1)
    return out


def _name_ranks(cards: list[CardModel]) -> np.ndarray:
    ranks = np.empty(len(cards), dtype=np.int64)
    for rank, card in enumerate(sorted(cards, key=lambda card: card.sort_key)):
        ranks[card.index] = rank
    return ranks


def compile_catalog(catalog: Catalog) -> CatalogModel:
    """Compile every card of the catalog."""
    currency_ids = [currency.id for currency in catalog.currencies]
    currency_pos = {cid: i for i, cid in enumerate(currency_ids)}
    kinds = [currency.kind for currency in catalog.currencies]
    cards = [
        compile_card(card, i, currency_pos[card.currency], kinds[currency_pos[card.currency]])
        for i, card in enumerate(catalog.cards)
    ]
    entry_card: list[int] = []
    entry_instance: list[int] = []
    entry_quarter: list[int] = []
    entry_leaf: list[int] = []
    entry_points: list[float] = []
    instance_cap: list[float] = []
    instance_mult: list[float] = []
    instance_year: list[bool] = []
    entry_choice: list[int] = []
    entry_option: list[int] = []
    choice_card: list[int] = []
    choice_n: list[int] = []
    choice_number: list[int] = []
    choice_lp: list[bool] = []
    option_choice: list[int] = []
    for model in cards:
        keys: dict[tuple[str, int, int], int] = {}
        first_choice = len(choice_card)
        option_base: list[int] = []
        for c, choice in enumerate(model.choices):
            choice_card.append(model.index)
            choice_n.append(choice.n)
            choice_number.append(c)
            choice_lp.append(choice.top and model.needs_lp)
            option_base.append(len(option_choice))
            option_choice.extend([first_choice + c] * len(choice.options))
        for key, quarter, leaf, points, cap, year, c, o in _entries(model):
            if key not in keys:
                keys[key] = len(instance_cap)
                instance_cap.append(cap)
                instance_mult.append(4.0 if quarter < 0 else 1.0)
                instance_year.append(year)
            entry_card.append(model.index)
            entry_instance.append(keys[key])
            entry_quarter.append(quarter)
            entry_leaf.append(leaf)
            entry_points.append(points)
            entry_choice.append(-1 if c < 0 else first_choice + c)
            entry_option.append(-1 if c < 0 else option_base[c] + o)
    pairs = sorted(set(zip(entry_instance, entry_leaf, strict=True)))
    n = len(cards)
    return CatalogModel(
        catalog=catalog,
        cards=cards,
        index={card.card.id: card.index for card in cards},
        currency_ids=currency_ids,
        currency_cpp=np.array([float(c.cents_per_point) for c in catalog.currencies]),
        currency_kind=kinds,
        card_currency=np.array([card.currency for card in cards], dtype=np.int64),
        floor_points=np.array([card.floor for card in cards], dtype=float).reshape(n, N_LEAVES),
        foreign_fee=np.array([card.foreign_fee for card in cards], dtype=float),
        annual_fee=np.array([card.annual_fee for card in cards], dtype=float),
        first_year_fee=np.array([card.first_year_fee for card in cards], dtype=float),
        credits=np.array([card.credits for card in cards], dtype=float),
        bonus_points=np.array([card.bonus_points for card in cards], dtype=float),
        bonus_min_spend=np.array([card.bonus_min_spend for card in cards], dtype=float),
        bonus_months=np.array([card.bonus_months for card in cards], dtype=float),
        name_rank=_name_ranks(cards),
        fee_cents=np.array([round(card.annual_fee * 100) for card in cards], dtype=np.int64),
        entry_card=np.array(entry_card, dtype=np.int64),
        entry_instance=np.array(entry_instance, dtype=np.int64),
        entry_quarter=np.array(entry_quarter, dtype=np.int64),
        entry_leaf=np.array(entry_leaf, dtype=np.int64),
        entry_points=np.array(entry_points, dtype=float),
        instance_cap=np.array(instance_cap, dtype=float),
        instance_mult=np.array(instance_mult, dtype=float),
        instance_year=np.array(instance_year, dtype=bool),
        entry_choice=np.array(entry_choice, dtype=np.int64),
        entry_option=np.array(entry_option, dtype=np.int64),
        choice_card=np.array(choice_card, dtype=np.int64),
        choice_n=np.array(choice_n, dtype=np.int64),
        choice_number=np.array(choice_number, dtype=np.int64),
        choice_lp=np.array(choice_lp, dtype=bool),
        option_choice=np.array(option_choice, dtype=np.int64),
        pair_instance=np.array([i for i, _ in pairs], dtype=np.int64),
        pair_leaf=np.array([leaf for _, leaf in pairs], dtype=np.int64),
    )


_CACHE: dict[int, tuple[weakref.ref[Catalog], CatalogModel]] = {}


def _forget(key: int, ref: weakref.ref[Catalog], cache: dict = _CACHE) -> None:
    # Only the entry of the catalog that died: its id may already belong to a new one. (The
    # cache is bound as a default so that this still works while the interpreter shuts down.)
    hit = cache.get(key)
    if hit is not None and hit[0] is ref:
        del cache[key]


def model_for(catalog: Catalog) -> CatalogModel:
    """The compiled model of this Catalog object, compiled once and cached while it lives."""
    key = id(catalog)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is catalog:
        return hit[1]
    model = compile_catalog(catalog)
    _CACHE[key] = (weakref.ref(catalog, functools.partial(_forget, key)), model)
    return model
