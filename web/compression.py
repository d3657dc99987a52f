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

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class HtmlGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for whole HTML responses only (see the module doc)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
