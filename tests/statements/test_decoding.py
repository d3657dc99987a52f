"""Bytes to text: UTF-8 with or without BOM, Windows-1252, and UTF-16 from spreadsheets."""

from __future__ import annotations

import codecs

from statements import read_statements
from statements.decoding import decode
from tests.statements.helpers import money, totals

TEXT = "Date,Description,Amount\r\n01/02/2026,CAFÉ NOIR 12 BOSTON MA,4.50\r\n"


def test_utf8_with_and_without_bom_read_the_same() -> None:
    plain = decode("a.csv", TEXT.encode("utf-8"))
    with_bom = decode("a.csv", codecs.BOM_UTF8 + TEXT.encode("utf-8"))

    assert plain == with_bom == TEXT


def test_windows_1252_is_the_fallback() -> None:
    assert decode("a.csv", TEXT.encode("cp1252")) == TEXT


def test_utf16_with_its_bom_is_read() -> None:
    assert decode("a.csv", TEXT.encode("utf-16")) == TEXT


def test_a_dos_end_of_file_mark_is_ignored() -> None:
    assert decode("a.csv", TEXT.encode() + b"\x1a") == TEXT


def test_every_encoding_gives_the_same_totals() -> None:
    results = [
        totals(read_statements([("a.csv", data)]))
        for data in (
            TEXT.encode("utf-8"),
            codecs.BOM_UTF8 + TEXT.encode("utf-8"),
            TEXT.encode("cp1252"),
            TEXT.encode("utf-16"),
        )
    ]

    assert results == [{"dining": money("4.50")}] * 4
