"""Exact reward value of one wallet: the optimal split of each category across its cards.

For fixed choices the allocation LP is a transportation problem (rewards.flow) over *nodes*
(a category in a quarter) and *pools* (caps, and uncapped choice rules). The package, by
concept:

- `problem`: cards priced for a query (`price_card`), the problem over one or more quarters
  they make, and its result;
- `solver`: one problem solved exactly (flows, best-first branch and bound over choose-N and
  pick-top choices), and one quarter on its own (`solve_quarter`: a roadmap's month);
- `explicit_lp`: the problem as an explicit LP, where overlapping pick-top rules' "receives
  most" rows (or minimum receipts) need one, and its re-optimisation at new prices;
- `minimums`: minimum receipts priced by Lagrange multipliers instead of the LP;
- `year`: the wallet's year — quarters alike, independent, or coupled by a yearly cap
  (`solve_wallet`);
- `lagrange`: the Lagrangian bounds a coupled year is settled with — the yearly pools priced,
  the quarters' choices cut to the promising ones, the year's bound along a ray of prices.

docs/engine.md ("A wallet's value", "Yearly caps over the whole year") has the math.
"""

from rewards.allocation.problem import PricedCard, PricedChoice, QuarterResult, price_card
from rewards.allocation.solver import solve_quarter
from rewards.allocation.year import WalletResult, coupled_caps, solve_wallet

__all__ = [
    "PricedCard",
    "PricedChoice",
    "QuarterResult",
    "WalletResult",
    "coupled_caps",
    "price_card",
    "solve_quarter",
    "solve_wallet",
]
