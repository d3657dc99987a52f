"""Read uploaded statement files into a Summary, entirely in memory, keeping no transaction."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from statements import classify
from statements.decoding import check_size, decode
from statements.errors import MappingRequired, StatementError, UnknownFormat
from statements.foreign import looks_foreign
from statements.formats import GENERIC_ID, BankFormat, Cells, Fields, detect, header_name
from statements.limits import MAX_COLUMNS, MAX_FILES, MAX_ROWS, PREAMBLE_ROWS, SAMPLE_ROWS
from statements.mapping import ColumnMapping, describe_unknown
from statements.normalise import identify, normalise, strip_bank_wording
from statements.skips import REFUND, skip_reason
from statements.summary import FileReport, Summary, build
from statements.values import parse_date

Row = tuple[int, list[str]]


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What a row's texts say, the same for every row with the same texts."""

    skip: str | None
    category: str
    merchant_key: str
    merchant_name: str


@dataclass
class _Totals:
    """What is kept while reading: totals per (category, merchant) and the date span."""

    merchants: dict[tuple[str, str], tuple[str, Decimal, int]] = field(default_factory=dict)
    # Rows with the same texts get the same verdict: most statements repeat their merchants.
    # Kept for one import only, so no description outlives the request.
    verdicts: dict[tuple[str, ...], _Verdict] = field(default_factory=dict)
    start: date | None = None
    end: date | None = None
    rows: int = 0

    def add(self, when: date, category: str, key: str, name: str, amount: Decimal) -> None:
        """Count one purchase."""
        _, total, count = self.merchants.get((category, key), (name, Decimal(0), 0))
        self.merchants[(category, key)] = (name, total + amount, count + 1)
        self.start = when if self.start is None else min(self.start, when)
        self.end = when if self.end is None else max(self.end, when)


def _csv_problem(error: csv.Error) -> str:
    """The csv module's complaint in plain words."""
    text = str(error)
    if "field larger" in text:
        return "a field is too long to be part of a statement"
    if "expected after" in text:
        return "badly quoted field: a closing quote must be followed by a comma"
    if "end of data" in text:
        return "a quoted field is never closed"
    return f"unreadable CSV ({text})"


def _rows(name: str, text: str) -> Iterator[Row]:
    """The non-blank rows of a CSV text with the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problem = _csv_problem(error)
            line = start if "never closed" in problem else max(reader.line_num, start)
            raise StatementError(problem, file=name, line=line) from None
        if any(cell.strip() for cell in cells):
            yield start, cells


def _first_row(name: str, rows: Iterator[Row]) -> Row:
    """The first non-blank row, refused if it cannot start a statement."""
    first = next(rows, None)
    if first is None:
        raise StatementError("the file holds no rows", file=name)
    line, cells = first
    if len(cells) < 2:
        raise StatementError(
            "this is not a CSV file: the first row has no comma-separated columns",
            file=name,
            line=line,
        )
    if len(cells) > MAX_COLUMNS:
        raise StatementError(
            f"the first row has {len(cells)} columns; a statement has at most {MAX_COLUMNS}",
            file=name,
            line=line,
        )
    return first


def _judge(bank_format: BankFormat | None, fields: Fields) -> _Verdict:
    """Skip reason from the bank's category or our keywords; else category and merchant."""
    description = normalise(fields.description)
    text = strip_bank_wording(description)
    details = normalise(fields.details)
    categories = bank_format.categories if bank_format else {}
    bank = classify.bank_category(categories, fields.bank_category)
    skip = bank[len(classify.SKIP) :] if bank and bank.startswith(classify.SKIP) else None
    skip = (
        skip or skip_reason(text) or (skip_reason(strip_bank_wording(details)) if details else None)
    )
    merchant = identify(fields.description, fields.merchant)
    foreign = looks_foreign(
        text,
        location=normalise(fields.location),
        country=normalise(fields.country),
        # The bank's own wording counts here: "PURCHASE INTL AUTHORIZED ON" says abroad.
        details=f"{description} {details}",
    )
    category = classify.choose(merchant, bank, foreign=foreign)
    return _Verdict(skip, category, merchant.key, merchant.name)


class _FileReader:
    """Reads the data rows of one file in a known format (or a person's mapping) into totals."""

    def __init__(self, name: str, totals: _Totals, bank_format: BankFormat | None) -> None:
        self.name = name
        self.totals = totals
        self.format = bank_format
        self.purchases = 0
        self.skipped: dict[str, int] = {}

    def read(self, rows: Iterator[Row], width: int, read_row: _RowReader) -> None:
        """Count every row of the file; StatementError names the first bad one."""
        data_rows = 0
        for line, cells in rows:
            data_rows += 1
            self.totals.rows += 1
            if self.totals.rows > MAX_ROWS:
                raise StatementError(
                    f"too many rows: together the files hold more than {MAX_ROWS:,} "
                    "transactions; upload fewer months at a time",
                    file=self.name,
                    line=line,
                )
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                raise StatementError(
                    f"{len(cells)} columns where the first row has {width}; is a comma "
                    "missing its quotes?",
                    file=self.name,
                    line=line,
                )
            try:
                self._count(read_row(cells))
            except StatementError as error:
                raise StatementError(error.problem, file=self.name, line=line) from None
        if data_rows == 0:
            raise StatementError("the file has a header row but no transactions", file=self.name)

    def _count(self, fields: Fields) -> None:
        """Count one row as a purchase or as skipped."""
        if not fields.date:
            raise StatementError("missing date")
        when = parse_date(fields.date)
        texts = (
            self.format.id if self.format else "",
            fields.description,
            fields.merchant,
            fields.location,
            fields.country,
            fields.details,
            fields.bank_category,
        )
        verdict = self.totals.verdicts.get(texts)
        if verdict is None:
            verdict = self.totals.verdicts[texts] = _judge(self.format, fields)
        # Order: the bank's type column, its category or our keywords, then the sign.
        reason = fields.skip or verdict.skip or (REFUND if fields.amount <= 0 else None)
        if reason:
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
            return
        self.totals.add(
            when, verdict.category, verdict.merchant_key, verdict.merchant_name, fields.amount
        )
        self.purchases += 1

    def report(self, format_id: str, label: str) -> FileReport:
        """What this file contributed."""
        return FileReport(self.name, format_id, label, self.purchases, dict(self.skipped))


class _RowReader:
    """Turns the cells of one row into Fields (a bank format or a person's mapping)."""

    def __init__(
        self, bank_format: BankFormat | None, index: dict[str, int], mapping: ColumnMapping | None
    ) -> None:
        self.format = bank_format
        self.index = index
        self.mapping = mapping

    def __call__(self, cells: list[str]) -> Fields:
        if self.mapping is not None:
            return self.mapping.read(cells)
        assert self.format is not None
        return self.format.read(Cells(cells, self.index))


def check_files(sizes: Sequence[tuple[str, int]]) -> None:
    """Refuse too many files or a file too big, from names and sizes alone (before reading)."""
    if not sizes:
        raise StatementError("no file was uploaded")
    if len(sizes) > MAX_FILES:
        raise StatementError(
            f"{len(sizes)} files were uploaded; the limit is {MAX_FILES} at a time"
        )
    for name, size in sizes:
        check_size(name, size)


def read_statements(
    files: Sequence[tuple[str, bytes]],
    mappings: Mapping[str, ColumnMapping] | None = None,
) -> Summary:
    """Statement files (name, bytes) as a Summary, or a StatementError naming file and line."""
    # MappingRequired (a StatementError) lists the files in unknown layouts that `mappings`
    # (keyed by UnknownFormat.key) does not cover. Nothing is written anywhere.
    check_files([(name, len(data)) for name, data in files])
    mappings = mappings or {}
    totals = _Totals()
    reports: list[FileReport] = []
    unknown: list[UnknownFormat] = []
    seen: dict[str, FileReport] = {}
    for name, data in files:
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            original = seen[digest]
            reports.append(
                FileReport(name, original.format, original.label, duplicate_of=original.name)
            )
            continue
        report = _read_file(name, data, totals, mappings, unknown)
        if report is not None:
            seen[digest] = report
            reports.append(report)
    if unknown:
        raise MappingRequired(unknown)
    if totals.start is None or totals.end is None:
        raise StatementError(
            "no purchases found: the files hold only payments, refunds, credits, transfers or fees",
            file=", ".join(name for name, _ in files),
        )
    return build(totals.merchants, totals.start, totals.end, reports)


def _read_file(
    name: str,
    data: bytes,
    totals: _Totals,
    mappings: Mapping[str, ColumnMapping],
    unknown: list[UnknownFormat],
) -> FileReport | None:
    """Read one file into totals; None when it needs a mapping (added to `unknown`)."""
    rows: Iterator[Row] = _rows(name, decode(name, data))
    first = _first_row(name, rows)
    bank_format = detect(first[1])
    if bank_format is None:
        # Some exports (Bank of America checking) put a balance summary above the header.
        peeked = list(itertools.islice(rows, PREAMBLE_ROWS))
        for position, row in enumerate(peeked):
            found = detect(row[1])
            if found is not None and found.has_header:
                first, bank_format = row, found
                rows = itertools.chain(peeked[position + 1 :], rows)
                break
        else:
            rows = itertools.chain(peeked, rows)
    width = len(first[1])
    if bank_format is not None:
        index: dict[str, int] = {}
        if bank_format.has_header:
            for position, cell in enumerate(first[1]):
                index.setdefault(header_name(cell), position)
            data_rows: Iterator[Row] = rows
        else:
            index = {str(position): position for position in range(width)}
            data_rows = itertools.chain([first], rows)
        reader = _FileReader(name, totals, bank_format)
        reader.read(data_rows, width, _RowReader(bank_format, index, None))
        return reader.report(bank_format.id, bank_format.label)
    samples = list(itertools.islice(rows, SAMPLE_ROWS))
    described = describe_unknown(name, first[1], [cells for _, cells in samples])
    mapping = mappings.get(described.key)
    if mapping is None:
        unknown.append(described)
        return None
    try:
        mapping.check(width)
    except StatementError as error:
        raise StatementError(error.problem, file=name) from None
    data_rows = itertools.chain(samples, rows)
    if not mapping.has_header:
        data_rows = itertools.chain([first], data_rows)
    reader = _FileReader(name, totals, None)
    reader.read(data_rows, width, _RowReader(None, {}, mapping))
    return reader.report(GENERIC_ID, "Your column choices")
