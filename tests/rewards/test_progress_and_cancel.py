"""Progress reports during a search, and stopping a search from another thread."""

from __future__ import annotations

import threading

import pytest

from bench.synthetic import SPEND_PROFILES, synthetic_catalog
from rewards.engine import Options, SearchCancelled, Wallet, recommend


def test_progress_reports_each_phase_from_start_to_end() -> None:
    calls: list[tuple[str, int, int, object]] = []
    catalog = synthetic_catalog(60)
    recommend(catalog, SPEND_PROFILES["household"], progress=lambda *call: calls.append(call))
    phases = [phase for phase, *_ in calls]
    assert phases[0] == "singles" and phases[-1] == "triples"
    assert sorted(set(phases)) == ["pairs", "singles", "triples"]
    for phase in ("singles", "pairs", "triples"):
        mine = [(done, total) for p, done, total, _ in calls if p == phase]
        assert mine[0][0] == 0 and mine[-1][0] == mine[-1][1] > 0
        assert all(0 <= done <= total for done, total in mine)
        assert [done for done, _ in mine] == sorted(done for done, _ in mine)
    assert isinstance(calls[-1][3], Wallet)
    assert len(calls) < 50  # a modest rate


def test_a_set_event_cancels_the_search() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(SearchCancelled):
        recommend(synthetic_catalog(60), SPEND_PROFILES["household"], cancel=stop)


def test_a_cancel_callable_stops_the_search_midway() -> None:
    checks = []

    def cancel() -> bool:
        checks.append(1)
        return len(checks) > 20

    with pytest.raises(SearchCancelled):
        recommend(synthetic_catalog(300), SPEND_PROFILES["household"], cancel=cancel)


def test_without_cancellation_the_search_finishes() -> None:
    result = recommend(synthetic_catalog(60), SPEND_PROFILES["light"], Options(top_n=3))
    assert [len(wallets) for wallets in result.wallets.values()] == [3, 3, 3]
