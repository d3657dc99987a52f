"""The vendored front-end files are exactly the versions package.json pins."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def manifest_entries() -> list[tuple[str, dict]]:
    return sorted(load(VENDOR / "manifest.json").items())


def test_package_json_pins_htmx_2_0_and_the_sse_2_2_and_ws_2_extensions_exactly() -> None:
    pins = load(ROOT / "package.json")["devDependencies"]
    assert re.fullmatch(r"2\.0\.\d+", pins["htmx.org"])
    assert re.fullmatch(r"2\.2\.\d+", pins["htmx-ext-sse"])
    assert re.fullmatch(r"2\.\d+\.\d+", pins["htmx-ext-ws"])


def test_the_lock_file_resolves_the_same_versions() -> None:
    pins = load(ROOT / "package.json")["devDependencies"]
    locked = load(ROOT / "package-lock.json")["packages"]
    for package, version in pins.items():
        assert locked[f"node_modules/{package}"]["version"] == version


@pytest.mark.parametrize(("name", "entry"), manifest_entries())
def test_each_vendored_file_comes_from_the_pinned_version(name: str, entry: dict) -> None:
    pins = load(ROOT / "package.json")["devDependencies"]
    assert entry["version"] == pins[entry["package"]]
    content = (VENDOR / name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == entry["sha256"]


def test_htmx_itself_reports_the_pinned_version() -> None:
    pinned = load(ROOT / "package.json")["devDependencies"]["htmx.org"]
    assert f'version:"{pinned}"' in (VENDOR / "htmx.min.js").read_text()


def test_the_sse_extension_registers_itself_with_htmx() -> None:
    assert 'htmx.defineExtension("sse"' in (VENDOR / "htmx-ext-sse.min.js").read_text()


def test_the_websocket_extension_registers_itself_with_htmx() -> None:
    assert 'htmx.defineExtension("ws"' in (VENDOR / "htmx-ext-ws.min.js").read_text()


def test_every_file_in_the_vendor_folder_is_in_the_manifest() -> None:
    on_disk = {path.name for path in VENDOR.iterdir()} - {"manifest.json"}
    assert on_disk == {name for name, _ in manifest_entries()}


def test_node_modules_copies_match_when_npm_has_installed_them() -> None:
    for name, entry in manifest_entries():
        source = ROOT / "node_modules" / entry["package"] / entry["source"]
        if not source.exists():
            pytest.skip("node_modules is not installed (run `make vendor` to refresh)")
        assert source.read_bytes() == (VENDOR / name).read_bytes()
