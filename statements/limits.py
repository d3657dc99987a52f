"""Limits on what one import may hold (docs/design.md section 9: uploads are size-limited)."""

from __future__ import annotations

from decimal import Decimal

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
# Counted across all the files of one import, because what the limit protects (memory and time
# of one request) grows with the total, not with any single file.
MAX_ROWS = 100_000
# A header wider than this is no card statement; it also keeps a mapping form small.
MAX_COLUMNS = 40
# One purchase above this is taken for a misread cell (an account number in the amount column).
MAX_AMOUNT = Decimal("1000000")
# The summary keeps at most this many merchants; the smallest are folded, per category, into one
# "other merchants" line, so a session never holds more than a few tens of kilobytes.
MAX_MERCHANTS = 400
# Rows above the header that a known export may hold (Bank of America's balance summary).
PREAMBLE_ROWS = 10
# Data rows shown next to the columns of a file that needs a mapping.
SAMPLE_ROWS = 5
