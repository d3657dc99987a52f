"""Fixtures for the what-if tests: the shipped catalog, a saved answer whose results were shown."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.engine_catalog import clear_memo
from whatif.answers import rendered_answers
from wizard.models import SpendingProfile

T = TypeVar("T")

CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
SAVED_SPEND = {"groceries": "600", "dining": "250", "gas": "120", "other": "900"}
# Travel-heavy amounts: the saved answer's cards drop out of the lists.
TRAVEL_SPEND = {**SAVED_SPEND, "dining": "900", "airfare": "800", "hotels": "600"}


@pytest.fixture
def shipped_catalog(db: None) -> None:
    """The real card catalog, imported as `make run` does."""
    clear_memo()
    rendered_answers.clear()  # answers rendered by an earlier test's sockets
    call_command("import_cards", str(CATALOG), verbosity=0)


@pytest.fixture
def profile(shipped_catalog: None) -> SpendingProfile:
    """Saved answers for up to 2 cards, whose results page has been shown."""
    saved = SpendingProfile(wallet_size=2, results_shown_at=timezone.now())
    saved.set_spend({category: Decimal(amount) for category, amount in SAVED_SPEND.items()})
    saved.preferences_saved = True
    saved.save()
    return saved


def message(spend: dict[str, str], wallet_size: int = 2, **extra: object) -> dict[str, object]:
    """What htmx's WebSocket extension sends for the panel's form."""
    return {
        **spend,
        "wallet_size": str(wallet_size),
        "HEADERS": {"HX-Request": "true", "HX-Trigger": "whatif-form", "HX-Target": None},
        **extra,
    }


def run(main: Callable[[], Awaitable[T]], timeout: float = 180) -> T:
    """asyncio.run in a thread of its own: a browser test's event loop may be running here."""
    outcome: list[T | BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(main()))  # type: ignore[arg-type]
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=timeout)
    assert outcome, f"still running after {timeout} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
