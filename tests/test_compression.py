"""HTML is gzipped for clients that accept it; the event stream and other responses never are."""

from __future__ import annotations

import gzip
import re

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from web.compression import FilledPage, HoledPage, HtmlGZipMiddleware, _compress
from web.pagecache import CSRF_HOLE


@pytest.mark.django_db
def test_pages_are_gzipped_when_the_client_accepts_it(shipped_catalog: None) -> None:
    client = Client()
    for path in ("/", "/cards/", "/wizard/spending/"):
        plain = client.get(path)
        zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain
        assert zipped["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in zipped["Vary"]
        html = gzip.decompress(zipped.content).decode()
        assert html.startswith("<!doctype html>") and "</html>" in html
        # (At most 99 random bytes of padding: the home page is 3.3 KB, 1.6 KB gzipped.)
        assert len(zipped.content) < len(plain.content) * 0.6


@pytest.mark.django_db
def test_json_is_left_alone(shipped_catalog: None) -> None:
    response = Client().get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response


def test_the_event_stream_is_never_compressed() -> None:
    request = RequestFactory().get("/results/x/stream/", headers={"Accept-Encoding": "gzip"})
    middleware = HtmlGZipMiddleware(lambda request: HttpResponse())
    events = [b"event: progress\ndata: <p>Working</p>\n\n" * 20]
    stream = StreamingHttpResponse(iter(events), content_type="text/event-stream")
    assert "Content-Encoding" not in middleware.process_response(request, stream)
    whole = HttpResponse(events[0] * 5, content_type="text/event-stream")
    assert "Content-Encoding" not in middleware.process_response(request, whole)
    html = HttpResponse(b"<p>" + b"x" * 500 + b"</p>", content_type="text/html; charset=utf-8")
    assert middleware.process_response(request, html)["Content-Encoding"] == "gzip"


def test_compressed_pages_keep_djangos_random_padding_against_breach() -> None:
    # "Heal The Breach": each compressed response carries 0-99 random bytes in its gzip header,
    # so an attacker comparing lengths learns nothing reliable. The faster level keeps it.
    request = RequestFactory().get("/cards/", headers={"Accept-Encoding": "gzip"})
    middleware = HtmlGZipMiddleware(lambda request: HttpResponse())
    page = b"<!doctype html><p>" + b"card facts " * 400 + b"</p>"
    lengths = set()
    for _ in range(20):
        response = middleware.process_response(
            request, HttpResponse(page, content_type="text/html; charset=utf-8")
        )
        assert gzip.decompress(response.content) == page
        assert response["Content-Length"] == str(len(response.content))
        lengths.add(len(response.content))
    assert len(lengths) > 5


def test_without_padding_the_page_is_plain_gzip() -> None:
    """max_random_bytes = 0 turns Django's padding off; it must not raise."""
    compressed = _compress(b"<p>hello</p>" * 100, 0)
    assert gzip.decompress(compressed) == b"<p>hello</p>" * 100
    assert compressed[3] & gzip.FNAME == 0


HOLE = CSRF_HOLE.encode()


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.binary(max_size=3000), min_size=1, max_size=5),
    fill=st.binary(max_size=70_000),
    padding=st.sampled_from([0, 100]),
)
def test_a_page_compressed_ahead_unzips_to_the_page_with_its_holes_filled(
    pieces: list[bytes], fill: bytes, padding: int
) -> None:
    # Any bytes around the holes (also ones that look like deflate headers), any fill (also one
    # longer than a stored block holds), with and without the random padding.
    pieces = [piece.replace(HOLE, b"") for piece in pieces]
    page = HoledPage.build(HOLE.join(pieces), [HOLE])
    assert page.body({HOLE: fill}) == fill.join(pieces)
    assert gzip.decompress(page.gzip({HOLE: fill}, padding)) == fill.join(pieces)


OTHER = b"__answers_hole__"


@settings(max_examples=100, deadline=None)
@given(
    parts=st.lists(st.tuples(st.binary(max_size=2000), st.sampled_from([HOLE, OTHER])), max_size=6),
    last=st.binary(max_size=2000),
    token=st.binary(min_size=64, max_size=64),
    answers=st.text(max_size=3000).map(str.encode),
)
def test_a_page_with_two_kinds_of_hole_gets_each_its_own_fill(
    parts: list[tuple[bytes, bytes]], last: bytes, token: bytes, answers: bytes
) -> None:
    # Short fills go as stored blocks, long ones deflated on their own: both must unzip.
    clean = [(piece.replace(HOLE, b"").replace(OTHER, b""), hole) for piece, hole in parts]
    page = HoledPage.build(b"".join(piece + hole for piece, hole in clean) + last, [HOLE, OTHER])
    fills = {HOLE: token, OTHER: answers}
    expected = b"".join(piece + fills[hole] for piece, hole in clean) + last
    assert page.body(fills) == expected
    assert gzip.decompress(page.gzip(fills, 100)) == expected


@pytest.mark.django_db
def test_cached_pages_are_served_compressed_ahead_and_unzip_to_the_plain_page(
    shipped_catalog: None,
) -> None:
    client = Client()
    for path in ("/cards/", "/cards/chase-sapphire-preferred/", "/wizard/spending/"):
        client.get(path)  # rendered into the page cache
        plain = client.get(path)
        zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert zipped["Content-Encoding"] == "gzip"
        assert zipped["Content-Length"] == str(len(zipped.content))
        html = gzip.decompress(zipped.content)
        # The same page but for the visitor's masked CSRF token, which differs per response.
        token = re.compile(rb'(?<=")[A-Za-z0-9]{64}(?=")')
        assert len(token.findall(html)) >= 1
        assert token.sub(b"T", html) == token.sub(b"T", plain.content)
        assert HOLE not in html


def test_a_body_changed_after_the_page_cache_is_compressed_as_it_is_now() -> None:
    # A middleware (or view) that edits the body after the page cache filled it in must not get
    # the page compressed ahead: the middleware compresses what the response holds.
    request = RequestFactory().get("/cards/", headers={"Accept-Encoding": "gzip"})
    middleware = HtmlGZipMiddleware(lambda request: HttpResponse())
    page = HoledPage.build(b"<p>" + b"card facts " * 100 + HOLE + b"</p>", [HOLE])
    body = page.body({HOLE: b"token"})
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response.filled_page = FilledPage(page, {HOLE: b"token"}, body)
    response.content = body.replace(b"card facts", b"edited fact")
    zipped = middleware.process_response(request, response)
    assert gzip.decompress(zipped.content) == body.replace(b"card facts", b"edited fact")
