"""Answers already rendered by this worker, for amounts typed again.

Typing goes back and forth over the same amounts (a digit typed, deleted, typed again; an amount
tried and put back), and every socket of the same saved answer asks the same questions. An
answer's fragments depend only on the engine's catalog, the saved answer's engine inputs, and
the edited amounts and wallet size, so they are kept under exactly that, in a bounded
least-recently-used map on the worker's event loop (no lock: only the loop touches it). A
catalog change gives a new catalog key, so an answer of the old catalog is never shown for the
new one; old entries simply age out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal

# About 5 KB of HTML each: a couple of megabytes per worker at most.
ANSWERS_KEPT = 512

AnswerKey = tuple[str, str, tuple[tuple[str, Decimal], ...], int]


def answer_key(
    catalog_key: str, saved_fingerprint: str, spend: Mapping[str, Decimal], wallet_size: int
) -> AnswerKey:
    """What an answer's fragments depend on: the catalog (version, quarter, closed held cards),
    the saved answer's engine inputs (SpendingProfile.fingerprint), the edited amounts."""
    amounts = tuple(sorted((category, amount) for category, amount in spend.items() if amount))
    return (catalog_key, saved_fingerprint, amounts, wallet_size)


class RenderedAnswers:
    """A bounded LRU map of answer keys to rendered fragments."""

    def __init__(self, size: int = ANSWERS_KEPT) -> None:
        self.size = size
        self._html: OrderedDict[AnswerKey, str] = OrderedDict()

    def get(self, key: AnswerKey) -> str | None:
        html = self._html.get(key)
        if html is not None:
            self._html.move_to_end(key)
        return html

    def put(self, key: AnswerKey, html: str) -> None:
        self._html[key] = html
        self._html.move_to_end(key)
        while len(self._html) > self.size:
            self._html.popitem(last=False)

    def clear(self) -> None:
        self._html.clear()

    def __len__(self) -> int:
        return len(self._html)


rendered_answers = RenderedAnswers()
