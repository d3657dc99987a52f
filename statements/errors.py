"""Errors raised while reading statements: every one names the file and, where known, the line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Cell values quoted back in messages are cut short: a message is for a person, not a dump.
_QUOTE_LIMIT = 40


def quote(value: str) -> str:
    """A cell value as it appears inside an error message, shortened and in double quotes."""
    value = " ".join(value.split())
    if len(value) > _QUOTE_LIMIT:
        value = value[: _QUOTE_LIMIT - 1] + "…"
    return f'"{value}"'


class StatementError(Exception):
    """A statement upload that cannot be used, with a message fit to show to the person."""

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The whole message: "file, line N: problem"."""
        where = ", ".join(
            part for part in (self.file, f"line {self.line:,}" if self.line else None) if part
        )
        return f"{where}: {self.problem}" if where else self.problem

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class UnknownFormat:
    """A file whose header matches no known bank: what a mapping form needs to ask about it."""

    file: str
    # Groups files with the same layout: a mapping given for this key applies to all of them.
    key: str
    columns: tuple[str, ...]
    # Our guess; a form may let the person correct it (ColumnMapping.has_header).
    has_header: bool
    # The first few data rows, shown next to the columns so the person can recognise them.
    # Transaction data: render it in the response, never store or log it.
    samples: tuple[tuple[str, ...], ...] = field(default=())


class MappingRequired(StatementError):
    """Some files are in no format we know: the person must say which column holds what."""

    def __init__(self, unknown: Sequence[UnknownFormat]) -> None:
        self.unknown = tuple(unknown)
        names = ", ".join(item.file for item in self.unknown)
        noun = "this file's" if len(self.unknown) == 1 else "these files'"
        super().__init__(
            f"we don't recognise {noun} columns; tell us which column holds the date, "
            "the description and the amount (or debit and credit)",
            file=names,
        )
