"""HTML is gzipped for clients that accept it; the event stream and other responses never are."""

from __future__ import annotations

import gzip

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory

from web.compression import HtmlGZipMiddleware, _compress


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
