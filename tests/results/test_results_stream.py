"""The live results stream served for real: uvicorn with four workers, and daphne."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from devtools.servers import (
    daphne_server,
    manage,
    prepare_site,
    production_environment,
    uvicorn_server,
)

pytestmark = pytest.mark.servers
CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
SPEND = {"groceries": "600", "dining": "250", "gas": "120", "other": "900"}


def site_environment(workdir: Path, **overrides: str) -> dict[str, str]:
    env = production_environment(workdir, **overrides)
    prepare_site(env)
    manage(env, "import_cards", str(CATALOG))
    return env


@pytest.fixture(scope="module")
def four_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """uvicorn --workers 4 on a migrated site with the shipped catalog."""
    workdir = tmp_path_factory.mktemp("stream-site")
    env = site_environment(workdir, DJANGO_RESULTS_STREAMS_PER_IP="1000")
    with uvicorn_server(env, workdir, "--workers", "4") as server:
        server.env = env  # type: ignore[attr-defined]
        yield server


def start_profile(client: httpx.Client, spend: dict[str, str] = SPEND) -> str:
    """Walk step 1 like a browser without JavaScript and return the results token."""
    client.cookies.clear()  # a new visitor each time, so each gets a profile of their own
    client.get("/wizard/spending/")
    token = client.cookies["csrftoken"]
    response = client.post(
        "/wizard/spending/", data={"csrfmiddlewaretoken": token, "action": "next", **spend}
    )
    assert response.status_code == 302
    review = client.get("/wizard/review/")
    match = re.search(r'href="/results/([\w-]+)/">Find my cards', review.text)
    assert match, review.text
    return match.group(1)


def iter_events(
    lines: httpx.Response | Iterator[str],
) -> Iterator[tuple[float, int | None, str, str]]:
    """(arrival time, id, event, data) for each event, as it arrives."""
    if isinstance(lines, httpx.Response):
        lines = lines.iter_lines()
    event_id: int | None = None
    name, data = "", []
    for line in lines:
        if line.startswith("id: "):
            event_id = int(line[4:])
        elif line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name:
            yield time.monotonic(), event_id, name, "\n".join(data)
            event_id, name, data = None, "", []


def read_events(
    lines: httpx.Response | Iterator[str], *, stop_after: int | None = None
) -> list[tuple[float, int | None, str, str]]:
    """Every event, read incrementally, or the first `stop_after` of them.

    To stop early and stay connected, pass `response.iter_lines()` and keep it referenced:
    a discarded line iterator closes the connection.
    """
    events: list[tuple[float, int | None, str, str]] = []
    for event in iter_events(lines):
        events.append(event)
        if stop_after is not None and len(events) >= stop_after:
            break
    return events


def test_events_arrive_in_order_and_the_first_before_the_results(four_workers) -> None:  # type: ignore[no-untyped-def]
    with four_workers.client() as client:
        token = start_profile(client)
        started = time.monotonic()
        with client.stream("GET", f"/results/{token}/stream/") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            # Results are personal: never stored by a cache (web/headers.py adds no-store).
            assert "no-store" in response.headers["cache-control"]
            assert response.headers["x-accel-buffering"] == "no"
            events = read_events(response)
    names = [name for _, _, name, _ in events]
    assert names[0] == "progress"
    assert names.index("results") > 0
    assert names[-1] == "done"
    assert names.count("insight") == 4
    assert all(n == "insight" for n in names[names.index("results") + 2 : -1])
    ids = [event_id for _, event_id, _, _ in events if event_id is not None]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert [i for i in ids if i >= 100] == [100, 101, 102, 103, 118, 200]
    first_arrival = events[0][0]
    results_arrival = next(t for t, _, name, _ in events if name == "results")
    assert started <= first_arrival < results_arrival
    results_html = next(d for _, _, name, d in events if name == "results")
    assert "Our pick" in results_html and "The math" in results_html
    # The progress line comes with the ranking, ready for the events still to come.
    assert 'id="progress" class="progress-line"' in results_html
    insight_html = next(d for _, _, name, d in events if name == "insight")
    assert 'hx-swap-oob="true"' in insight_html and 'id="insight-groceries"' in insight_html


def test_the_full_page_after_streaming_shows_the_same_results_from_cache(four_workers) -> None:  # type: ignore[no-untyped-def]
    with four_workers.client() as client:
        token = start_profile(client, {"groceries": "500", "gas": "80"})
        with client.stream("GET", f"/results/{token}/stream/") as response:
            events = read_events(response)
        streamed = next(d for _, _, name, d in events if name == "results")
        page = httpx.get(f"{four_workers.base_url}/results/{token}/").text
    assert "sse-connect" not in page
    first_wallet = re.search(r'<h3><a href="(/cards/[^"]+)/">', streamed).group(1)
    assert first_wallet in page


def test_reconnecting_with_last_event_id_resumes_without_repeating(four_workers) -> None:  # type: ignore[no-untyped-def]
    with four_workers.client() as client:
        token = start_profile(client)
        with client.stream("GET", f"/results/{token}/stream/") as response:
            first = read_events(response, stop_after=6)
        seen = [event_id for _, event_id, _, _ in first if event_id is not None]
        assert 100 in seen
        last = max(seen)
        # A new connection, likely to another worker: the browser sends Last-Event-ID.
        with client.stream(
            "GET", f"/results/{token}/stream/", headers={"Last-Event-ID": str(last)}
        ) as response:
            rest = read_events(response)
    rest_ids = [event_id for _, event_id, _, _ in rest if event_id is not None]
    assert rest_ids and all(event_id > last for event_id in rest_ids)
    assert "results" not in [name for _, _, name, _ in rest]
    assert rest[-1][2] == "done"
    got = {event_id for event_id in seen + rest_ids if event_id and event_id > 100}
    assert got == {101, 102, 103, 118, 200}


def test_a_hundred_clients_leaving_midway_leave_no_computation_running(four_workers) -> None:  # type: ignore[no-untyped-def]
    with four_workers.client() as client:
        tokens = [start_profile(client, {"groceries": str(300 + i), **SPEND}) for i in range(10)]
    log_before = four_workers.log()

    def leave_early(token: str) -> None:
        with (
            httpx.Client(base_url=four_workers.base_url, timeout=60) as client,
            client.stream("GET", f"/results/{token}/stream/") as response,
        ):
            assert response.status_code == 200
            # Leave midway: once the engine has reported progress (a search is running), or
            # when an earlier client's result is already cached. Leaving after the first line
            # would often be seen before any search starts, and the test would prove nothing.
            for _, event_id, name, _ in iter_events(response):
                if name != "progress" or (event_id is not None and event_id > 1):
                    break

    threads = [threading.Thread(target=leave_early, args=(tokens[i % 10],)) for i in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    def tally() -> tuple[int, int, int]:
        log = four_workers.log()[len(log_before) :]
        return (
            log.count("computation started"),
            log.count("computation cancelled"),
            log.count("computation finished"),
        )

    database = four_workers.env["DATABASE_URL"].removeprefix("sqlite:///")

    def open_leases() -> int:
        with sqlite3.connect(database) as connection:
            return connection.execute("SELECT COUNT(*) FROM results_streamlease").fetchone()[0]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        started, cancelled, finished = tally()
        if started and cancelled + finished == started and open_leases() == 0:
            break
        time.sleep(0.25)
    started, cancelled, finished = tally()
    # A client gone before its search began never starts one; every search that did start
    # ended, most of them cancelled, and every stream gave its lease back.
    assert 0 < started <= 100
    assert cancelled + finished == started, four_workers.log()[-3000:]
    assert cancelled > 0
    assert open_leases() == 0, four_workers.log()[-3000:]


def test_daphne_serves_the_same_stream(tmp_path: Path) -> None:
    env = site_environment(tmp_path)
    with daphne_server(env, tmp_path) as server, server.client() as client:
        token = start_profile(client, {"groceries": "400", "dining": "100"})
        with client.stream("GET", f"/results/{token}/stream/") as response:
            assert response.headers["content-type"] == "text/event-stream"
            events = read_events(response)
    names = [name for _, _, name, _ in events]
    assert names[0] == "progress" and names[-1] == "done"
    assert names.count("results") == 1 and names.count("insight") == 2


def test_streams_past_the_per_address_limit_get_429_and_other_requests_stay_fast(
    tmp_path: Path,
) -> None:
    env = site_environment(tmp_path, DJANGO_RESULTS_STREAMS_PER_IP="2")
    with uvicorn_server(env, tmp_path) as server, server.client() as client:
        tokens = [start_profile(client, {"groceries": str(500 + i), **SPEND}) for i in range(3)]
        with client.stream("GET", f"/results/{tokens[0]}/stream/") as first:
            first_lines = first.iter_lines()
            read_events(first_lines, stop_after=1)
            with client.stream("GET", f"/results/{tokens[1]}/stream/") as second:
                second_lines = second.iter_lines()
                read_events(second_lines, stop_after=1)
                third = client.get(f"/results/{tokens[2]}/stream/")
                assert third.status_code == 429
                assert "Too many live results streams" in third.text
                # The one worker is computing two searches, yet answers other requests.
                assert client.get("/healthz").status_code == 200
                assert client.get("/").status_code == 200
                # Both streams were still open and computing all along.
                assert read_events(first_lines)[-1][2] == "done"
        time.sleep(1)
        with client.stream("GET", f"/results/{tokens[2]}/stream/") as again:
            assert again.status_code == 200


def test_streams_waiting_for_the_engine_do_not_each_hold_a_thread(tmp_path: Path) -> None:
    """Django gives every request a thread of its own for its sync parts, kept while the request
    lasts: an event stream waiting minutes for the engine held one each (1,050 streams, 983
    threads). The async path's requests share a few threads instead (web/handler.py)."""
    env = site_environment(
        tmp_path,
        DJANGO_RESULTS_STREAMS_PER_IP="100",
        DJANGO_RESULTS_COMPUTATIONS_PER_WORKER="1",
    )
    streams = 40
    with uvicorn_server(env, tmp_path) as server, server.client() as client:
        tokens = [
            start_profile(client, {**SPEND, "groceries": str(300 + i)}) for i in range(streams)
        ]
        tasks = Path(f"/proc/{server.process.pid}/task")
        assert client.get("/healthz").status_code == 200
        before = len(list(tasks.iterdir()))
        with ExitStack() as held:
            kept = []  # a discarded line iterator would close its stream
            for token in tokens:
                response = held.enter_context(client.stream("GET", f"/results/{token}/stream/"))
                assert response.status_code == 200
                kept.append(response.iter_lines())
                read_events(kept[-1], stop_after=1)
            # One computes; the others wait for the engine slot, every one of them open.
            assert client.get("/healthz").status_code == 200
            during = len(list(tasks.iterdir()))
    assert during - before < streams // 2, (before, during)
