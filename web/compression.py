"""HTML compressed with gzip for clients that accept it; nothing else (issue 14).

Django's own GZipMiddleware decides (it is maintained with Django, async-capable, and since
Django 4.2 it pads every compressed response with up to 100 random bytes in the gzip header,
"Heal The Breach", which makes BREACH's length comparisons unreliable); the deflating is ISA-L's
(see LEVEL), with the same padding. Only HTML pages that are not streamed are compressed:

- never the results event stream (text/event-stream): each event must reach the browser when
  it is sent, and a compressor holds bytes back;
- static files are compressed ahead of time by WhiteNoise's storage (.gz and .br beside each
  file, picked by Accept-Encoding), so there is nothing to do for them here.

BREACH needs a secret that is the same in every response and attacker-chosen text beside it in
the same compressed body. The pages that reflect input (the card search's query, the compare
page's ids) carry one secret, the CSRF token, and Django masks it with a fresh random value in
every response, so it is never the same twice; session ids live only in cookies, which are
never compressed. Results links are secrets, and results pages reflect no input. See
docs/performance.md (issue 14).

Pages served from the page cache (web/pagecache.py) are compressed once, not per request: a
`HoledPage` keeps the page cut at its holes (the CSRF token; step 1's answers) with every piece
deflated ahead of time, each piece by a compressor of its own (so no piece refers to another's
bytes, and the visitor's token never shares a compression window with any text), ended with a
sync flush so the pieces can be joined. A response then costs its fills (the token as a stored,
uncompressed deflate block; a long fill deflated on its own) and a CRC-32 of the page, instead
of compressing the whole page again (0.5 ms for a 100 KB results page).
"""

from __future__ import annotations

import gzip
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from isal import isal_zlib

from web.randomness import random_below

# Deflate by ISA-L (python-isal, `isal_zlib`: zlib's API, Intel's ISA-L underneath) at its level 1,
# not zlib's: the same deflate format (any gzip client reads it), two to four times faster and a
# little smaller than zlib at level 3 (which this used before: itself chosen over Django's 6 as
# 0.2 ms instead of 0.9 ms on a 50 KB results page). Step 1's answers, 6 KB deflated on every
# request: 1,458 bytes in 29-65 µs with zlib 3, 1,431 bytes in 13-16 µs with ISA-L 1, and step 1
# with saved answers 3.5 % cheaper in all (docs/performance.md, 2026-12-07).
LEVEL = 1


class HtmlGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for whole HTML responses only (see the module doc), at a faster level."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        # As GZipMiddleware.process_response does for whole responses, but at LEVEL.
        if len(response.content) < 200 or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        content = response.content
        prepared: FilledPage | None = getattr(response, "filled_page", None)
        if prepared is not None and prepared.body == content:
            compressed = prepared.page.gzip(prepared.fills, self.max_random_bytes)
        else:
            compressed = _compress(content, self.max_random_bytes)
        if len(compressed) >= len(content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


def _compress(content: bytes, max_random_bytes: int) -> bytes:
    """gzip at LEVEL with Django's "Heal The Breach" padding (see _padded_header)."""
    compressor = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
    deflated = compressor.compress(content) + compressor.flush()
    trailer = struct.pack("<II", isal_zlib.crc32(content), len(content) & 0xFFFFFFFF)
    return _padded_header(max_random_bytes) + deflated + trailer


def _padded_header(max_random_bytes: int) -> bytes:
    """A gzip member's 10-byte header (deflate, no time, OS unknown), plus Django's padding: a
    file name of 0 to max_random_bytes - 1 random bytes (as django.utils.text.compress_string),
    its length drawn from web.randomness (no system call per page)."""
    header = bytearray(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
    if not max_random_bytes:
        return bytes(header)
    header[3] = gzip.FNAME
    return bytes(header) + b"a" * random_below(max_random_bytes) + b"\x00"


def _deflated_piece(piece: bytes) -> bytes:
    """Raw deflate of one piece on its own, ended byte-aligned and not final (joinable)."""
    compressor = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
    return compressor.compress(piece) + compressor.flush(isal_zlib.Z_SYNC_FLUSH)


def _stored_blocks(data: bytes) -> bytes:
    """`data` as non-final stored deflate blocks (what sits between two pieces)."""
    out = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        out.append(struct.pack("<BHH", 0, len(chunk), 0xFFFF ^ len(chunk)) + chunk)
    return b"".join(out)


# A final, empty block of fixed Huffman codes: what ends the deflate stream.
_LAST_BLOCK = b"\x03\x00"


# A fill up to this long goes as it is (a stored block: a CSRF token, a short total); a longer
# one (a step's inputs with the visitor's answers) is deflated on its own.
STORED_AT_MOST = 512


def _fill_blocks(fill: bytes) -> bytes:
    return _stored_blocks(fill) if len(fill) <= STORED_AT_MOST else _deflated_piece(fill)


@dataclass(frozen=True)
class HoledPage:
    """A page with holes (placeholders, each possibly many times), its pieces deflated once."""

    pieces: tuple[bytes, ...]
    holes: tuple[bytes, ...]  # holes[i] sits between pieces[i] and pieces[i + 1]
    deflated: tuple[bytes, ...]

    @classmethod
    def build(cls, content: bytes, holes: Sequence[bytes]) -> HoledPage:
        # A capturing split keeps which hole each cut was: [piece, hole, piece, hole, ...].
        parts = re.split(b"(" + b"|".join(map(re.escape, holes)) + b")", content)
        pieces = tuple(parts[0::2])
        return cls(pieces, tuple(parts[1::2]), tuple(map(_deflated_piece, pieces)))

    def body(self, fills: Mapping[bytes, bytes]) -> bytes:
        """The page with every hole filled (a KeyError for a hole without a fill)."""
        out = [self.pieces[0]]
        for hole, piece in zip(self.holes, self.pieces[1:], strict=True):
            out += [fills[hole], piece]
        return b"".join(out)

    def gzip(self, fills: Mapping[bytes, bytes], max_random_bytes: int) -> bytes:
        """gzip of `body(fills)`, with _compress's padding, from the pieces deflated ahead."""
        blocks = {hole: _fill_blocks(fills[hole]) for hole in set(self.holes)}
        out = [_padded_header(max_random_bytes), self.deflated[0]]
        crc = isal_zlib.crc32(self.pieces[0])
        size = len(self.pieces[0])
        for hole, piece, deflated in zip(
            self.holes, self.pieces[1:], self.deflated[1:], strict=True
        ):
            fill = fills[hole]
            out += [blocks[hole], deflated]
            crc = isal_zlib.crc32(piece, isal_zlib.crc32(fill, crc))
            size += len(fill) + len(piece)
        out += [_LAST_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
        return b"".join(out)


@dataclass(frozen=True)
class FilledPage:
    """What a response from the page cache carries for HtmlGZipMiddleware: its page, its fills
    and the body they make (compressed ahead only while the response still holds that body)."""

    page: HoledPage
    fills: Mapping[bytes, bytes]
    body: bytes
