"""The plan's live stream (SSE): first progress event after connect, and time to the best plan.

docs/design.md section 8 budget: first progress event after connect <= 50 ms (issue 16 asks it
of the plan's stream too). One uvicorn worker (`--workers 1`, production settings). Plans are
made over HTTP as a browser without JavaScript makes them (the "typical US household" preset,
then the plan form: 24 months, up to 3 new cards, 3 months apart), each a new uncached plan, so
every stream really starts a roadmap search in an engine process.
  - first event: from opening the TCP connection to the end of the first event, idle worker
    (the client leaves after it, which cancels the search; the next probe waits until it has);
  - time to `best` (the best plan) and `done` (the alternatives sent) for a few whole streams.

Run: .venv/bin/python bench/plan_stream_bench.py [--first-runs 15] [--done-runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Row,
    RunningServer,
    SseConnection,
    bench_site,
    host_port,
    median,
    note,
    post_plan,
    print_table,
    start_profile,
    uvicorn_one_worker,
)
from sse_bench import p95, wait_until_idle  # noqa: E402

FIRST_EVENT_BUDGET_MS = 50.0


def make_plan(client: httpx.Client) -> str:
    """A new visitor's answers (the household preset), then a plan of them; its token."""
    start_profile(client)
    form = client.get("/plan/")
    answers = re.search(r'name="answers" value="([\w-]+)"', form.text)
    assert answers, form.text
    return post_plan(client, answers.group(1)).split("/")[2]


def make_plans(server: RunningServer, count: int) -> list[tuple[str, str]]:
    """(plan token, its answers' results token) for `count` new visitors."""
    with server.client() as client:
        out = []
        for _ in range(count):
            plan = make_plan(client)
            page = client.get(f"/plan/{plan}/").text
            results = re.search(r'href="/results/([\w-]+)/">Back to your best cards', page)
            assert results, page
            out.append((plan, results.group(1)))
        return out


def connection(server: RunningServer, token: str, kind: str = "plan") -> SseConnection:
    host, port = host_port(server.base_url)
    return SseConnection(host, port, f"/{kind}/{token}/stream/")


async def first_event_ms(server: RunningServer, token: str, kind: str = "plan") -> float:
    stream = connection(server, token, kind)
    try:
        assert await stream.open() == 200
        event = await stream.next_event()
        assert event is not None and event.name == "progress", event
        return event.at * 1000
    finally:
        stream.close()


async def whole(server: RunningServer, token: str) -> tuple[float, float, float]:
    """Seconds to the first event, to `best` and to `done`."""
    stream = connection(server, token)
    try:
        assert await stream.open() == 200
        first = best = done = 0.0
        while (event := await stream.next_event()) is not None:
            first = first or event.at
            if event.name == "best":
                best = event.at
            if event.name == "done":
                done = event.at
        return first, best, done
    finally:
        stream.close()


async def measure(server: RunningServer, args: argparse.Namespace) -> list[Row]:
    note("plan_stream_bench: making plans over HTTP…")
    tokens = await asyncio.to_thread(make_plans, server, 1 + args.first_runs + args.done_runs)
    # Warm-up: the worker's first stream starts the engine processes and loads the catalog.
    since = len(server.log())
    await whole(server, tokens.pop()[0])
    await wait_until_idle(server, since)
    # Alternately a plan's stream and, for reference in the same run, the results stream of
    # the same answers (uncached too): the plan's first event should cost what results' does.
    firsts, reference = [], []
    for _ in range(args.first_runs):
        plan, results = tokens.pop()
        since = len(server.log())
        firsts.append(await first_event_ms(server, plan))
        await wait_until_idle(server, since)
        reference.append(await first_event_ms(server, results, "results"))
        await wait_until_idle(server, since)
    note(f"  first event, plan: {[round(t, 1) for t in firsts]} ms")
    note(f"  first event, results (reference): {[round(t, 1) for t in reference]} ms")
    runs = [await whole(server, tokens.pop()[0]) for _ in range(args.done_runs)]
    for first, best, done in runs:
        note(f"  whole stream: first {first * 1000:.0f} ms, best {best:.2f} s, done {done:.2f} s")
    return [
        Row(
            "plan stream: first progress event, median",
            f"{median(firsts):.1f} ms",
            f"<= {FIRST_EVENT_BUDGET_MS:.0f} ms",
            median(firsts) <= FIRST_EVENT_BUDGET_MS,
        ),
        Row(
            "plan stream: first progress event, p95",
            f"{p95(firsts):.1f} ms",
            f"<= {FIRST_EVENT_BUDGET_MS:.0f} ms",
            p95(firsts) <= FIRST_EVENT_BUDGET_MS,
        ),
        Row("results stream (reference): first event, median", f"{median(reference):.1f} ms"),
        Row(
            "results stream (reference): first event, p95",
            f"{p95(reference):.1f} ms",
            f"<= {FIRST_EVENT_BUDGET_MS:.0f} ms",
            p95(reference) <= FIRST_EVENT_BUDGET_MS,
        ),
        Row(
            "plan stream: best plan (24 months, <= 3 cards), median",
            f"{median([r[1] for r in runs]):.2f} s",
        ),
        Row("plan stream: done, median", f"{median([r[2] for r in runs]):.2f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-runs", type=int, default=15)
    parser.add_argument("--done-runs", type=int, default=3)
    args = parser.parse_args()
    with (
        bench_site("plan-stream", DJANGO_RESULTS_STREAMS_PER_IP="5000") as (workdir, env),
        uvicorn_one_worker(env, workdir) as server,
    ):
        rows = asyncio.run(measure(server, args))
    print_table("Plan stream (SSE), one uvicorn worker", rows)


if __name__ == "__main__":
    main()
