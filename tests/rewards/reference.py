"""An independent statement of the value math as one mixed-integer LP a year, solved by HiGHS.

Written from docs/design.md §5/§6 and docs/engine.md, not from the engine's code:

- the year is four quarters of uniform spend (3 × monthly); the wallet's split of each
  category may differ by quarter;
- caps: a monthly cap M allows 3M each quarter, a quarterly cap Q allows Q each quarter, and a
  yearly cap Y allows Y over the whole year, used in whichever quarters it pays most (one row
  over the four quarters); a shared cap limits the bonus spend of all the rules naming it
  together;
- choices are made each quarter: a choose-N rule rewards N of its listed entries (a group such as
  `travel` is one entry), a binary variable per entry and quarter; a pick-top rule rewards the N
  entries the card receives most of: for chosen j and unchosen k, receipts(k) ≤ receipts(j);
- variables per quarter: x[c,k] dollars of leaf k on card c, and y[c,r,k] dollars of it earning
  rule r's rate; Σ_c x[c,k] = spend, Σ_r y[c,r,k] ≤ x[c,k], cap rows on y; value
  Σ x·(base·cpp − foreign fee) + Σ y·(rate − base)·cpp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from rewards.catalog import Card, Catalog, EarnRule
from rewards.categories import CATEGORY_GROUPS, LEAF_CATEGORIES

QUARTERS = 4
PER_QUARTER = {"month": 3.0, "quarter": 1.0}


def _entries(names: Sequence[str]) -> list[tuple[str, ...]]:
    return [CATEGORY_GROUPS.get(name, (name,)) for name in names]


def _rule_cap(card: Card, rule: EarnRule) -> tuple[str, float, str] | None:
    """(cap key, amount, per) of the cap a rule earns under, or None."""
    if rule.shared_cap is not None:
        cap = next(c for c in card.shared_caps if c.id == rule.shared_cap)
        return (f"shared:{cap.id}", float(cap.amount), cap.per)
    if rule.cap is not None:
        return (f"own:{id(rule)}", float(rule.cap.amount), rule.cap.per)
    return None


class _Model:
    """Columns and rows of the MILP, built up one by one."""

    def __init__(self) -> None:
        self.objective: list[float] = []
        self.integer: list[int] = []
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def column(self, value: float, integer: bool = False, upper: float = np.inf) -> int:
        self.objective.append(value)
        self.integer.append(1 if integer else 0)
        self.upper.append(upper)
        return len(self.objective) - 1

    def row(self, coefficients: dict[int, float], low: float, high: float) -> None:
        self.rows.append((coefficients, low, high))

    def maximize(self) -> float:
        n = len(self.objective)
        matrix = np.zeros((len(self.rows), n))
        for i, (coefficients, _, _) in enumerate(self.rows):
            for j, a in coefficients.items():
                matrix[i, j] += a
        result = milp(
            -np.array(self.objective),
            integrality=np.array(self.integer),
            bounds=Bounds(np.zeros(n), np.array(self.upper)),
            constraints=LinearConstraint(
                matrix, [low for _, low, _ in self.rows], [high for _, _, high in self.rows]
            ),
            options={"mip_rel_gap": 0.0},
        )
        assert result.status == 0, result.message
        return -float(result.fun)


def year_value(cards: Sequence[Card], cpp: Sequence[float], monthly: Mapping[str, float]) -> float:
    """The best value of the year over every allocation and every quarter's choices."""
    leaves = [leaf for leaf in LEAF_CATEGORIES if monthly.get(leaf, 0) > 0]
    if not leaves or not cards:
        return 0.0
    model = _Model()
    yearly: dict[tuple[int, str], dict[int, float]] = {}
    yearly_amount: dict[tuple[int, str], float] = {}
    for q in range(QUARTERS):
        supply = {leaf: 3.0 * float(monthly[leaf]) for leaf in leaves}
        total = sum(supply.values())
        x: dict[tuple[int, str], int] = {}
        for c, card in enumerate(cards):
            scale = cpp[c] / 100.0
            fee = float(card.foreign_fee_pct) / 100.0
            for leaf in leaves:
                value = float(card.base_rate) * scale - (fee if leaf == "foreign" else 0.0)
                x[(c, leaf)] = model.column(value)
        for leaf in leaves:
            model.row({x[(c, leaf)]: 1.0 for c in range(len(cards))}, supply[leaf], supply[leaf])
        for c, card in enumerate(cards):
            scale = cpp[c] / 100.0
            earning: dict[str, dict[int, float]] = {leaf: {x[(c, leaf)]: -1.0} for leaf in leaves}
            quarter_caps: dict[str, tuple[float, dict[int, float]]] = {}
            for rule in card.rules:
                gain = (float(rule.rate) - float(card.base_rate)) * scale
                if rule.rotating is not None:
                    entries = [leaf for entry in _entries(rule.rotating[q]) for leaf in entry]
                    entries = [[leaf] for leaf in entries]
                else:
                    entries = [list(entry) for entry in _entries(rule.categories)]
                z: list[int] = []
                if rule.choose is not None:
                    z = [model.column(0.0, integer=True, upper=1.0) for _ in entries]
                    model.row(dict.fromkeys(z, 1.0), rule.choose, rule.choose)
                ys: list[int] = []
                for i, entry in enumerate(entries):
                    for leaf in entry:
                        if leaf not in supply:
                            continue
                        y = model.column(gain)
                        ys.append(y)
                        earning[leaf][y] = 1.0
                        if z:
                            # Only a chosen entry earns: y ≤ its spend × z.
                            model.row({y: 1.0, z[i]: -supply[leaf]}, -np.inf, 0.0)
                if rule.pick == "top":
                    receipts = [
                        {x[(c, leaf)]: 1.0 for leaf in entry if leaf in supply} for entry in entries
                    ]
                    # For j chosen and k not: receipts(k) − receipts(j) ≤ 0, relaxed by the
                    # quarter's total spend otherwise.
                    for j in range(len(entries)):
                        for k in range(len(entries)):
                            if j == k:
                                continue
                            coefficients: dict[int, float] = {}
                            for col, a in receipts[k].items():
                                coefficients[col] = coefficients.get(col, 0.0) + a
                            for col, a in receipts[j].items():
                                coefficients[col] = coefficients.get(col, 0.0) - a
                            coefficients[z[j]] = coefficients.get(z[j], 0.0) + total
                            coefficients[z[k]] = coefficients.get(z[k], 0.0) - total
                            model.row(coefficients, -np.inf, total)
                cap = _rule_cap(card, rule)
                if cap is None:
                    continue
                key, amount, per = cap
                if per == "year":
                    yearly.setdefault((c, key), {}).update(dict.fromkeys(ys, 1.0))
                    yearly_amount[(c, key)] = amount
                else:
                    limit = amount * PER_QUARTER[per]
                    quarter_caps.setdefault(key, (limit, {}))[1].update(dict.fromkeys(ys, 1.0))
            for leaf in leaves:
                model.row(earning[leaf], -np.inf, 0.0)
            for limit, columns in quarter_caps.values():
                model.row(columns, -np.inf, limit)
    for key, columns in yearly.items():
        model.row(columns, -np.inf, yearly_amount[key])
    return model.maximize()


def reward_value(
    catalog: Catalog,
    card_ids: Sequence[str],
    monthly: Mapping[str, float],
    cpp_overrides: Mapping[str, float] | None = None,
) -> float:
    """The MILP optimum of a wallet's reward value over the year."""
    cards = [catalog.card(card_id) for card_id in card_ids]
    overrides = cpp_overrides or {}
    cpp = [
        float(overrides.get(card.currency, catalog.currency(card.currency).cents_per_point))
        for card in cards
    ]
    return year_value(cards, cpp, monthly)
