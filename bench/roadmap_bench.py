"""Roadmap benchmarks: the exact best plan and 4 alternatives (docs/roadmap.md).

Run: .venv/bin/python bench/roadmap_bench.py [--quick] [--runs N]

Shipped catalog, 24 months, up to 3 new cards, applications at least 3 months apart, the four
spend profiles of bench/synthetic.py: the CPU time of one roadmap on one core (process time,
BLAS limited to one thread; the machine is shared, so wall time is printed too), median of
several runs after a cold one (a fresh Catalog object: its compilation included), with ok/OVER
against the 1 s budget, and the search's counts: sequences valued (each with all its month
tuples at once), sequences valued exactly (with the minimum-spend lower bounds), month tuples
valued exactly, and month allocation problems solved. Then the same on the 1,000-card synthetic
catalog (no budget: the figures are reported). Nothing is asserted.
"""

from __future__ import annotations

import os

# One core: keep numpy's BLAS from using threads (must be set before numpy loads).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.common import machine  # noqa: E402
from bench.synthetic import SPEND_PROFILES, synthetic_catalog  # noqa: E402
from rewards.catalog import Catalog, load_catalog  # noqa: E402
from rewards.roadmap import Roadmap, RoadmapOptions, roadmap  # noqa: E402

SHIPPED = ROOT / "data" / "catalog.json"
OPTIONS = RoadmapOptions(today="2026-12", months=24, max_new=3, spacing=3, top=5)
BUDGET_MS = 1000.0


def timed(catalog: Catalog, spend: dict[str, float]) -> tuple[float, float, Roadmap]:
    """(process ms, wall ms, result) of one roadmap."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = roadmap(catalog, spend, OPTIONS)
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000, result


def row(name: str, profile: str, fresh: Callable[[], Catalog], runs: int, budget: bool) -> None:
    catalog = fresh()
    cold, _, result = timed(catalog, SPEND_PROFILES[profile])
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        c, w, result = timed(catalog, SPEND_PROFILES[profile])
        cpu.append(c)
        wall.append(w)
    median = statistics.median(cpu)
    stats = result.stats
    verdict = ("ok" if median <= BUDGET_MS else "OVER") if budget else "-"
    best = result.plans[0]
    print(
        f"{name:<18}{profile:<11}{len(catalog.cards):>6}{cold:>9.0f}{median:>11.0f}"
        f"{statistics.median(wall):>9.0f}{verdict:>6}{stats.nodes:>7}{stats.completed:>7}"
        f"{stats.schedules:>8}{stats.solves:>8}   {float(best.gain):>9,.2f}  "
        + " ".join(f"{a.card}@{a.month}" for a in best.applications)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs, shipped catalog only")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    print(f"{machine()}; numpy {np.__version__}")
    print(
        "roadmap: best plan + 4 alternatives, 24 months, up to 3 new cards, spacing 3; "
        "ms = process CPU time (one core); budget 1,000 ms on the shipped catalog"
    )
    print(
        f"{'catalog':<18}{'profile':<11}{'cards':>6}{'cold ms':>9}{'median ms':>11}"
        f"{'wall ms':>9}{'':>6}{'seqs':>7}{'exact':>7}{'tuples':>8}{'solves':>8}"
        f"   {'best gain':>9}  best plan"
    )
    for profile in SPEND_PROFILES:
        row("shipped", profile, lambda: load_catalog(SHIPPED), runs, budget=True)
    if args.quick:
        return
    big = synthetic_catalog(1000)
    for profile in SPEND_PROFILES:
        row("synthetic 1,000", profile, lambda: big, 1, budget=False)


if __name__ == "__main__":
    main()
