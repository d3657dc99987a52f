"""Shared helpers for the server benchmarks: a prepared site, servers, profiles, a figures table.

Every benchmark starts its own servers on a temporary site (production settings over plain
HTTP, a migrated SQLite database, the shipped catalog, collected static files, a fresh secret
key) and stops them however it ends. The helpers of devtools/servers.py do the heavy lifting.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import platform
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

import httpx  # noqa: E402

from devtools.servers import (  # noqa: E402
    RunningServer,
    free_port,
    manage,
    prepare_site,
    production_environment,
    running_server,
    uvicorn_command,
)

CATALOG = PROJECT_DIR / "data" / "catalog.json"
# The settings the hello-view comparison runs under: the real ones plus one bench-only route.
BENCH_SETTINGS = "bench.bench_settings"
# A typical profile: the wizard's "typical US household" preset (BLS 2023 averages).
TYPICAL = "preset"


@contextmanager
def bench_site(name: str, **overrides: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary site like `make run` prepares it; yields (its directory, its environment)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"ccg-bench-{name}-"))
    try:
        env = production_environment(workdir, **overrides)
        prepare_site(env)
        manage(env, "import_cards", str(CATALOG))
        yield workdir, env
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """The command pinned to some CPUs with taskset, when asked and available."""
    if cpus is None or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", cpus, *command]


@contextmanager
def uvicorn_one_worker(
    env: dict[str, str], workdir: Path, *, cpus: str | None = None, log_name: str = "uvicorn.log"
) -> Iterator[RunningServer]:
    """The README's uvicorn command with `--workers 1` (so the server's pid is the worker's)."""
    port = free_port()
    command = pinned(uvicorn_command(port, "--workers", "1"), cpus)
    with running_server(
        command, env, workdir / log_name, base_url=f"http://127.0.0.1:{port}"
    ) as server:
        yield server


def post_plan(client: httpx.Client, answers: str) -> str:
    """Post the card-plan form for these answers (24 months, up to 3 new cards, 3 months apart,
    nothing held); the plan page's path."""
    client.get(f"/plan/?answers={answers}")
    data = {
        "csrfmiddlewaretoken": client.cookies["csrftoken"],
        "answers": answers,
        "held-TOTAL_FORMS": "0",
        "held-INITIAL_FORMS": "0",
        "bonus-TOTAL_FORMS": "0",
        "bonus-INITIAL_FORMS": "0",
        "other_recent": "0",
        "months": "24",
        "max_new": "3",
        "spacing": "3",
    }
    response = client.post("/plan/", data=data)
    assert response.status_code == 302, response.text[:500]
    return response.headers["location"]


def start_profile(client: httpx.Client, spend: dict[str, str] | str = TYPICAL) -> str:
    """Walk the wizard like a browser without JavaScript; return the new profile's token.

    As tests/wizard/test_results_stream.py does: a new visitor each time, step 1 posted (or its
    "typical US household" preset), then the review page's "Find my cards" link.
    """
    client.cookies.clear()
    client.get("/wizard/spending/")
    csrf = client.cookies["csrftoken"]
    if spend == TYPICAL:
        # The preset button saves the household's amounts into the profile at once.
        data = {"csrfmiddlewaretoken": csrf, "action": "preset"}
    else:
        data = {"csrfmiddlewaretoken": csrf, "action": "next", **spend}
    response = client.post("/wizard/spending/", data=data)
    assert response.status_code == 302, response.text
    review = client.get("/wizard/review/")
    match = re.search(r'href="/results/([\w-]+)/">Find my cards', review.text)
    assert match, review.text
    return match.group(1)


def raise_open_files(wanted: int) -> int:
    """Raise this process's open-file limit (inherited by the servers it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict (VmRSS, Threads, ...)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def rss_kib(pid: int) -> int:
    return int(proc_status(pid)["VmRSS"].split()[0])


def thread_count(pid: int) -> int:
    return int(proc_status(pid)["Threads"])


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_kinds(pid: int) -> dict[str, int]:
    """Open files of a process by kind: sockets, database files (SQLite and its WAL), other."""
    kinds = {"socket": 0, "database": 0, "other": 0}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:"):
            kinds["socket"] += 1
        elif ".sqlite3" in target:
            kinds["database"] += 1
        else:
            kinds["other"] += 1
    return kinds


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile, nearest rank (of 20 values: the 19th smallest)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def latency_figures(values: Sequence[float]) -> str:
    """'p50 12.3 ms, p95 45.6 ms (n=200)': how every latency row of the tables reads."""
    return f"p50 {median(values):.1f} ms, p95 {p95(values):.1f} ms (n={len(values)})"


def make_profiles(server: RunningServer, count: int) -> list[str]:
    """`count` new profiles of the typical household, each by a new visitor (see start_profile)."""
    with server.client() as client:
        return [start_profile(client) for _ in range(count)]


def machine() -> str:
    """One line naming the machine the figures come from."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{now}; nproc {os.cpu_count()}; {model}; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}; load average now {load}"
    )


@dataclass
class Row:
    """One line of the figures table."""

    what: str
    measured: str
    budget: str = ""
    ok: bool | None = None  # None: no budget to meet, just a figure

    @property
    def verdict(self) -> str:
        return {True: "ok", False: "OVER", None: ""}[self.ok]


def print_table(title: str, rows: Sequence[Row]) -> None:
    """A compact fixed-width table: what, measured, budget, verdict."""
    widths = [
        max(len(header), *(len(getattr(row, attr)) for row in rows))
        for header, attr in (("what", "what"), ("measured", "measured"), ("budget", "budget"))
    ]
    line = f"{{:<{widths[0]}}}  {{:>{widths[1]}}}  {{:<{widths[2]}}}  {{}}"
    print()
    print(f"== {title}")
    print(f"   {machine()}")
    print(line.format("what", "measured", "budget", "verdict"))
    print(line.format("-" * widths[0], "-" * widths[1], "-" * widths[2], "-------"))
    for row in rows:
        print(line.format(row.what, row.measured, row.budget, row.verdict).rstrip())
    sys.stdout.flush()


def note(message: str) -> None:
    """Progress on stderr, so stdout stays the figures."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class Event:
    """One server-sent event and when it arrived (seconds after the connection was opened)."""

    at: float
    name: str
    id: int | None
    data: str


class SseConnection:
    """A raw HTTP/1.1 SSE client on one socket: no client library between us and the timings.

    `opened` is taken before the TCP connect, so event times include connecting.
    """

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str] | None = None):
        self.host, self.port, self.path = host, port, path
        self.headers = headers or {}
        self.status = 0
        self.comments = 0
        self.opened = 0.0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._chunked = False
        self._buffer = b""
        self._eof = False

    async def open(self) -> int:
        """Connect, send the request, read the response head; return the status."""
        self.opened = time.perf_counter()
        self._reader, self._writer = await asyncio.open_connection(
            self.host, self.port, limit=1 << 20
        )
        extra = "".join(f"{key}: {value}\r\n" for key, value in self.headers.items())
        self._writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Accept: text/event-stream\r\n{extra}\r\n".encode()
        )
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self._chunked = any(
            line.lower().startswith("transfer-encoding:") and "chunked" in line.lower()
            for line in lines
        )
        return self.status

    async def _more(self) -> bool:
        assert self._reader is not None
        if self._eof:
            return False
        if not self._chunked:
            data = await self._reader.read(65536)
            if not data:
                self._eof = True
                return False
            self._buffer += data
            return True
        size_line = await self._reader.readline()
        if not size_line:
            self._eof = True
            return False
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            self._eof = True
            return False
        self._buffer += await self._reader.readexactly(size)
        await self._reader.readexactly(2)
        return True

    async def next_event(self) -> Event | None:
        """The next event (comments are counted and skipped); None at the end of the stream."""
        while True:
            while b"\n\n" not in self._buffer:
                if not await self._more():
                    return None
            block, self._buffer = self._buffer.split(b"\n\n", 1)
            name, event_id, data = "", None, []
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    self.comments += 1
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("data: "):
                    data.append(line[6:])
            if name:
                return Event(time.perf_counter() - self.opened, name, event_id, "\n".join(data))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def host_port(base_url: str) -> tuple[str, int]:
    parsed = urlsplit(base_url)
    return parsed.hostname or "127.0.0.1", parsed.port or 80
