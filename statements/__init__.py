"""Bank and card statement import: CSV exports to monthly spending per category (no Django).

Files are read in memory and never written anywhere; only per-merchant totals survive, in a
Summary whose to_dict() is small enough for a session. See docs/statements.md.
"""

from __future__ import annotations

from statements.errors import MappingRequired, StatementError, UnknownFormat
from statements.limits import MAX_FILE_BYTES, MAX_FILES, MAX_ROWS
from statements.mapping import NEGATIVE, POSITIVE, ColumnMapping
from statements.reader import check_files, read_statements
from statements.summary import CategoryTotal, FileReport, MerchantTotal, Summary

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "NEGATIVE",
    "POSITIVE",
    "CategoryTotal",
    "ColumnMapping",
    "FileReport",
    "MappingRequired",
    "MerchantTotal",
    "StatementError",
    "Summary",
    "UnknownFormat",
    "check_files",
    "read_statements",
]
