"""One set of wizard answers as the engine takes them: built once, at the edge, from a profile.

Plain Python (no Django) on purpose: it is what crosses into an engine process, so the engine
never sees the ORM and nothing re-derives spend or options per engine run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from rewards.options import Options


@dataclass(frozen=True)
class EngineInput:
    """Monthly spend for every leaf category, and the engine options of the preferences."""

    # Never mutated after construction (a dict, not a mapping proxy, so that it pickles).
    spend: dict[str, Decimal]
    options: Options

    def with_top_n(self, top_n: int) -> EngineInput:
        """The same input asking for the top `top_n` wallets of each size."""
        return replace(self, options=replace(self.options, top_n=top_n))
