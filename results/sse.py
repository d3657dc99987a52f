"""Server-Sent Events: event encoding, and a response that always closes its event generator."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from django.http import StreamingHttpResponse


@dataclass(frozen=True)
class ServerSentEvent:
    """One SSE message: an event name, HTML (or text) data, and an id for resuming."""

    event: str
    data: str
    id: int | None = None

    def encode(self) -> bytes:
        """The wire format: one `data:` line per line of data, a blank line to end it."""
        lines = []
        if self.id is not None:
            lines.append(f"id: {self.id}")
        lines.append(f"event: {self.event}")
        lines.extend(f"data: {line}" for line in self.data.splitlines() or [""])
        return ("\n".join(lines) + "\n\n").encode()


class EventStreamResponse(StreamingHttpResponse):
    """A text/event-stream response that always closes its event generator.

    Django closes only its own wrapper when a client disconnects mid-send; closing ours too
    runs its `finally` blocks at once (stop the computation, release the stream lease) instead
    of whenever the garbage collector gets to it.
    """

    def __init__(self, events: AsyncGenerator[bytes, None], first: bytes | None = None) -> None:
        super().__init__(events, content_type="text/event-stream")
        self._events = events
        self._first = first
        self["Cache-Control"] = "no-cache"
        # nginx and similar proxies must pass each event on at once.
        self["X-Accel-Buffering"] = "no"

    @classmethod
    async def primed(cls, events: AsyncGenerator[bytes, None]) -> EventStreamResponse:
        """The response, with the generator already run to its first event.

        A generator that never started never runs its `finally`. If the client leaves after
        the view returned but before Django began sending, nobody iterates the response; a
        started generator is still closed (by the event loop's async generator finalizer) when
        it is dropped, so its clean-up runs all the same.
        """
        first = await events.__anext__()
        return cls(events, first)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            if self._first is not None:
                yield self._first
            async for part in self._events:
                yield part
        finally:
            await self._events.aclose()


def sse_comment(text: str) -> bytes:
    """A comment line: ignored by clients, it keeps proxies from closing an idle stream."""
    return f": {text}\n\n".encode()
