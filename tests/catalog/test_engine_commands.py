"""manage.py recommend and roadmap as a newcomer meets them: no secret key, no migrate, an empty
database — each a clear one-line error or a working answer, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from catalog.management.commands.roadmap import Command as RoadmapCommand
from devtools.servers import manage, production_environment
from rewards.cli import NO_CARDS, NO_DATABASE
from tests.catalog.conftest import SMALL_CATALOG

ROADMAP = ["--spend", "groceries=600", "dining=200", "--today", "2026-12", "--top", "2", "--json"]
RECOMMEND = ["--spend", "groceries=600", "--wallet-size", "1", "--top", "2", "--json"]


def test_a_fresh_checkout_runs_both_commands_on_a_catalog_file(
    tmp_path: Path, write_catalog: Callable
) -> None:
    env = production_environment(tmp_path)
    del env["DJANGO_SECRET_KEY"]  # neither a secret key nor DJANGO_DEBUG, and no migrate
    path = str(write_catalog(SMALL_CATALOG))
    roadmap = manage(env, "roadmap", "--catalog", path, *ROADMAP, check=False)
    assert roadmap.returncode == 0, roadmap.stderr
    assert json.loads(roadmap.stdout)["plans"][0]["applications"]
    recommend = manage(env, "recommend", "--catalog", path, *RECOMMEND, check=False)
    assert recommend.returncode == 0, recommend.stderr
    assert json.loads(recommend.stdout)["wallets"]["1"]
    for command, argv in (("roadmap", ROADMAP), ("recommend", RECOMMEND)):
        before_migrate = manage(env, command, *argv, check=False)
        assert before_migrate.returncode == 2
        assert before_migrate.stderr == f"{command}: error: {NO_DATABASE}\n"
        bad = manage(env, command, "--spend", "Travel=100", "--top", "0", check=False)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        assert bad.stderr.count("\n") == 1


@pytest.mark.django_db
def test_an_empty_database_says_how_to_load_cards(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        RoadmapCommand().run_from_argv(["manage.py", "roadmap", *ROADMAP])
    assert stop.value.code == 2
    assert capsys.readouterr().err == f"roadmap: error: {NO_CARDS}\n"
