"""manage.py recommend: the engine's command line over the database catalog or a file."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from catalog.management.commands.recommend import Command
from catalog.models import Card
from devtools.servers import manage as run_manage
from devtools.servers import production_environment

SPEND = ["--spend", "groceries=600", "--wallet-size", "1", "--top", "3", "--json"]


def recommend(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command the way manage.py does (raw argv), in this process."""
    try:
        Command().run_from_argv(["manage.py", "recommend", *argv])
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.django_db
def test_it_ranks_the_active_cards_in_the_database(
    imported_small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = recommend(capsys, *SPEND)

    assert status == 0
    best = json.loads(out)["wallets"]["1"][0]
    # $600 a month on groceries: 5% on up to $500 a month, 1% on the rest = $312 a year.
    assert best["cards"] == ["top-category-cash"]
    assert best["ongoing_value"] == 312.0


@pytest.mark.django_db
def test_inactive_cards_are_not_recommended(
    imported_small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    card = Card.objects.get(slug="top-category-cash")
    card.active = False
    card.save()

    _, out, _ = recommend(capsys, *SPEND)

    ids = [wallet["cards"] for wallet in json.loads(out)["wallets"]["1"]]
    assert ["top-category-cash"] not in ids
    assert ids[0] == ["grocer-cash"]


@pytest.mark.django_db
def test_a_catalog_file_gives_the_same_answer_as_the_same_catalog_in_the_database(
    imported_small: dict[str, Any],
    write_catalog: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_catalog(imported_small)

    from_db = recommend(capsys, *SPEND)
    Card.objects.all().delete()
    from_file = recommend(capsys, "--catalog", str(path), *SPEND)

    assert from_db[0] == from_file[0] == 0
    assert json.loads(from_db[1]) == json.loads(from_file[1])


@pytest.mark.django_db
def test_bad_arguments_exit_with_status_2(
    imported_small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = recommend(capsys, "--spend", "groceries=lots", "--json")

    assert status == 2
    assert err.strip()


def test_it_runs_end_to_end_through_manage_py(tmp_path: Path, write_catalog: Callable) -> None:
    from tests.catalog.conftest import SMALL_CATALOG

    env = production_environment(tmp_path, DJANGO_DEBUG="1")

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return run_manage(env, *args, check=False)

    assert manage("migrate", "--noinput", "-v", "0").returncode == 0
    assert manage("import_cards", str(write_catalog(SMALL_CATALOG))).returncode == 0
    result = manage("recommend", *SPEND)
    bad = manage("recommend", "--wallet-size", "9")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["wallets"]["1"][0]["cards"] == ["top-category-cash"]
    assert bad.returncode == 2


def _all_recommended(out: str) -> set[str]:
    wallets = json.loads(out)["wallets"]
    return {card for size in wallets.values() for wallet in size for card in wallet["cards"]}


@pytest.mark.django_db
def test_a_closed_card_is_never_recommended_but_still_counts_when_held(
    imported_small: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    card = Card.objects.get(slug="top-category-cash")
    card.status = "closed"
    card.save()
    every_size = ["--spend", "groceries=600", "dining=300", "--top", "50", "--json"]

    _, out, _ = recommend(capsys, *every_size)
    status, held_out, _ = recommend(capsys, *every_size, "--held", "top-category-cash")

    assert "top-category-cash" not in _all_recommended(out)
    assert status == 0
    # Held, it earns in the wallets' plans (its groceries), but is never a new card.
    wallets = json.loads(held_out)["wallets"]["1"]
    assert any(row["card"] == "top-category-cash" for row in wallets[0]["plan"])
    assert "top-category-cash" not in _all_recommended(held_out)


def test_a_closed_card_in_a_catalog_file_is_never_recommended(
    small_catalog: dict[str, Any],
    write_catalog: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    small_catalog["cards"][2]["status"] = "closed"  # top-category-cash
    path = write_catalog(small_catalog)
    every_size = ["--spend", "groceries=600", "dining=300", "--top", "50", "--json"]

    status, out, err = recommend(capsys, "--catalog", str(path), *every_size)

    assert status == 0, err
    recommended = _all_recommended(out)
    assert "top-category-cash" not in recommended
    assert "grocer-cash" in recommended
