"""HTML compressed with gzip for clients that accept it; nothing else (issue 14).

Django's own GZipMiddleware does the work: it is maintained with Django, async-capable, and
since Django 4.2 it pads every compressed response with up to 100 random bytes in the gzip
header ("Heal The Breach"), which makes BREACH's length comparisons unreliable. Only HTML pages
that are not streamed are compressed:

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
"""

from __future__ import annotations

import gzip
import secrets

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

# zlib level 3, not Django's 6: on a 50 KB results page 0.2 ms instead of 0.9 ms of the worker's
# time per request, for about 12 % more bytes (7.2 KB -> ~8 KB); a cached page costs ~2 ms in all.
LEVEL = 3


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
        compressed = _compress(response.content, self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


def _compress(content: bytes, max_random_bytes: int) -> bytes:
    """gzip at LEVEL with Django's "Heal The Breach" padding: a file name of 0 to
    max_random_bytes - 1 random bytes in the gzip header (as django.utils.text.compress_string)."""
    data = gzip.compress(content, compresslevel=LEVEL, mtime=0)
    if not max_random_bytes:
        return data
    header = bytearray(data[:10])
    header[3] = gzip.FNAME
    name = b"a" * secrets.randbelow(max_random_bytes) + b"\x00"
    return bytes(header) + name + data[10:]
