"""The what-if WebSocket through the whole ASGI app, with Channels' WebsocketCommunicator."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from catalog.engine_catalog import load_engine_catalog
from catalog.models import Card
from creditcard_guru.asgi import application
from rewards.engine import recommend
from tests.whatif.conftest import SAVED_SPEND, TRAVEL_SPEND, message, run
from whatif import consumers
from whatif.models import SocketLease
from wizard.models import SpendingProfile

pytestmark = pytest.mark.django_db(transaction=True)
ADDRESS = "192.0.2.7"
TIMEOUT = 30  # the engine runs for real, on a machine that may be busy


def socket(
    token: str, *, origin: bytes | None = b"http://localhost", address: str = ADDRESS
) -> WebsocketCommunicator:
    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(
        application, f"/ws/results/{token}/what-if/", headers=headers
    )
    communicator.scope["client"] = [address, 50123]
    return communicator


async def opened(token: str, **kwargs: Any) -> WebsocketCommunicator:
    communicator = socket(token, **kwargs)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def until_closed(communicator: WebsocketCommunicator) -> tuple[int, list[str]]:
    """Read frames until the server closes: (close code, texts received before it)."""
    texts = []
    while True:
        output = await communicator.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output["code"], texts
        texts.append(output["text"])


@pytest.fixture
def whatif_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of the whatif loggers (they do not propagate to the root logger pytest reads)."""
    logger = logging.getLogger("whatif")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="whatif")
    yield caplog
    logger.removeHandler(caplog.handler)


def leases() -> int:
    return SocketLease.objects.count()


def test_a_message_is_answered_with_the_new_ranking_and_its_differences(
    profile: SpendingProfile,
) -> None:
    async def scenario() -> str:
        communicator = await opened(profile.token)
        await communicator.send_json_to(message(TRAVEL_SPEND, wallet_size=3))
        html = await communicator.receive_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return html

    html = run(scenario)
    catalog = load_engine_catalog()
    spend = {category: float(amount) for category, amount in TRAVEL_SPEND.items()}
    expected = recommend(catalog, spend, profile.engine_input(catalog, top_n=3).options)
    for wallet in expected.wallets[1]:
        assert f'<a href="/cards/{wallet.cards[0]}/">' in html
    # Three fragments that htmx swaps by id, and nothing else at the top level.
    assert html.count('id="whatif-status"') == 1
    assert html.count('id="whatif-results"') == 1
    assert html.count('id="whatif-amounts"') == 1
    assert "At $3,920 a month, against your saved $1,870." in html
    assert "3-card wallets" in html
    assert "drops out." in html
    assert "new in this list" in html
    assert '<input type="hidden" name="airfare" value="800">' in html
    assert '<input type="hidden" name="wallet_size" value="3">' in html
    assert "Save these amounts" in html
    assert "csrfmiddlewaretoken" not in html  # the save form's token stays the page's own
    assert leases() == 0
    # Nothing is saved.
    profile.refresh_from_db()
    assert profile.spend()["airfare"] == 0 and profile.wallet_size == 2


def test_only_the_latest_waiting_message_is_computed(
    profile: SpendingProfile, monkeypatch: pytest.MonkeyPatch, whatif_log: Any
) -> None:
    computed: list[str] = []

    async def scenario() -> list[str]:
        gate = asyncio.Event()
        real = consumers.run_engine

        async def gated(job: Any, args: tuple[Any, ...], **kwargs: Any) -> Any:
            computed.append(str(args[3]["groceries"]))  # the edited spend
            await gate.wait()
            return await real(job, args, **kwargs)

        monkeypatch.setattr(consumers, "run_engine", gated)
        communicator = await opened(profile.token)
        for groceries in ("100", "200", "300", "400"):
            await communicator.send_json_to(message({**SAVED_SPEND, "groceries": groceries}))
            while not computed:  # the first message is being computed: the others wait
                await asyncio.sleep(0.01)
        gate.set()
        answers = [await communicator.receive_from(timeout=TIMEOUT) for _ in range(2)]
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
        return answers

    answers = run(scenario)
    assert computed == ["100", "400"]
    assert "At $1,370 a month" in answers[0]
    assert "At $1,670 a month" in answers[1]
    assert "what-if socket closed (1000)" in whatif_log.text


def counted_engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The edited spend of every engine run the sockets make (the real runs, counted)."""
    runs: list[dict[str, Any]] = []
    real = consumers.run_engine

    async def counting(job: Any, args: tuple[Any, ...], **kwargs: Any) -> Any:
        runs.append(args[3])
        return await real(job, args, **kwargs)

    monkeypatch.setattr(consumers, "run_engine", counting)
    return runs


def test_amounts_typed_again_are_answered_without_another_engine_run(
    profile: SpendingProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted_engine_runs(monkeypatch)
    edited = {**SAVED_SPEND, "groceries": "750"}

    async def scenario() -> list[str]:
        first = await opened(profile.token)
        answers = []
        for spend in (edited, TRAVEL_SPEND, edited):
            await first.send_json_to(message(spend))
            answers.append(await first.receive_from(timeout=TIMEOUT))
        await first.disconnect()
        # Another page of the same saved answer asking the same: the same answer, no run.
        second = await opened(profile.token, address="192.0.2.8")
        await second.send_json_to(message(edited))
        answers.append(await second.receive_from(timeout=TIMEOUT))
        await second.disconnect()
        return answers

    answers = run(scenario)
    assert len(runs) == 2
    assert answers[0] == answers[2] == answers[3] != answers[1]
    assert "At $2,020 a month" in answers[0]


def test_a_catalog_change_gives_a_new_answer_for_the_same_amounts(
    profile: SpendingProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted_engine_runs(monkeypatch)
    monkeypatch.setattr(consumers, "CATALOG_CHECK_SECONDS", 0)  # ask the database every time

    async def scenario() -> tuple[str, str, str]:
        communicator = await opened(profile.token)
        await communicator.send_json_to(message(TRAVEL_SPEND))
        before = await communicator.receive_from(timeout=TIMEOUT)
        top = re.search(r'<a href="/cards/([\w-]+)/">', before)
        assert top is not None
        await sync_to_async(retire_card)(top.group(1))
        await communicator.send_json_to(message(TRAVEL_SPEND))
        after = await communicator.receive_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return before, after, top.group(1)

    before, after, retired = run(scenario)
    assert len(runs) == 2
    assert f'href="/cards/{retired}/"' in before
    assert f'href="/cards/{retired}/"' not in after


def retire_card(slug: str) -> None:
    """An editor takes a card out of the catalog (saving it bumps the catalog version)."""
    card = Card.objects.get(slug=slug)
    card.active = False
    card.save()


def test_amounts_that_do_not_validate_get_a_message_and_the_socket_stays_open(
    profile: SpendingProfile,
) -> None:
    async def scenario() -> tuple[str, str, str]:
        communicator = await opened(profile.token)
        await communicator.send_json_to(message({**SAVED_SPEND, "groceries": "-5"}))
        negative = await communicator.receive_from(timeout=TIMEOUT)
        await communicator.send_json_to(message(SAVED_SPEND, bogus="1"))
        unknown = await communicator.receive_from(timeout=TIMEOUT)
        await communicator.send_json_to(message(SAVED_SPEND, wallet_size=1))
        fine = await communicator.receive_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return negative, unknown, fine

    negative, unknown, fine = run(scenario)
    assert "Check the amounts: Groceries: Enter 0 or more" in negative
    # The last good ranking stays on the page: no results fragment, and nothing to save.
    assert 'id="whatif-results"' not in negative
    assert "Fix the amounts above to save them." in negative
    assert "does not accept the field(s): bogus" in unknown
    assert 'id="whatif-results"' in fine and "Single cards" in fine
    assert "2-card wallets" not in fine


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        ({"text": "not json"}, 1007, "not JSON"),
        ({"text": "[1, 2]"}, 1007, "not a JSON object"),
        ({"text": json.dumps({"groceries": 5})}, 1007, "field 'groceries' is not a string"),
        ({"text": json.dumps({f"f{i}": "1" for i in range(100)})}, 1007, "100 fields"),
        ({"text": "x" * 20_000}, 1009, "a message of 20,000 characters"),
        ({"bytes": b"\x00\x01"}, 1003, "a binary message"),
    ],
)
def test_a_bad_message_closes_with_a_clear_code_and_one_log_line_without_traceback(
    profile: SpendingProfile,
    whatif_log: pytest.LogCaptureFixture,
    frame: dict[str, Any],
    code: int,
    reason: str,
) -> None:
    async def scenario() -> tuple[int, list[str]]:
        communicator = await opened(profile.token)
        await communicator.send_input({"type": "websocket.receive", **frame})
        closed = await until_closed(communicator)
        await communicator.disconnect()
        return closed

    closed_with, texts = run(scenario)
    assert closed_with == code
    assert len(texts) == 1 and f"This live panel stopped ({reason})." in texts[0].replace(
        "&#x27;", "'"
    )
    warnings = [r for r in whatif_log.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"what-if socket closing ({code}, {reason}): what-if {profile.token[:6]} from {ADDRESS}"
    ]
    assert all(record.exc_info is None for record in whatif_log.records)
    assert leases() == 0


def test_more_messages_a_second_than_typing_makes_close_the_socket(
    profile: SpendingProfile,
) -> None:
    async def scenario() -> int:
        communicator = await opened(profile.token)
        for groceries in range(consumers.MESSAGE_BURST + 10):
            await communicator.send_json_to(message({**SAVED_SPEND, "groceries": str(groceries)}))
        code, _ = await until_closed(communicator)
        await communicator.disconnect()
        return code

    assert run(scenario) == consumers.CLOSE_TOO_FAST


def test_an_unknown_token_closes_with_4404(shipped_catalog: None) -> None:
    async def scenario() -> int:
        communicator = await opened("no-such-token")
        code, texts = await until_closed(communicator)
        assert texts == []
        await communicator.disconnect()
        return code

    assert run(scenario) == 4404
    assert leases() == 0


@pytest.mark.parametrize("origin", [b"https://evil.example", b"null", None])
def test_an_origin_outside_the_allowed_hosts_is_refused_at_the_handshake(
    profile: SpendingProfile, origin: bytes | None
) -> None:
    async def scenario() -> bool:
        communicator = socket(profile.token, origin=origin)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect(timeout=TIMEOUT)
        return connected

    assert run(scenario) is False
    assert leases() == 0


def test_any_other_websocket_path_is_refused_at_the_handshake(shipped_catalog: None) -> None:
    async def scenario() -> bool:
        communicator = WebsocketCommunicator(
            application, "/ws/elsewhere/", headers=[(b"origin", b"http://localhost")]
        )
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect(timeout=TIMEOUT)
        return connected

    assert run(scenario) is False


def test_the_per_address_limit_counts_sockets_of_every_worker_through_the_database(
    profile: SpendingProfile, settings: Any
) -> None:
    settings.WHATIF_SOCKETS_PER_IP = 2
    # A socket held by another worker (or host), and an expired row of a worker that died.
    now = timezone.now()
    SocketLease.objects.create(client_ip=ADDRESS, expires_at=now + timedelta(minutes=5))
    SocketLease.objects.create(client_ip=ADDRESS, expires_at=now - timedelta(minutes=1))

    async def scenario() -> None:
        first = await opened(profile.token)
        # Answered: its lease is taken (sockets opening at once take turns in either order).
        await first.send_json_to(message(SAVED_SPEND))
        assert 'id="whatif-results"' in await first.receive_from(timeout=TIMEOUT)
        second = await opened(profile.token)
        code, texts = await until_closed(second)
        assert code == consumers.CLOSE_TOO_MANY_SOCKETS
        assert "Too many live panels are open from your address" in texts[0]
        await second.disconnect()
        elsewhere = await opened(profile.token, address="198.51.100.9")
        # Answered, so its lease is written before the first socket gives its own back: the
        # test database (SQLite in memory, shared cache) refuses two writers at once instead of
        # waiting like a database file or PostgreSQL does.
        await elsewhere.send_json_to(message(SAVED_SPEND))
        assert 'id="whatif-results"' in await elsewhere.receive_from(timeout=TIMEOUT)
        await first.disconnect()
        again = await opened(profile.token)
        await again.send_json_to(message(SAVED_SPEND))
        assert 'id="whatif-results"' in await again.receive_from(timeout=TIMEOUT)
        assert await sync_to_async(leases)() == 3
        for communicator in (again, elsewhere):
            await communicator.disconnect()

    run(scenario)
    # Only the other worker's live row is left (the expired one was tidied up).
    assert list(SocketLease.objects.values_list("client_ip", flat=True)) == [ADDRESS]


def test_an_idle_socket_is_closed_with_4408_and_its_lease_returned(
    profile: SpendingProfile, settings: Any, whatif_log: pytest.LogCaptureFixture
) -> None:
    settings.WHATIF_IDLE_SECONDS = 1

    async def scenario() -> tuple[int, list[str]]:
        communicator = await opened(profile.token)
        closed = await until_closed(communicator)
        await communicator.disconnect()
        return closed

    code, texts = run(scenario)
    assert code == 4408
    assert "Paused while you were away: type to carry on." in texts[0]
    assert leases() == 0
    assert "what-if socket closing (4408, idle)" in whatif_log.text


def test_a_socket_is_not_closed_as_idle_while_its_answer_is_being_worked_out(
    profile: SpendingProfile, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine the first answer can take longer than the idle time (CI saw it)."""
    settings.WHATIF_IDLE_SECONDS = 1
    real = consumers.run_engine

    async def slow(job: Any, args: tuple[Any, ...], **kwargs: Any) -> Any:
        await asyncio.sleep(2.5)  # a computation longer than twice the idle time
        return await real(job, args, **kwargs)

    monkeypatch.setattr(consumers, "run_engine", slow)

    async def scenario() -> tuple[int, list[str]]:
        communicator = await opened(profile.token)
        await communicator.send_json_to(message({**SAVED_SPEND, "groceries": "750"}))
        closed = await until_closed(communicator)
        await communicator.disconnect()
        return closed

    code, texts = run(scenario)
    assert code == 4408
    assert "At $2,020 a month" in texts[0]  # the answer came first
    assert "Paused while you were away" in texts[-1]  # idle only after it


def test_the_lease_is_returned_before_the_close_code_reaches_the_client(
    profile: SpendingProfile, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser told its socket closed (4408) reopens it when the person types: by then the
    old socket must no longer count against the address (CI once saw the row still there)."""
    settings.WHATIF_IDLE_SECONDS = 1
    release = SocketLease.objects.release

    def slow_release(lease: SocketLease) -> None:
        time.sleep(0.5)  # a database busy with other writers
        release(lease)

    monkeypatch.setattr(SocketLease.objects, "release", slow_release)

    async def scenario() -> tuple[int, int]:
        communicator = await opened(profile.token)
        code, _ = await until_closed(communicator)
        left = await sync_to_async(leases, thread_sensitive=False)()
        await communicator.disconnect()
        return code, left

    code, left = run(scenario)
    assert code == 4408
    assert left == 0
