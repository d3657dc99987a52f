"""A profile's engine input crosses into a spawned engine process, which has no Django."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from catalog.models import CreditBand
from rewards.catalog import load_catalog
from wizard.models import SpendingProfile

ROOT = Path(__file__).resolve().parents[2]
UNPICKLE = "import pickle, sys; print(pickle.loads(sys.stdin.buffer.read()).options.credit_band)"


def test_the_engine_input_of_a_profile_made_in_python_unpickles_without_django() -> None:
    """A profile built in Python (not read back from the database) holds TextChoices members;
    passed on as they are, the engine process failed to unpickle them (AppRegistryNotReady)."""
    profile = SpendingProfile(
        monthly_spend={"groceries": "500"},
        credit_band=CreditBand.EXCELLENT,
        reward_kind=SpendingProfile.RewardKind.CASH,
        rank_by=SpendingProfile.RankBy.YEAR_ONE,
    )
    engine_input = profile.engine_input(load_catalog(ROOT / "data" / "catalog.json"), top_n=3)
    done = subprocess.run(
        [sys.executable, "-c", UNPICKLE],
        input=pickle.dumps(engine_input),
        capture_output=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == "excellent"
    assert engine_input.options.reward_kinds == frozenset({"cash"})
