"""Server-Sent Events on the wire, and a response that always closes its event generator."""

from __future__ import annotations

import asyncio
import gc

from results.sse import EventStreamResponse, ServerSentEvent
from tests.results.asyncio_helpers import run


def test_an_event_is_encoded_with_its_id_name_and_one_data_line_per_line() -> None:
    event = ServerSentEvent("results", "<p>one</p>\n<p>two</p>", 100)
    assert event.encode() == b"id: 100\nevent: results\ndata: <p>one</p>\ndata: <p>two</p>\n\n"


def test_an_event_without_id_leaves_the_id_line_out() -> None:
    assert ServerSentEvent("progress", "x").encode() == b"event: progress\ndata: x\n\n"


def test_a_primed_response_sends_the_first_event_then_the_rest() -> None:
    async def events():  # type: ignore[no-untyped-def]
        yield b"one"
        yield b"two"

    async def main() -> list[bytes]:
        response = await EventStreamResponse.primed(events())
        return [part async for part in response]

    assert run(main) == [b"one", b"two"]


def test_a_primed_response_that_is_never_sent_still_cleans_up() -> None:
    cleaned: list[str] = []

    async def events():  # type: ignore[no-untyped-def]
        try:
            yield b"one"
            yield b"two"
        finally:
            await asyncio.sleep(0)  # the real clean-up awaits the database
            cleaned.append("released")

    async def main() -> None:
        # The client left before Django began sending: the response is simply dropped.
        await EventStreamResponse.primed(events())
        gc.collect()
        for _ in range(50):
            if cleaned:
                return
            await asyncio.sleep(0.01)

    run(main)
    assert cleaned == ["released"]
