"""Dominance between cards: cards that cannot be in the top N of a size, dropped before it.

If card d is worth at least card c at every allocation and ranks before c on ties, swapping c
for d never makes a wallet worse (d takes exactly c's receipts; no other card's receipts
change). "Worth at least": over any receipts x ≤ S, f_c(x) − φ_d·x ≤ S·(φ_c − φ_d)⁺ +
surplus_c(φ_d), so d dominates c when that is covered by d's modular advantage. A card with
N + m − 1 such dominators cannot be in the top N wallets of size m (at least N distinct better
wallets exist), so the search drops it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rewards.bounds import TOL

if TYPE_CHECKING:
    from rewards.query import Query

_REFERENCE = 64  # how many strong cards are tried as dominators of each card
_BLOCK_ELEMENTS = 200_000  # floats per block of reference cards (cache-sized)


def dominated(query: Query, size: int) -> np.ndarray:
    """Candidates (as a mask over query.candidates) that cannot be in the top N of `size`.

    Card d dominates c when d is worth at least c at every allocation and ranks before it
    on ties: φ_d ≥ φ_c everywhere and d's modular advantage covers P_c (a whole cent more,
    or at least as much with no higher fee and an earlier name). Dominators are looked for
    among the strongest cards (by guaranteed value) and, within each group of cards with
    the same floors (duplicates are common: many no-fee 2% cards), among the best of the
    group: a card that cannot be in the top needs only N + size − 1 of them.
    """
    cands = query.candidates
    need = query.options.top_n + size - 1
    n = len(cands)
    if n <= need:
        return np.zeros(n, dtype=bool)
    if query.dominators is None:
        query.dominators = count_dominators(query)
    return query.dominators >= need


def count_dominators(query: Query) -> np.ndarray:
    """Per candidate, how many dominators were found (enough for N + 2, the most any size needs)."""
    need = query.options.top_n + 2
    bounds = query.bounds
    cands = query.candidates
    n = len(cands)
    phi = bounds.phi[cands]
    mod = query.mod[cands]
    fee = query.model.annual_fee[cands]
    bound = bounds.bonus_bound[cands]
    rank = query.model.name_rank[cands]

    def beats(d: np.ndarray, c: np.ndarray) -> np.ndarray:
        margin = mod[d] - mod[c] - bound[c]
        strict = margin >= TOL + 0.001
        tie = (margin >= -1e-9) & (fee[d] <= fee[c]) & (rank[d] < rank[c])
        return np.all(phi[d] >= phi[c] - 1e-12, axis=-1) & (strict | tie)

    guaranteed = phi @ query.annual + mod
    ref = np.argsort(-guaranteed, kind="stable")[:_REFERENCE]
    counts = np.zeros(n, dtype=np.int64)
    # Against a strong card r the test can use what c adds over r's floors rather than
    # over its own: max over receipts x ≤ S of f_c(x) − φ_r·x ≤ S·(φ_c − φ_r)⁺ +
    # surplus_c(φ_r), and r earns at least φ_r·x on them. So r dominates c when that is
    # covered by r's modular advantage (a whole cent, or at least as much with no higher
    # fee and an earlier name). This includes φ_r ≥ φ_c with P_c covered.
    # Reference cards in blocks, each against every candidate at once (references ×
    # candidates): one numpy pass per block instead of one per card, in bounded memory.
    block = max(1, _BLOCK_ELEMENTS // max(1, phi.size))
    for start in range(0, len(ref), block):
        r = ref[start : start + block]
        over = np.maximum(phi[None, :, :] - phi[r][:, None, :], 0.0) @ query.annual
        gap = over + bounds.surplus_many(phi[r])[:, cands]
        margin = mod[r][:, None] - mod[None, :] - gap
        strict = margin >= TOL + 0.001
        tie = (
            (margin >= -1e-9)
            & (fee[r][:, None] <= fee[None, :])
            & (rank[r][:, None] < rank[None, :])
        )
        counts += (strict | tie).sum(axis=0)
    # Groups of equal floors, each sorted best first (higher modular terms, lower fee,
    # earlier name): a member's dominators in its group come before it. Rows are grouped by
    # a fixed random projection (equal rows, equal keys; `beats` still compares the floors,
    # so a collision could only group cards that do not dominate each other).
    weights = np.random.default_rng(2026).random(phi.shape[1]) + 1.0
    _, group = np.unique(np.round(phi, 9) @ weights, return_inverse=True)
    group = group.ravel()
    order = np.lexsort((rank, fee, -mod, group))
    sorted_group = group[order]
    starts = np.r_[0, np.nonzero(np.diff(sorted_group))[0] + 1]
    sizes = np.diff(np.r_[starts, n])
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n) - np.repeat(starts, sizes)
    start_of = np.empty(n, dtype=np.int64)
    start_of[order] = np.repeat(starts, sizes)
    is_ref = np.zeros(n, dtype=bool)
    is_ref[ref] = True
    look = need + min(len(ref), need)
    # Every (member, one of the first `look` members before it) pair at once.
    width = np.minimum(position, look)
    rows = np.repeat(np.arange(n), width)
    if len(rows):
        offset = np.arange(len(rows)) - np.repeat(np.cumsum(width) - width, width)
        d = order[start_of[rows] + offset]
        hits = beats(d, rows) & ~is_ref[d]
        counts += np.bincount(rows[hits], minlength=n)
    return counts
