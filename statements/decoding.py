"""Bytes of an uploaded file to text: UTF-8 (with or without BOM), else Windows-1252."""

from __future__ import annotations

import codecs
import re

from statements.errors import StatementError
from statements.limits import MAX_FILE_BYTES

# Files people pick by mistake, told apart by their first bytes so the message can say what
# the file is and what to do instead.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a spreadsheet or zip archive (such as .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an Excel workbook (.xls)"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"\x1f\x8b", "a compressed archive"),
)
_NOT_CSV_TEXT: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\A\s*(OFXHEADER|<\?OFX|<OFX>)", re.I), "a Quicken/OFX file (.qfx/.ofx)"),
    (re.compile(r"\A\s*!Type:", re.I), "a Quicken QIF file"),
    (re.compile(r"\A\s*<", re.I), "a web page or XML file"),
    (re.compile(r"\A\s*[\[{]"), "a JSON file"),
)
# C0 control characters other than tab, line feed and carriage return never occur in a
# statement export; they mean a binary file that happened to decode.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def megabytes(size: int) -> str:
    """A byte count as people read file sizes, rounded up so that over the limit shows so."""
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths // 10}.{tenths % 10} MB"


def check_size(name: str, size: int) -> None:
    """Refuse a file over the per-file limit before its bytes are even read."""
    if size > MAX_FILE_BYTES:
        raise StatementError(
            f"the file is {megabytes(size)}; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB "
            "per file",
            file=name,
        )


def _line_of(data: bytes, offset: int) -> int:
    """The line a byte offset falls on."""
    return data.count(b"\n", 0, offset) + 1


def _not_csv(name: str, what: str) -> StatementError:
    """The error for a file that is something other than a CSV."""
    return StatementError(
        f"this is not a CSV file: it looks like {what}. Export your statement as CSV "
        "(comma-separated values) and upload that",
        file=name,
    )


def decode(name: str, data: bytes) -> str:
    """The text of a statement file, or a StatementError saying why it cannot be read."""
    check_size(name, len(data))
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _not_csv(name, what)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Some spreadsheet programs save "Unicode text" as UTF-16; decode it rather than refuse.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise StatementError(
                "the file says it is UTF-16 text but is not readable as such",
                file=name,
                line=_line_of(data, error.start),
            ) from None
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise _not_csv(name, "a binary file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Windows-1252 is what US banks' older export code and Excel on Windows write.
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                raise StatementError(
                    "the text is neither UTF-8 nor Windows-1252; save it again as UTF-8 CSV",
                    file=name,
                    line=_line_of(data, error.start),
                ) from None
    text = text.lstrip("\ufeff").rstrip("\x1a")  # a stray BOM after UTF-16; DOS end-of-file mark
    if not text.strip():
        raise StatementError("the file is empty", file=name)
    for pattern, what in _NOT_CSV_TEXT:
        if pattern.match(text):
            raise _not_csv(name, what)
    control = _CONTROL.search(text)
    if control:
        raise StatementError(
            "this is not a CSV file: it holds control characters that text files never have",
            file=name,
            line=text.count("\n", 0, control.start()) + 1,
        )
    return text
