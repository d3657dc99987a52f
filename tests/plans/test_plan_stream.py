"""The plan's live stream served for real (uvicorn, two workers): progress first, then the best
plan, then the alternatives; a reconnect resumes after its Last-Event-ID; the page shows the
cached plan afterwards; a client leaving midway stops the computation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.servers import uvicorn_server
from tests.results.test_results_stream import read_events, site_environment, start_profile

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    workdir = tmp_path_factory.mktemp("plan-site")
    env = site_environment(workdir, DJANGO_RESULTS_STREAMS_PER_IP="1000")
    with uvicorn_server(env, workdir, "--workers", "2") as running:
        yield running


def start_plan(client: httpx.Client, **fields: str) -> str:
    """Walk step 1 and the plan form like a browser without JavaScript; the plan's token."""
    start_profile(client)
    form = client.get("/plan/")
    assert form.status_code == 200
    answers = re.search(r'name="answers" value="([\w-]+)"', form.text).group(1)
    data = {
        "csrfmiddlewaretoken": client.cookies["csrftoken"],
        "answers": answers,
        "held-TOTAL_FORMS": "1",
        "held-INITIAL_FORMS": "0",
        "held-0-card": "chase-freedom-unlimited",
        "held-0-month": "2025-03",
        "bonus-TOTAL_FORMS": "0",
        "bonus-INITIAL_FORMS": "0",
        "other_recent": "0",
        "months": "24",
        "max_new": "3",
        "spacing": "3",
        **fields,
    }
    response = client.post("/plan/", data=data)
    assert response.status_code == 302, response.text
    return response.headers["location"].split("/")[2]


def test_progress_then_the_best_plan_then_the_alternatives(server) -> None:  # type: ignore[no-untyped-def]
    with server.client() as client:
        token = start_plan(client)
        started = time.monotonic()
        with client.stream("GET", f"/plan/{token}/stream/") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            assert "no-store" in response.headers["cache-control"]
            events = read_events(response)
        names = [name for _, _, name, _ in events]
        assert names[0] == "progress" and names[-1] == "done"
        assert names.index("best") < names.index("alternatives") == len(names) - 2
        assert all(name == "progress" for name in names[: names.index("best")])
        ids = [event_id for _, event_id, _, _ in events if event_id is not None]
        assert ids == sorted(ids) and [i for i in ids if i >= 100] == [100, 101, 200]
        assert started <= events[0][0] < events[names.index("best")][0]
        best = events[names.index("best")][3]
        assert "The best plan" in best and "Month 1 (" in best or "Month " in best
        assert "<svg" in best and "more</strong> than keeping the cards you have" in best
        alternatives = events[names.index("alternatives")][3]
        assert alternatives.count('<li class="wallet">') == 4
        # The permalink now shows the cached plan, without a stream, to anyone with the link.
        page = httpx.get(f"{server.base_url}/plan/{token}/").text
        assert "sse-connect" not in page
        first_card = re.search(r'apply for <a href="(/cards/[^"]+/)">', best).group(1)
        assert first_card in page


def test_a_reconnect_resumes_after_the_best_plan(server) -> None:  # type: ignore[no-untyped-def]
    with server.client() as client:
        token = start_plan(client, max_new="2", months="12")
        with client.stream("GET", f"/plan/{token}/stream/") as response:
            read_events(response)
        with client.stream(
            "GET", f"/plan/{token}/stream/", headers={"Last-Event-ID": "100"}
        ) as response:
            names = [name for _, _, name, _ in read_events(response)]
    assert names == ["alternatives", "done"]


def test_a_client_leaving_midway_stops_the_computation(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with server.client() as client:
        token = start_plan(client, max_new="4", spacing="2", **{"held-TOTAL_FORMS": "0"})
        with client.stream("GET", f"/plan/{token}/stream/") as response:
            lines = response.iter_lines()
            # The first words, then the search's own progress: it is running in an engine.
            first = read_events(lines, stop_after=2)
        assert [name for _, _, name, _ in first] == ["progress", "progress"]
        assert "card orders checked" in first[1][3]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        log = server.log()
        if re.search(rf"computation cancelled: plan {token[:6]}", log):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the plan's computation was not cancelled:\n" + server.log()[-3000:])
