"""Whatever bytes arrive, reading them either works or raises StatementError, nothing else."""

from __future__ import annotations

import contextlib
import copy
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statements import ColumnMapping, StatementError, Summary, read_statements
from statements.values import parse_amount, parse_date
from tests.statements.helpers import sample

# One header of every format, plus the first row of a headerless Wells Fargo export.
HEADERS = [
    "Transaction Date,Post Date,Description,Category,Type,Amount,Memo",
    "Date,Description,Card Member,Account #,Amount,Extended Details,Country,Category",
    "Transaction Date,Clearing Date,Description,Merchant,Category,Type,Amount (USD)",
    "Trans. Date,Post Date,Description,Amount,Category",
    "Date,Merchant,Value",
    "Date,Description,Amount",
    "Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit",
    "Status,Date,Description,Debit,Credit,Member Name",
    "Posted Date,Reference Number,Payee,Address,Amount",
    "Date,Transaction,Name,Memo,Amount",
    "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #",
    '"01/02/2026","-1.00","*","","SHOP"',
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "01/02/2026",
            "2026-02-30",
            "13/45/2026",
            "-12.00",
            "$1,234.56",
            "(5.00)",
            "1.234,56",
            "",
            "*",
            "Sale",
            "Payment",
            "Return",
            "DEBIT",
            "CREDIT",
            "Purchase",
            "Groceries",
            "Travel",
            "UNITED KINGDOM",
            "SAFEWAY #12 LONDON GBR",
            "PAYMENT THANK YOU",
            '"quoted, cell"',
            '"unclosed',
            "EUR 12.00",
        ]
    ),
    st.text(max_size=30),
)


def _only_statement_errors(files: list[tuple[str, bytes]], **kwargs: object) -> None:
    try:
        summary = read_statements(files, **kwargs)
    except StatementError as error:
        assert str(error)
        return
    # What came out must survive the session round trip as well.
    assert Summary.from_dict(summary.to_dict()) == summary


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_raise_only_statement_errors(data: bytes) -> None:
    _only_statement_errors([("random.csv", data)])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_raises_only_statement_errors(text: str) -> None:
    _only_statement_errors([("random.csv", text.encode("utf-8", "surrogatepass"))])


@settings(max_examples=300, deadline=None)
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=9), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_known_headers_with_random_rows_raise_only_statement_errors(
    header: str, rows: list[list[str]], encoding: str, newline: str
) -> None:
    text = newline.join([header, *(",".join(row) for row in rows)])
    data = text.encode(encoding, "replace")

    _only_statement_errors([("statement.csv", data)])


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=10),
    mapping=st.builds(
        ColumnMapping,
        date=st.integers(-1, 6),
        description=st.integers(-1, 6),
        amount=st.one_of(st.none(), st.integers(-1, 6)),
        debit=st.one_of(st.none(), st.integers(-1, 6)),
        credit=st.one_of(st.none(), st.integers(-1, 6)),
        purchases=st.sampled_from(["positive", "negative", "other"]),
        has_header=st.booleans(),
    ),
)
def test_any_mapping_on_any_unknown_file_raises_only_statement_errors(
    rows: list[list[str]], mapping: ColumnMapping
) -> None:
    files = [
        (
            "mine.csv",
            "\n".join(",".join(row) for row in [["When", "What", "How much"], *rows]).encode(),
        )
    ]
    try:
        read_statements(files)
    except StatementError as error:
        unknown = getattr(error, "unknown", ())
        mappings = {layout.key: mapping for layout in unknown}
        _only_statement_errors(files, mappings=mappings)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=5),
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_session_data_reads_back_or_raises_a_statement_error(data: object) -> None:
    with contextlib.suppress(StatementError):
        Summary.from_dict(data)


BASE = read_statements([sample("chase.csv"), sample("amex.csv")]).to_dict()


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_summary_with_one_value_altered_reads_back_or_raises_a_statement_error(data) -> None:
    altered = copy.deepcopy(BASE)
    node = altered
    # Walk down a random path of the real summary and replace what is there.
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)) or data.draw(st.booleans()):
            node[key] = data.draw(JSON)
            break
        node = node[key]

    with contextlib.suppress(StatementError):
        Summary.from_dict(altered).monthly_spend()


NUMBERISH = st.text(alphabet="0123456789.,-+$() USD\u2212", max_size=40)


@settings(max_examples=500, deadline=None)
@given(st.one_of(NUMBERISH, st.text(max_size=40)))
def test_any_cell_is_an_amount_or_a_statement_error(text: str) -> None:
    with contextlib.suppress(StatementError):
        amount = parse_amount(text)
        assert amount is None or abs(amount) <= Decimal("1000000")


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789/-. :APMTZJanFebSept,", max_size=30), st.text()))
def test_any_cell_is_a_date_or_a_statement_error(text: str) -> None:
    with contextlib.suppress(StatementError):
        parse_date(text)
