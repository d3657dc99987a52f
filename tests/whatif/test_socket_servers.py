"""The what-if socket served for real: uvicorn with four workers, daphne on TCP and unix socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect, unix_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from devtools.servers import (
    RunningServer,
    daphne_command,
    daphne_server,
    manage,
    prepare_site,
    production_environment,
    running_server,
    uvicorn_server,
)
from tests.results.test_results_stream import start_profile
from tests.whatif.conftest import CATALOG, TRAVEL_SPEND, message, run

pytestmark = pytest.mark.servers
SOCKETS_PER_IP = 3


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    workdir = tmp_path_factory.mktemp("whatif-site")
    env = production_environment(workdir, DJANGO_WHATIF_SOCKETS_PER_IP=str(SOCKETS_PER_IP))
    prepare_site(env)
    manage(env, "import_cards", str(CATALOG))
    return env


@pytest.fixture(scope="module")
def four_workers(
    site: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    with uvicorn_server(site, tmp_path_factory.mktemp("uvicorn"), "--workers", "4") as server:
        yield server


def socket_url(server: RunningServer, token: str) -> str:
    return server.base_url.replace("http://", "ws://") + f"/ws/results/{token}/what-if/"


def open_socket(server: RunningServer, token: str, origin: str | None = None) -> connect:
    return connect(socket_url(server, token), origin=origin or server.base_url, proxy=None)


async def ask(socket: ClientConnection) -> str:
    await socket.send(json.dumps(message(TRAVEL_SPEND, wallet_size=3)))
    answer = await asyncio.wait_for(socket.recv(), timeout=30)
    assert isinstance(answer, str)
    return answer


async def closed_with(socket: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), timeout=30)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def assert_answered(html: str) -> None:
    assert 'id="whatif-results"' in html and "drops out." in html
    assert "At $3,920 a month, against your saved $1,870." in html


def test_uvicorn_with_four_workers_answers_over_a_websocket(
    four_workers: RunningServer,
) -> None:
    with four_workers.client() as client:
        token = start_profile(client)

    async def scenario() -> None:
        async with open_socket(four_workers, token) as socket:
            assert_answered(await ask(socket))
            # The same socket answers again: the saved answer is ranked once per socket.
            assert_answered(await ask(socket))
        async with open_socket(four_workers, "no-such-token") as socket:
            assert await closed_with(socket) == 4404

    run(scenario)
    assert "Traceback" not in four_workers.log()


def test_a_foreign_origin_is_refused_by_every_worker(four_workers: RunningServer) -> None:
    with four_workers.client() as client:
        token = start_profile(client)

    async def scenario() -> None:
        for _ in range(4):
            with pytest.raises(InvalidStatus) as refused:
                async with open_socket(four_workers, token, origin="https://evil.example"):
                    pass
            assert refused.value.response.status_code == 403

    run(scenario)


def test_the_per_address_limit_holds_across_workers(four_workers: RunningServer) -> None:
    with four_workers.client() as client:
        token = start_profile(client)

    async def scenario() -> None:
        held = [await open_socket(four_workers, token) for _ in range(SOCKETS_PER_IP)]
        for socket in held:  # each is open and answering, on whichever worker took it
            assert_answered(await ask(socket))
        async with open_socket(four_workers, token) as one_more:
            assert await closed_with(one_more) == 4429
        await held.pop().close()
        await asyncio.sleep(0.5)  # the lease goes back as the server sees the close
        async with open_socket(four_workers, token) as again:
            assert_answered(await ask(again))
        for socket in held:
            await socket.close()

    run(scenario)
    assert "what-if socket closing (4429, too many sockets from this address)" in (
        four_workers.log()
    )


def test_daphne_on_a_tcp_port_answers_over_a_websocket(
    site: dict[str, str], tmp_path: Path
) -> None:
    with daphne_server(site, tmp_path) as server:
        with server.client() as client:
            token = start_profile(client)

        async def scenario() -> None:
            async with open_socket(server, token) as socket:
                assert_answered(await ask(socket))
            async with open_socket(server, "no-such-token") as socket:
                assert await closed_with(socket) == 4404

        run(scenario)
        assert "Traceback" not in server.log()


def test_daphne_on_a_unix_socket_answers_over_a_websocket(
    site: dict[str, str], tmp_path: Path
) -> None:
    path = str(tmp_path / "daphne.sock")
    with running_server(
        daphne_command(uds=path),
        site,
        tmp_path / "daphne-uds.log",
        base_url="http://localhost",
        uds=path,
    ) as server:
        with server.client() as client:
            token = start_profile(client)

        async def scenario() -> None:
            url = f"ws://localhost/ws/results/{token}/what-if/"
            async with unix_connect(path, url, origin="http://localhost") as socket:
                assert_answered(await ask(socket))

        run(scenario)
        assert "Traceback" not in server.log()
