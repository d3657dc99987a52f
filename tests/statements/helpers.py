"""Shared by the statement tests: sample files and a short way to read them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from statements import ColumnMapping, Summary, read_statements

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> tuple[str, bytes]:
    """One sample file as an upload: (name, bytes)."""
    return name, (SAMPLES / name).read_bytes()


def read(*names: str, mappings: dict[str, ColumnMapping] | None = None) -> Summary:
    """The summary of some sample files."""
    return read_statements([sample(name) for name in names], mappings)


def totals(summary: Summary) -> dict[str, Decimal]:
    """The categories with purchases and their totals."""
    return {category: total for category, total in summary.category_totals().items() if total}


def money(value: str) -> Decimal:
    """A dollar amount as the tests write it."""
    return Decimal(value)
