"""HTTP throughput: a wizard step's htmx partial against a bare "hello" Django view.

Figures only since issue 14: its budget (every page at least half of hello's requests/s, the
wizard step included) is checked by bench/page_bench.py.

docs/design.md section 8: the wizard step (htmx partial) must keep >= 80% of the requests per
second of a bare "hello" Django view under the same server, one uvicorn worker.

One uvicorn worker (`--workers 1`, production settings, DEBUG off, DJANGO_HTTPS=0) serves the
real application under bench/bench_settings.py, which only adds `/__bench/hello` (a view
returning HttpResponse("hello") through the whole middleware stack). The load generator is
wrk when installed (Debian package `wrk`), else an asyncio loop of httpx clients. Each target
gets a fixed number of keep-alive connections for a fixed time, round-robin over the targets,
a few runs; the median requests/second counts.

Targets (all with `HX-Request: true`):
  hello             GET /__bench/hello, sending the same cookies as the next one
  wizard (profile)  GET /wizard/spending/ on a session that has a saved profile (the budget's
                    case: someone in the wizard; reads the session and the profile)
  wizard (anon)     GET /wizard/spending/ with no cookies (a first visit)

Run: .venv/bin/python bench/http_bench.py [--runs 3] [--duration 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from common import (
    BENCH_SETTINGS,
    PROJECT_DIR,
    Row,
    bench_site,
    median,
    note,
    print_table,
    start_profile,
    uvicorn_one_worker,
)

BUDGET_RATIO = 0.80


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    rates: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    errors: int = 0


def wrk_run(
    url: str, headers: dict[str, str], *, connections: int, duration: int, cpus: str | None
) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx/socket errors) from one wrk run."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 30
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: (.*)", out):
        errors += sum(int(n) for n in re.findall(r"\d+", found.group(1)))
    return rate, _wrk_latency(out, "50%"), _wrk_latency(out, "99%"), errors


def _wrk_latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def httpx_run(
    url: str, headers: dict[str, str], *, connections: int, duration: int
) -> tuple[float, float, float, int]:
    """The same measurement with httpx: one keep-alive connection per concurrent loop."""

    async def main() -> tuple[float, float, float, int]:
        latencies: list[float] = []
        errors = 0
        stop = time.perf_counter() + duration

        async def loop() -> None:
            nonlocal errors
            async with httpx.AsyncClient(headers=headers, timeout=30) as client:
                while time.perf_counter() < stop:
                    started = time.perf_counter()
                    response = await client.get(url)
                    latencies.append(time.perf_counter() - started)
                    if response.status_code >= 400:
                        errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(connections)))
        elapsed = time.perf_counter() - began
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        return len(latencies) / elapsed, p50, p99, errors

    return asyncio.run(main())


def render_costs(env: dict[str, str]) -> dict[str, float]:
    """Milliseconds per call of the pieces of a wizard partial, in-process (no server)."""
    out = subprocess.run(
        [sys.executable, __file__, "--render-costs-child"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def render_costs_child() -> None:
    """Where a wizard partial's time goes: Django's test client and the template, no server."""
    import django

    django.setup()
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django_htmx.middleware import HtmxDetails

    from wizard.forms import SpendingForm
    from wizard.household import TYPICAL_US_HOUSEHOLD_MONTHLY
    from wizard.views import _step_context

    def per_call(function: Callable[[], object], count: int = 300) -> float:
        for _ in range(30):
            function()
        started = time.perf_counter()
        for _ in range(count):
            function()
        return (time.perf_counter() - started) / count * 1000

    client = Client(HTTP_HOST="localhost", HTTP_HX_REQUEST="true")
    client.get("/wizard/spending/")
    client.post("/wizard/spending/", {"action": "preset"})  # a session with a profile
    request = RequestFactory(HTTP_HOST="localhost", HTTP_HX_REQUEST="true").get("/")
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    initial = {key: str(value) for key, value in TYPICAL_US_HOUSEHOLD_MONTHLY.items() if value}
    form = SpendingForm(initial=initial)
    context = _step_context(form)
    # The step is served from a copy rendered once with holes for the answers (wizard/views.py):
    # what a render of its template would cost, with and without the 18 inputs put in.
    costs = {
        "hello view": per_call(lambda: client.get("/__bench/hello")),
        "wizard step 1 partial": per_call(lambda: client.get("/wizard/spending/")),
        "its template alone (spending.html#step)": per_call(
            lambda: render_to_string("wizard/spending.html#step", context, request=request)
        ),
        "its template without the 18 inputs": per_call(
            lambda: render_to_string(
                "wizard/spending.html#step", {**context, "spend_inputs": ""}, request=request
            )
        ),
        "the 18 inputs (SpendingForm.render_groups)": per_call(
            lambda: SpendingForm(initial=initial).render_groups()
        ),
        "SpendingForm() itself": per_call(lambda: SpendingForm(initial=initial)),
    }
    print(json.dumps(costs))


def main() -> None:
    if "--render-costs-child" in sys.argv:
        render_costs_child()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per target (median counts)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and load generator to CPUs"
    )
    args = parser.parse_args()

    use_wrk = shutil.which("wrk") is not None
    # Two CPUs or more: the server on CPU 0, the load generator on CPU 1, so they do not fight.
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    server_cpus, client_cpus = ("0", "1") if pin else (None, None)
    generator = "wrk 1 thread" if use_wrk else "httpx asyncio loop (wrk not installed)"
    note(f"http_bench: load generator {generator}, pinned={pin}")

    with (
        bench_site("http", DJANGO_SETTINGS_MODULE=BENCH_SETTINGS) as (workdir, env),
        uvicorn_one_worker(env, workdir, cpus=server_cpus) as server,
    ):
        with server.client() as client:
            start_profile(client)
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        htmx = {"HX-Request": "true"}
        targets = [
            Target("hello", "/__bench/hello", {**htmx, "Cookie": cookie}),
            Target(
                "wizard step 1 partial, session with profile",
                "/wizard/spending/",
                {
                    **htmx,
                    "Cookie": cookie,
                },
            ),
            Target("wizard step 1 partial, anonymous", "/wizard/spending/", dict(htmx)),
            Target(
                "wizard step 1 full page, session with profile",
                "/wizard/spending/",
                {"Cookie": cookie},
            ),
        ]
        with server.client() as client:
            for target in targets:
                response = client.get(target.path, headers=target.headers)
                assert response.status_code == 200, (target.path, response.status_code)
                partial = "<html" not in response.text
                assert partial == ("HX-Request" in target.headers), target.name
                if target.path.startswith("/wizard"):
                    assert 'name="groceries"' in response.text

        def run(target: Target, seconds: int) -> tuple[float, float, float, int]:
            url = server.base_url + target.path
            if use_wrk:
                return wrk_run(
                    url,
                    target.headers,
                    connections=args.connections,
                    duration=seconds,
                    cpus=client_cpus,
                )
            return httpx_run(url, target.headers, connections=args.connections, duration=seconds)

        for target in targets:
            run(target, args.warmup)
        for number in range(1, args.runs + 1):
            for target in targets:
                rate, p50, p99, errors = run(target, args.duration)
                target.rates.append(rate)
                target.p50_ms.append(p50)
                target.p99_ms.append(p99)
                target.errors += errors
                note(f"  run {number}: {target.name}: {rate:,.0f} req/s (p50 {p50:.1f} ms)")
        costs = render_costs(env)

    hello = median(targets[0].rates)
    rows = [
        Row("load generator", f"{generator}, {args.connections} connections", "", None),
        Row(
            "server",
            "uvicorn --workers 1" + (" pinned to CPU 0" if pin else ""),
            "",
            None,
        ),
        Row("runs", f"{args.runs} x {args.duration} s per target, median", "", None),
    ]
    for target in targets:
        rate = median(target.rates)
        spread = f"{min(target.rates):,.0f}-{max(target.rates):,.0f}"
        rows.append(
            Row(
                f"{target.name}: req/s (range)",
                f"{rate:,.0f} ({spread})",
                "",
                None,
            )
        )
        rows.append(
            Row(
                f"{target.name}: latency p50 / p99",
                f"{median(target.p50_ms):.1f} / {median(target.p99_ms):.1f} ms",
            )
        )
        if target.errors:
            rows.append(Row(f"{target.name}: errors", str(target.errors), "0", False))
    for target in targets[1:3]:
        ratio = median(target.rates) / hello
        rows.append(
            Row(
                f"ratio {target.name} / hello",
                f"{ratio:.0%}",
                # Issue 14 replaced this budget: every page >= 0.5 x hello, in page_bench.py.
                f"(was >= {BUDGET_RATIO:.0%}; see page_bench)",
                None,
            )
        )
    rows.append(
        Row(
            "per request on the server: hello / wizard partial",
            (f"{1000 / hello:.2f} / {1000 / median(targets[1].rates):.2f} ms"),
        )
    )
    for name, milliseconds in costs.items():
        rows.append(Row(f"in-process (no server): {name}", f"{milliseconds:.2f} ms"))
    print_table("HTTP throughput: wizard partial vs bare hello view, one uvicorn worker", rows)


if __name__ == "__main__":
    main()
