"""An independent statement of the value math as linear programs, solved with scipy (HiGHS).

Written from docs/design.md §5/§6 and docs/engine.md, not from the engine's code:

- the year is four quarters of uniform spend (3 × monthly); the wallet's split of each
  category may differ by quarter, and quarters are independent;
- caps are per quarter: a monthly cap M allows 3M, a quarterly cap Q allows Q, a yearly cap Y
  allows Y/4; a shared cap limits the bonus spend of all the rules naming it together;
- choices are made each quarter: a choose-N rule rewards N of its listed entries (a group such as
  `travel` is one entry); a pick-top rule rewards the N entries the card receives most of, written
  here as constraints on the card's receipts for every enumerated choice;
- variables per quarter: x[c,k] dollars of leaf k on card c, and y[c,r,k] dollars of it earning
  rule r's rate; Σ_c x[c,k] = spend, Σ_r y[c,r,k] ≤ x[c,k], cap rows on y; value
  Σ x·(base·cpp − foreign fee) + Σ y·(rate − base)·cpp.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.optimize import linprog

from rewards.catalog import Card, Catalog, EarnRule
from rewards.categories import CATEGORY_GROUPS, LEAF_CATEGORIES

CAP_PER_QUARTER = {"month": 3.0, "quarter": 1.0, "year": 0.25}


def _entries(names: Sequence[str]) -> list[tuple[str, ...]]:
    return [CATEGORY_GROUPS.get(name, (name,)) for name in names]


def _rule_cap(
    card: Card, rule: EarnRule, per_period: Mapping[str, float]
) -> tuple[str, float] | None:
    if rule.shared_cap is not None:
        cap = next(c for c in card.shared_caps if c.id == rule.shared_cap)
        return (f"shared:{cap.id}", float(cap.amount) * per_period[cap.per])
    if rule.cap is not None:
        return (f"own:{id(rule)}", float(rule.cap.amount) * per_period[rule.cap.per])
    return None


def best_period_value(
    cards: Sequence[Card],
    cpp: Sequence[float],
    spend: Mapping[str, float],
    per_period: Mapping[str, float],
    rotating: Callable[[EarnRule], Sequence[str]],
    lower: Mapping[int, float] | None = None,
) -> float | None:
    """The best value of one period over every combination of choices (None: infeasible).

    `spend`: dollars per leaf in the period; `per_period`: what one cap unit (month, quarter,
    year) allows in the period; `rotating(rule)`: a rotating rule's categories in the period;
    `lower`: card position -> dollars the card must receive in the period.
    """
    leaves = [leaf for leaf in LEAF_CATEGORIES if spend.get(leaf, 0) > 0]
    if not leaves:
        return 0.0
    choice_rules = [
        (c, r, rule)
        for c, card in enumerate(cards)
        for r, rule in enumerate(card.rules)
        if rule.choose is not None
    ]
    combos = [
        list(itertools.combinations(range(len(rule.categories)), rule.choose))
        for _, _, rule in choice_rules
    ]
    best = None
    for picks in itertools.product(*combos):
        chosen = {(c, r): pick for (c, r, _), pick in zip(choice_rules, picks, strict=True)}
        value = _solve(cards, cpp, spend, per_period, rotating, leaves, chosen, lower or {})
        if value is not None and (best is None or value > best):
            best = value
    return best


def quarter_value(
    cards: Sequence[Card], cpp: Sequence[float], monthly: Mapping[str, float], quarter: int
) -> float:
    """The best value of one quarter over every combination of choices."""
    spend = {leaf: 3.0 * float(amount) for leaf, amount in monthly.items()}
    best = best_period_value(
        cards, cpp, spend, CAP_PER_QUARTER, lambda rule: rule.rotating[quarter]
    )
    return -np.inf if best is None else float(best)


def _solve(
    cards: Sequence[Card],
    cpp: Sequence[float],
    spend: Mapping[str, float],
    per_period: Mapping[str, float],
    rotating: Callable[[EarnRule], Sequence[str]],
    leaves: list[str],
    chosen: dict[tuple[int, int], tuple[int, ...]],
    lower: Mapping[int, float],
) -> float | None:
    columns: list[tuple[str, int, int, str]] = []  # (kind x|y, card, rule, leaf)
    objective: list[float] = []
    for c, card in enumerate(cards):
        scale = cpp[c] / 100.0
        fee = float(card.foreign_fee_pct) / 100.0
        for leaf in leaves:
            columns.append(("x", c, -1, leaf))
            objective.append(float(card.base_rate) * scale - (fee if leaf == "foreign" else 0.0))
        for r, rule in enumerate(card.rules):
            if rule.rotating is not None or rule.calendar is not None:
                covered = {leaf for entry in _entries(rotating(rule)) for leaf in entry}
            elif rule.choose is not None:
                entries = _entries(rule.categories)
                covered = {leaf for i in chosen[(c, r)] for leaf in entries[i]}
            else:
                covered = {leaf for entry in _entries(rule.categories) for leaf in entry}
            for leaf in leaves:
                if leaf in covered:
                    columns.append(("y", c, r, leaf))
                    objective.append((float(rule.rate) - float(card.base_rate)) * scale)
    index = {col: j for j, col in enumerate(columns)}
    n = len(columns)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for leaf in leaves:
        row = np.zeros(n)
        for c in range(len(cards)):
            row[index[("x", c, -1, leaf)]] = 1.0
        a_eq.append(row)
        b_eq.append(float(spend[leaf]))
    for c, card in enumerate(cards):
        for leaf in leaves:
            row = np.zeros(n)
            row[index[("x", c, -1, leaf)]] = -1.0
            for (kind, cc, _, lf), j in index.items():
                if kind == "y" and cc == c and lf == leaf:
                    row[j] = 1.0
            a_ub.append(row)
            b_ub.append(0.0)
        caps: dict[str, tuple[float, list[int]]] = {}
        for r, rule in enumerate(card.rules):
            cap = _rule_cap(card, rule, per_period)
            if cap is None:
                continue
            key, amount = cap
            cols = [
                j for (kind, cc, rr, _), j in index.items() if kind == "y" and (cc, rr) == (c, r)
            ]
            caps.setdefault(key, (amount, []))[1].extend(cols)
        for amount, cols in caps.values():
            row = np.zeros(n)
            row[cols] = 1.0
            a_ub.append(row)
            b_ub.append(amount)
        for r, rule in enumerate(card.rules):
            if rule.pick != "top":
                continue
            entries = _entries(rule.categories)
            receipts = []
            for entry in entries:
                row = np.zeros(n)
                for leaf in entry:
                    if leaf in leaves:
                        row[index[("x", c, -1, leaf)]] = 1.0
                receipts.append(row)
            for j in chosen[(c, r)]:
                for k in range(len(entries)):
                    if k not in chosen[(c, r)]:
                        a_ub.append(receipts[k] - receipts[j])
                        b_ub.append(0.0)
        if lower.get(c, 0.0) > 0:
            # The card receives at least this much of the period's spend (a bonus window).
            row = np.zeros(n)
            for leaf in leaves:
                row[index[("x", c, -1, leaf)]] = -1.0
            a_ub.append(row)
            b_ub.append(-lower[c])
    result = linprog(
        -np.array(objective),
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=np.array(a_eq),
        b_eq=np.array(b_eq),
        bounds=(0, None),
        method="highs",
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return -float(result.fun)


def reward_value(
    catalog: Catalog,
    card_ids: Sequence[str],
    monthly: Mapping[str, float],
    cpp_overrides: Mapping[str, float] | None = None,
) -> float:
    """The LP optimum of a wallet's reward value over the year."""
    cards = [catalog.card(card_id) for card_id in card_ids]
    overrides = cpp_overrides or {}
    cpp = [
        float(overrides.get(card.currency, catalog.currency(card.currency).cents_per_point))
        for card in cards
    ]
    if not cards:
        return 0.0
    return sum(quarter_value(cards, cpp, monthly, q) for q in range(4))
