"""The generic fallback: a person says which column holds what in a layout we don't know."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from statements.errors import StatementError, UnknownFormat
from statements.formats import Cells, Fields, debit_credit, header_name
from statements.limits import SAMPLE_ROWS
from statements.values import parse_amount, parse_date

POSITIVE = "positive"
NEGATIVE = "negative"


@dataclass(frozen=True)
class ColumnMapping:
    """Which column (0-based) holds the date, description and amount of an unknown layout."""

    # Either `amount`, with `purchases` saying whether purchases are "positive" or "negative"
    # in it, or `debit` (purchases) with an optional `credit` column (payments and refunds).

    date: int
    description: int
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    purchases: str = NEGATIVE
    # Whether the first row holds column names rather than a transaction.
    has_header: bool = True

    def check(self, width: int) -> None:
        """Refuse a mapping that names no amount, a column twice, or a column the file lacks."""
        if (self.amount is None) == (self.debit is None):
            raise StatementError("choose either an amount column or a debit column")
        if self.amount is not None and self.purchases not in (POSITIVE, NEGATIVE):
            raise StatementError('say whether purchases are "positive" or "negative"')
        used = [
            column
            for column in (self.date, self.description, self.amount, self.debit, self.credit)
            if column is not None
        ]
        if len(set(used)) != len(used):
            raise StatementError("each column can only be chosen once")
        if any(not 0 <= column < width for column in used):
            raise StatementError(f"the file has {width} columns; choose among those")

    def read(self, cells: Sequence[str]) -> Fields:
        """One row as Fields, purchases positive."""
        named = Cells(cells, {str(position): position for position in range(len(cells))})
        if self.amount is not None:
            amount = named.amount(str(self.amount))
            amount = amount if self.purchases == POSITIVE else -amount
        else:
            credit = str(self.credit) if self.credit is not None else "no credit column"
            amount = debit_credit(named, str(self.debit), credit)
        return Fields(
            date=named.get(str(self.date)),
            description=named.get(str(self.description)),
            amount=amount,
        )

    def to_dict(self) -> dict[str, Any]:
        """The mapping as a JSON-able dict (for a hidden form field)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """A mapping from to_dict() output or form data; a StatementError if malformed."""

        def column(name: str) -> int | None:
            """A column number from a form value; None when left empty."""
            value = data.get(name)
            if value in (None, ""):
                return None
            try:
                return int(value)
            except (TypeError, ValueError):
                raise StatementError(f"the {name} column must be a column number") from None

        date, description = column("date"), column("description")
        if date is None or description is None:
            raise StatementError("choose the date column and the description column")
        has_header = data.get("has_header", True)
        return cls(
            date=date,
            description=description,
            amount=column("amount"),
            debit=column("debit"),
            credit=column("credit"),
            purchases=str(data.get("purchases", NEGATIVE)),
            has_header=has_header not in (False, "false", "False", "0", "", "off"),
        )


def _readable(cell: str) -> bool:
    """Whether a cell reads as a date or an amount (a sign the row is data, not a header)."""
    try:
        parse_date(cell)
        return True
    except StatementError:
        pass
    try:
        return parse_amount(cell) is not None
    except StatementError:
        return False


def layout_key(first_row: Sequence[str], has_header: bool) -> str:
    """A short key shared by files of one layout, so one mapping serves all of them."""
    if has_header:
        text = "h\x1f" + "\x1f".join(header_name(cell) for cell in first_row)
    else:
        text = f"n\x1f{len(first_row)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def describe_unknown(
    name: str, first_row: Sequence[str], rows: Sequence[Sequence[str]]
) -> UnknownFormat:
    """What a mapping form shows for a file of an unknown layout."""
    has_header = not any(_readable(cell) for cell in first_row if cell.strip())
    if has_header:
        columns = tuple(
            cell.strip() or f"Column {position + 1}" for position, cell in enumerate(first_row)
        )
        samples = rows[:SAMPLE_ROWS]
    else:
        columns = tuple(f"Column {position + 1}" for position in range(len(first_row)))
        samples = [first_row, *rows[: SAMPLE_ROWS - 1]]
    return UnknownFormat(
        file=name,
        key=layout_key(first_row, has_header),
        columns=columns,
        has_header=has_header,
        samples=tuple(tuple(cell.strip() for cell in row) for row in samples),
    )
