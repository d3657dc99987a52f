"""Reliability soak: the site under load, with a worker killed, streams dropped, the database gone.

Run it with `make soak` (not part of `make test`: it takes about six minutes and most of a
machine). Each part starts its own uvicorn on a temporary site, as the README deploys it
(`--workers 2`), and prints figures; docs/reliability.md keeps the latest run.

1. load: 200 clients for 60 s on a mix of pages (catalog, wizard steps with a POST, cached
   results, health, static files): every answer must be a 200 or a redirect.
2. kill: the same mix with 100 clients; after 10 s one worker gets SIGKILL. Lost requests are
   counted (and which of them a retrying proxy would have resent), and how soon uvicorn's
   replacement worker serves.
3. streams: 300 live results streams opened and dropped mid-way (after the first event, while
   waiting for the engine, while computing); the workers' threads and open files and the stream
   leases must come back to where they were.
4. database: the SQLite file is moved away for 10 s under load and put back: /healthz must say
   503 while it is away, and everything must work again once it is back.
5. uploads: ten 50 MB statement uploads sent at once to one worker: its memory must stay within
   two uploads' worth (DJANGO_UPLOADS_PER_WORKER), and nothing is written to disk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from common import (
    CATALOG,
    Row,
    SseConnection,
    bench_site,
    fd_kinds,
    host_port,
    note,
    open_fds,
    print_table,
    raise_open_files,
    rss_kib,
    start_profile,
    thread_count,
)

from devtools.servers import RunningServer, uvicorn_server

SPEND = {"groceries": "620", "dining": "240", "gas": "130", "other": "800"}


def worker_pids(server: RunningServer) -> list[int]:
    """The uvicorn workers: children of the server's process that serve HTTP (multiprocessing's
    resource tracker is a child too)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid and "spawn_main" in _cmdline(int(entry.name)):
            pids.append(int(entry.name))
    return sorted(pids)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Tally:
    """What a load run saw."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_times: list[float] = field(default_factory=list)
    lost_get: int = 0
    lost_post: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())


@dataclass
class Site:
    """What the visitors need to know about the site: pages worth asking for."""

    slugs: list[str]
    tokens: list[str]
    stylesheet: str


def site_facts(server: RunningServer, env: dict[str, str]) -> Site:
    catalog = json.loads(CATALOG.read_text())
    slugs = [card["id"] for card in catalog["cards"]][:20]
    manifest = json.loads((Path(env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").read_text())
    stylesheet = "/static/" + manifest["paths"]["css/site.css"]
    tokens = []
    with server.client() as client:
        for number in range(5):
            token = start_profile(client, {**SPEND, "dining": str(200 + number)})
            # Computed once, inside the request (as without JavaScript), so the load below reads
            # cached results and never waits for the engine.
            assert client.get(f"/results/{token}/?now=1").status_code == 200
            tokens.append(token)
    return Site(slugs, tokens, stylesheet)


async def visitor(
    number: int, base_url: str, site: Site, stop_at: float, tally: Tally, started: float
) -> None:
    """One client going round the pages, with its own cookies (a session of its own)."""
    rng = random.Random(number)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        step = number
        while time.monotonic() < stop_at:
            step += 1
            kind = step % 10
            method, url, data = "GET", "/", None
            if kind == 1:
                url = "/cards/"
            elif kind == 2:
                url = f"/cards/{rng.choice(site.slugs)}/"
            elif kind == 3:
                url = f"/cards/compare/?cards={','.join(rng.sample(site.slugs, 2))}"
            elif kind == 4:
                url = "/wizard/spending/"
            elif kind == 5 and "csrftoken" in http.cookies:
                method, url = "POST", "/wizard/spending/"
                data = {"csrfmiddlewaretoken": http.cookies["csrftoken"], "action": "save"}
                data |= {key: str(int(value) + rng.randint(0, 50)) for key, value in SPEND.items()}
            elif kind == 6:
                url = "/wizard/review/"
            elif kind == 7:
                url = f"/results/{rng.choice(site.tokens)}/"
            elif kind == 8:
                url = "/healthz"
            elif kind == 9:
                url = site.stylesheet
            sent = time.perf_counter()
            try:
                response = await http.request(method, url, data=data)
            except httpx.HTTPError as error:
                tally.errors[type(error).__name__] += 1
                tally.error_times.append(time.monotonic() - started)
                if method == "GET":
                    tally.lost_get += 1
                else:
                    tally.lost_post += 1
                continue
            tally.statuses[response.status_code] += 1
            if response.status_code in (200, 302):
                tally.latencies.append(time.perf_counter() - sent)
            else:
                tally.errors[f"HTTP {response.status_code}"] += 1
                tally.error_times.append(time.monotonic() - started)


async def run_load(
    server: RunningServer, site: Site, clients: int, seconds: float, during=None
) -> tuple[Tally, float, object]:
    tally = Tally()
    started = time.monotonic()
    stop_at = started + seconds
    tasks = [
        asyncio.create_task(visitor(n, server.base_url, site, stop_at, tally, started))
        for n in range(clients)
    ]
    extra = await during(started) if during is not None else None
    await asyncio.gather(*tasks)
    return tally, time.monotonic() - started, extra


def load_rows(label: str, tally: Tally, elapsed: float) -> list[Row]:
    ms = [value * 1000 for value in tally.latencies]
    errors = sum(tally.errors.values())
    return [
        Row(f"{label}: requests answered", f"{len(ms):,} ({len(ms) / elapsed:.0f}/s)"),
        Row(
            f"{label}: latency p50 / p95 / p99",
            " / ".join(f"{percentile(ms, share):.0f}" for share in (0.5, 0.95, 0.99)) + " ms",
        ),
        Row(
            f"{label}: errors",
            ", ".join(f"{kind} x{count}" for kind, count in tally.errors.items()) or "0",
        )
        if errors
        else Row(f"{label}: errors", "0"),
    ]


# 1. Load -----------------------------------------------------------------------------------


async def part_load(server: RunningServer, site: Site, args: argparse.Namespace) -> list[Row]:
    note(f"soak: load, {args.clients} clients for {args.seconds:.0f} s…")
    tally, elapsed, _ = await run_load(server, site, args.clients, args.seconds)
    rows = load_rows(f"{args.clients} clients x {args.seconds:.0f} s", tally, elapsed)
    errors = sum(tally.errors.values())
    rows[-1] = Row(rows[-1].what, rows[-1].measured, "0", errors == 0)
    return rows


# 2. A worker killed ------------------------------------------------------------------------


async def part_kill(server: RunningServer, site: Site, args: argparse.Namespace) -> list[Row]:
    note("soak: kill, 100 clients for 30 s, SIGKILL one worker at 10 s…")
    facts: dict[str, float | int | str] = {}

    async def kill_one(started: float) -> None:
        await asyncio.sleep(10)
        before = worker_pids(server)
        victim = before[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        facts["killed_at"] = killed_at - started
        while time.monotonic() - killed_at < 30:
            now = worker_pids(server)
            fresh = [pid for pid in now if pid not in before]
            if fresh and len(now) >= len(before):
                facts["replaced_s"] = time.monotonic() - killed_at
                break
            await asyncio.sleep(0.05)

    tally, elapsed, _ = await run_load(server, site, 100, 30, during=kill_one)
    rows = load_rows("100 clients x 30 s, one worker killed", tally, elapsed)
    lost = tally.lost_get + tally.lost_post
    after_kill = [t - float(facts["killed_at"]) for t in tally.error_times]
    rows += [
        Row(
            "  requests lost (connection dropped)",
            f"{lost} of {tally.requests:,}: {tally.lost_get} GET (a retrying proxy resends "
            f"these), {tally.lost_post} POST",
        ),
        Row(
            "  errors within 2 s of the kill / later",
            f"{sum(0 <= t <= 2 for t in after_kill)} / {sum(t > 2 for t in after_kill)}",
            "later: 0",
            all(t <= 2 for t in after_kill if t >= 0),
        ),
        Row(
            "  replacement worker started after",
            f"{facts['replaced_s']:.1f} s" if "replaced_s" in facts else "not within 30 s",
        ),
    ]
    return rows


# 3. Streams dropped mid-way ------------------------------------------------------------------


def open_leases(env: dict[str, str]) -> int:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=30) as database:
        return database.execute(
            "SELECT COUNT(*) FROM results_streamlease WHERE expires_at > datetime('now')"
        ).fetchone()[0]


def all_leases(env: dict[str, str]) -> int:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=30) as database:
        return database.execute("SELECT COUNT(*) FROM results_streamlease").fetchone()[0]


def resources(server: RunningServer) -> dict[str, int]:
    pids = worker_pids(server)
    return {
        "threads": sum(thread_count(pid) for pid in pids),
        "fds": sum(open_fds(pid) for pid in pids),
        "sockets": sum(fd_kinds(pid)["socket"] for pid in pids),
        "rss": sum(rss_kib(pid) for pid in pids),
    }


async def part_streams(
    server: RunningServer, env: dict[str, str], args: argparse.Namespace
) -> list[Row]:
    note(f"soak: streams, making {args.profiles} profiles…")
    with server.client() as client:
        tokens = [
            start_profile(client, {**SPEND, "gas": str(100 + number)})
            for number in range(args.profiles)
        ]
    host, port = host_port(server.base_url)
    outcomes: Counter[str] = Counter()
    gate = asyncio.Semaphore(50)

    async def one(number: int) -> None:
        token = tokens[number % len(tokens)]
        stream = SseConnection(host, port, f"/results/{token}/stream/")
        # Dropped at three moments: after the first event, after the second (waiting for the
        # engine, or computing), or a random short while into the stream.
        moment = number % 3
        async with gate:
            try:
                status = await stream.open()
                if status != 200:
                    outcomes[f"status {status}"] += 1
                    return
                await stream.next_event()
                if moment >= 1:
                    await stream.next_event()
                if moment == 2:
                    await asyncio.sleep(random.uniform(0.1, 1.5))
                outcomes["dropped"] += 1
            except (OSError, asyncio.IncompleteReadError) as error:
                outcomes[type(error).__name__] += 1
            finally:
                stream.close()

    # A warm-up round first: each worker's thread pool (asyncio's default executor, which runs
    # the stream's database work) grows to its working size once and keeps its idle threads;
    # that is the baseline, and a leak would show as growth over it in the measured round.
    await asyncio.gather(*(one(number) for number in range(args.streams)))
    await asyncio.sleep(10)
    outcomes.clear()
    baseline = resources(server)
    note(f"  baseline after warm-up {baseline}, leases {all_leases(env)}")
    started = time.monotonic()
    await asyncio.gather(*(one(number) for number in range(args.streams)))
    note(f"  {args.streams} streams dropped in {time.monotonic() - started:.1f} s: {outcomes}")
    # What a worker's threads may number when idle: its main thread, uvicorn's health-check
    # thread, asgiref's thread for sync views, and asyncio's default executor (min(32, CPUs + 4)
    # threads, made on demand and then kept idle). Anything beyond would be a leak.
    per_worker = 3 + min(32, (os.cpu_count() or 1) + 4)
    thread_bound = max(baseline["threads"], per_worker * len(worker_pids(server)))
    dropped_at = time.monotonic()
    back_after = None
    now = resources(server)
    leases = all_leases(env)
    while time.monotonic() - dropped_at < 60:
        now = resources(server)
        leases = all_leases(env)
        if now["threads"] <= thread_bound and now["fds"] <= baseline["fds"] and leases == 0:
            back_after = time.monotonic() - dropped_at
            break
        await asyncio.sleep(0.2)
    failures = sum(count for kind, count in outcomes.items() if kind != "dropped")
    # Engine threads still running, per worker, from the last "computation ..." log line.
    active: dict[str, int] = {}
    for line in server.log().splitlines():
        match = re.search(r"computation .*\(pid (\d+), active (\d+)\)", line)
        if match:
            active[match.group(1)] = int(match.group(2))
    computing = sum(active.values())
    return [
        Row(
            f"{args.streams} SSE streams dropped mid-way",
            f"{outcomes['dropped']} dropped, {failures} failed to open",
            "0 failed",
            failures == 0,
        ),
        Row(
            "  workers' threads warmed-up baseline -> after",
            f"{baseline['threads']} -> {now['threads']}",
            f"<= {thread_bound} (pools)",
            now["threads"] <= thread_bound,
        ),
        Row(
            "  workers' open files baseline -> after",
            f"{baseline['fds']} -> {now['fds']}",
            "back",
            now["fds"] <= baseline["fds"],
        ),
        Row("  stream leases left", str(leases), "0", leases == 0),
        Row("  engine computations still running", str(computing), "0", computing == 0),
        Row(
            "  all back to baseline after",
            f"{back_after:.1f} s" if back_after is not None else "not within 60 s",
        ),
    ]


# 4. The database away and back -------------------------------------------------------------


async def part_database(
    server: RunningServer, env: dict[str, str], site: Site, args: argparse.Namespace
) -> list[Row]:
    note("soak: database, 20 clients for 30 s, the SQLite file away from 10 s to 20 s…")
    path = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    away = path.with_name("away")
    away.mkdir(exist_ok=True)
    health: list[tuple[float, int]] = []
    facts: dict[str, float] = {}

    async def outage(started: float) -> None:
        async def poll() -> None:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
                while time.monotonic() - started < 30:
                    try:
                        status = (await http.get("/healthz")).status_code
                    except httpx.HTTPError:
                        status = 0
                    health.append((time.monotonic() - started, status))
                    await asyncio.sleep(0.1)

        poller = asyncio.create_task(poll())
        await asyncio.sleep(10)
        with sqlite3.connect(path) as database:
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for file in sorted(path.parent.glob(path.name + "*")):
            file.rename(away / file.name)
        facts["away_at"] = time.monotonic() - started
        await asyncio.sleep(10)
        for file in path.parent.glob(path.name + "*"):
            file.unlink()  # the empty database SQLite made meanwhile
        for file in away.iterdir():
            file.rename(path.parent / file.name)
        facts["back_at"] = time.monotonic() - started
        await poller

    tally, elapsed, _ = await run_load(server, site, 20, 30, during=outage)
    away_at, back_at = facts["away_at"], facts["back_at"]
    during = [status for at, status in health if away_at + 0.5 < at < back_at]
    after = [(at, status) for at, status in health if at > back_at]
    healthy_again = next((at - back_at for at, status in after if status == 200), None)
    late = [t for t in tally.error_times if t > back_at + 2]
    early = [t for t in tally.error_times if t < away_at]
    statuses = Counter(during)
    errors_during = len(tally.error_times) - len(early) - len(late)
    # Database connections are kept between requests (DJANGO_DB_CONN_MAX_AGE): one opened before
    # the move still has the file open and serves from it, so pages may go on working. /healthz
    # must tell the truth either way: 503 only, or 200 only while no page failed.
    truthful = set(statuses) == {503} or (set(statuses) <= {200, 503} and not errors_during)
    return [
        Row(
            "/healthz while the file is away",
            ", ".join(f"{status} x{count}" for status, count in statuses.items()),
            "503, or 200 while pages work",
            truthful,
        ),
        Row(
            "/healthz 200 again after the file is back",
            f"{healthy_again:.1f} s" if healthy_again is not None else "never",
            "<= 2 s",
            healthy_again is not None and healthy_again <= 2,
        ),
        Row(
            "page errors before / during / 2 s after the outage",
            f"{len(early)} / {errors_during} / {len(late)}",
            "0 before, 0 after",
            not early and not late,
        ),
        Row(
            "  answers during the outage",
            ", ".join(f"{kind} x{count}" for kind, count in tally.errors.items()) or "-",
        ),
    ]


# 5. Uploads in flight ------------------------------------------------------------------------


async def part_uploads(
    server: RunningServer, env: dict[str, str], args: argparse.Namespace
) -> list[Row]:
    note("soak: uploads, ten 50 MB uploads at once to one worker…")
    pid = worker_pids(server)[0] if worker_pids(server) else server.process.pid
    idle = rss_kib(pid)
    host, port = host_port(server.base_url)
    with server.client() as client:
        client.get("/wizard/import/")
        csrf = client.cookies["csrftoken"]
    rows = b"01/02/2026,CORNER SHOP,4.50\n" * (50 * 1024 * 1024 // 28)
    request = httpx.Request(
        "POST",
        "http://x/wizard/import/",
        data={"csrfmiddlewaretoken": csrf},
        files={"files": ("big.csv", b"Date,Description,Amount\n" + rows, "text/csv")},
    )
    body = request.read()
    head = (
        f"POST /wizard/import/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        f"Cookie: csrftoken={csrf}\r\nContent-Type: {request.headers['content-type']}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    peak = idle
    answers: Counter[str] = Counter()
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, rss_kib(pid))
            await asyncio.sleep(0.02)

    async def upload() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(head)
            for start in range(0, len(body), 1 << 20):
                writer.write(body[start : start + (1 << 20)])
                await writer.drain()
            status = (await reader.readline()).split()[1].decode()
            answers[status] += 1
        except (OSError, asyncio.IncompleteReadError) as error:
            answers[type(error).__name__] += 1
        finally:
            writer.close()

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    await asyncio.gather(*(upload() for _ in range(10)))
    took = time.monotonic() - started
    sampling = False
    await sampler
    grew = (peak - idle) / 1024
    size = len(body) / 1024 / 1024
    spooled = [
        target
        for target in (os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
        if "(deleted)" in target
    ]
    return [
        Row(
            f"ten {size:.0f} MB uploads at once: answers",
            ", ".join(f"{status} x{count}" for status, count in sorted(answers.items()))
            + f" in {took:.1f} s",
        ),
        Row(
            "  worker memory idle -> peak",
            f"{idle / 1024:.0f} -> {peak / 1024:.0f} MiB (+{grew:.0f})",
            f"<= +{4 * size:.0f} MiB (2 at once)",
            grew <= 4 * size,
        ),
        Row("  deleted temporary files held open", str(len(spooled)), "0", not spooled),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--profiles", type=int, default=30)
    parser.add_argument(
        "--parts", default="load,kill,streams,database,uploads", help="comma-separated"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    raise_open_files(8192)
    rows: list[Row] = []
    overrides = {
        "DJANGO_RESULTS_STREAMS_PER_IP": "5000",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    with bench_site("soak", **overrides) as (workdir, env):
        if parts & {"load", "kill", "database"}:
            with uvicorn_server(env, workdir, "--workers", "2", "--no-access-log") as server:
                site = site_facts(server, env)
                if "load" in parts:
                    rows += asyncio.run(part_load(server, site, args))
                if "kill" in parts:
                    rows += asyncio.run(part_kill(server, site, args))
                if "database" in parts:
                    rows += asyncio.run(part_database(server, env, site, args))
        if "streams" in parts:
            # INFO: the workers log each computation's start and end (with the count running).
            streams_env = dict(env, DJANGO_LOG_LEVEL="INFO")
            with uvicorn_server(
                streams_env, workdir, "--workers", "2", "--no-access-log"
            ) as server:
                rows += asyncio.run(part_streams(server, env, args))
        if "uploads" in parts:
            with uvicorn_server(env, workdir, "--workers", "1", "--no-access-log") as server:
                rows += asyncio.run(part_uploads(server, env, args))
    print_table("Reliability soak: uvicorn --workers 2 (uploads: one worker)", rows)


if __name__ == "__main__":
    main()
