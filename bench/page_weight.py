"""Page weight: gzip sizes of the JS and CSS the pages load, and no third-party requests.

docs/design.md section 8: JS <= 25 KB gzip in total, CSS <= 15 KB gzip, no third-party requests.

A uvicorn worker (production settings, whitenoise with compressed, hashed static files) serves a
temporary site. The HTML of each page is parsed for what a browser would fetch: <script src>,
<link rel=stylesheet>, other <link href> (icons, preloads), <img>, <iframe>, <source>, <video>,
<audio>, <object>, <embed>, inline style url(...), and url(...) / @import inside the
stylesheets. Each JS and CSS file is fetched with `Accept-Encoding: gzip` and its size on the
wire counted (whitenoise serves a pre-compressed .gz); the gzip -9 size of the plain file is
shown beside it as a check. KB here means 1,000 bytes (KiB in brackets).

Pages: /, /wizard/spending/, /wizard/preferences/, /wizard/review/, /cards/, a card's page,
/cards/compare/ with two cards, a results page (a new profile, so the live-stream version), the
card-plan form and a plan page (live-stream version too).

Run: .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
from common import (
    Row,
    bench_site,
    note,
    post_plan,
    print_table,
    start_profile,
    uvicorn_one_worker,
)

JS_BUDGET = 25_000
CSS_BUDGET = 15_000

CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


@dataclass
class PageAssets:
    scripts: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # icons, images, frames: fetched too
    inline_scripts: int = 0


class AssetParser(HTMLParser):
    """Everything in a page that makes the browser send a request."""

    def __init__(self) -> None:
        super().__init__()
        self.assets = PageAssets()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "script":
            if attr.get("src"):
                self.assets.scripts.append(attr["src"])
            elif attr.get("type", "text/javascript") in ("", "text/javascript", "module"):
                self._in_script = True
        elif tag == "link" and attr.get("href"):
            rel = attr.get("rel", "").lower().split()
            if "stylesheet" in rel:
                self.assets.stylesheets.append(attr["href"])
            elif {"icon", "preload", "modulepreload", "prefetch", "manifest"} & set(rel) or (
                "apple-touch-icon" in rel
            ):
                self.assets.other.append(attr["href"])
        elif tag in ("img", "iframe", "source", "video", "audio", "embed", "track", "input"):
            for name in ("src", "poster"):
                if attr.get(name):
                    self.assets.other.append(attr[name])
            for candidate in attr.get("srcset", "").split(","):
                if candidate.strip():
                    self.assets.other.append(candidate.split()[0])
        elif tag == "object" and attr.get("data"):
            self.assets.other.append(attr["data"])
        if attr.get("style"):
            self.assets.other += [a or b for a, b in CSS_URL.findall(attr["style"])]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.assets.inline_scripts += 1


@dataclass
class Asset:
    url: str
    wire: int  # bytes on the wire with Accept-Encoding: gzip
    encoding: str
    plain: int
    gzip9: int
    brotli: int | None
    cache_control: str


def fetch_asset(client: httpx.Client, url: str) -> tuple[Asset, bytes]:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200, (url, plain.status_code)
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    br = client.get(url, headers={"Accept-Encoding": "br"})
    brotli = (
        int(br.headers["content-length"]) if br.headers.get("content-encoding") == "br" else None
    )
    wire = int(gz.headers.get("content-length") or len(gz.content))
    return (
        Asset(
            url=url,
            wire=wire,
            encoding=gz.headers.get("content-encoding", "identity"),
            plain=len(plain.content),
            gzip9=len(gzip.compress(plain.content, compresslevel=9)),
            brotli=brotli,
            cache_control=gz.headers.get("cache-control", ""),
        ),
        plain.content,
    )


def kb(size: float) -> str:
    return f"{size / 1000:.1f} KB ({size / 1024:.1f} KiB)"


def main() -> None:
    with (
        bench_site("weight") as (workdir, env),
        uvicorn_one_worker(env, workdir) as server,
        server.client() as client,
    ):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(server.base_url))
        token = start_profile(client)
        cards = re.findall(r'href="(/cards/[\w-]+/)"', client.get("/cards/").text)
        slugs = [path.strip("/").split("/")[1] for path in cards if "compare" not in path]
        pages = [
            "/",
            "/wizard/spending/",
            "/wizard/preferences/",
            "/wizard/review/",
            "/cards/",
            f"/cards/{slugs[0]}/",
            f"/cards/compare/?cards={slugs[0]},{slugs[1]}",
            f"/results/{token}/",
            f"/plan/?answers={token}",
            post_plan(client, token),
        ]
        page_assets: dict[str, PageAssets] = {}
        html_sizes: dict[str, tuple[int, int]] = {}
        third_party: list[str] = []
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (page, response.status_code)
            parser = AssetParser()
            parser.feed(response.text)
            page_assets[page] = parser.assets
            html_sizes[page] = (len(response.content), len(gzip.compress(response.content, 9)))
            urls = parser.assets.scripts + parser.assets.stylesheets + parser.assets.other
            third_party += [
                f"{page}: {url}"
                for url in urls
                if "{0.scheme}://{0.netloc}".format(urlsplit(urljoin(server.base_url, url)))
                != origin
            ]

        assets: dict[str, Asset] = {}
        for found in page_assets.values():
            for url in found.scripts + found.stylesheets:
                if url in assets:
                    continue
                asset, body = fetch_asset(client, url)
                assets[url] = asset
                if url in found.stylesheets:
                    for a, b in CSS_URL.findall(body.decode("utf-8", "replace")):
                        ref = urljoin(server.base_url + url, a or b)
                        if ref.startswith("data:"):
                            continue
                        if "{0.scheme}://{0.netloc}".format(urlsplit(ref)) != origin:
                            third_party.append(f"{url}: {ref}")
        csp = client.get("/").headers.get("content-security-policy", "")

    rows: list[Row] = []
    for url, asset in sorted(assets.items()):
        rows.append(
            Row(
                url.rsplit("/", 1)[-1],
                f"{asset.wire:,} B {asset.encoding} (plain {asset.plain:,}, gzip -9 "
                f"{asset.gzip9:,}, br {asset.brotli if asset.brotli is not None else '-':,})",
            )
        )
    js_totals = {p: sum(assets[u].wire for u in a.scripts) for p, a in page_assets.items()}
    css_totals = {p: sum(assets[u].wire for u in a.stylesheets) for p, a in page_assets.items()}
    scripts = {url for found in page_assets.values() for url in found.scripts}
    stylesheets = {url for found in page_assets.values() for url in found.stylesheets}
    all_js = sum(assets[url].wire for url in scripts)
    all_css = sum(assets[url].wire for url in stylesheets)
    heaviest_js = max(js_totals, key=js_totals.get)
    heaviest_css = max(css_totals, key=css_totals.get)
    rows += [
        Row(
            "JS gzip, all pages together",
            kb(all_js),
            f"<= {JS_BUDGET / 1000:.0f} KB",
            all_js <= JS_BUDGET,
        ),
        Row(f"JS gzip, heaviest page ({heaviest_js})", kb(js_totals[heaviest_js])),
        Row(
            "CSS gzip, all pages together",
            kb(all_css),
            f"<= {CSS_BUDGET / 1000:.0f} KB",
            all_css <= CSS_BUDGET,
        ),
        Row(f"CSS gzip, heaviest page ({heaviest_css})", kb(css_totals[heaviest_css])),
        Row(
            "third-party requests in pages and stylesheets",
            str(len(third_party)) if third_party else "none",
            "none",
            not third_party,
        ),
        Row(
            "CSP limits every fetch to the site itself",
            "yes" if "default-src 'self'" in csp and "http" not in csp else f"no: {csp}",
        ),
        Row(
            "static files: Cache-Control",
            "; ".join(sorted({a.cache_control or "(none)" for a in assets.values()})),
        ),
    ]
    for page, (plain, zipped) in html_sizes.items():
        found = page_assets[page]
        extra = f", {found.inline_scripts} inline scripts" if found.inline_scripts else ""
        rows.append(
            Row(
                f"HTML {page[:40]}",
                f"{zipped:,} B gzip ({plain:,} plain), {len(found.scripts)} JS, "
                f"{len(found.stylesheets)} CSS, {len(found.other)} other{extra}",
            )
        )
    for entry in third_party:
        note(f"third-party: {entry}")
    print_table("Page weight (bytes on the wire, Accept-Encoding: gzip)", rows)


if __name__ == "__main__":
    main()
