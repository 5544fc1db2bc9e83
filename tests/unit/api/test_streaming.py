"""A streamed answer ends when its client leaves, and only then ends early."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.types import Message

from app.api.streaming import RelayResponse

SCOPE = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}}


class _Client:
    """uvicorn's side of the channel: `receive()` answers http.disconnect once the client left
    or the answer is complete; writes after that are dropped silently."""

    def __init__(self, leave_after_chunks: int | None = None) -> None:
        self.chunks: list[bytes] = []
        self.complete = False
        self._leave_after = leave_after_chunks
        self._gone = asyncio.Event()
        self.started = asyncio.Event()

    async def receive(self) -> Message:
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] != "http.response.body" or self._gone.is_set():
            return
        if message["body"]:
            self.chunks.append(message["body"])
            self.started.set()
        if not message["more_body"]:
            self.complete = True
            self._gone.set()
        elif self._leave_after is not None and len(self.chunks) >= self._leave_after:
            self._gone.set()


class _Upstream:
    def __init__(self, chunks: int, forever: bool = False) -> None:
        self.closed = False
        self._chunks = chunks
        self._forever = forever

    async def relay(self) -> AsyncIterator[bytes]:
        try:
            for i in range(self._chunks):
                await asyncio.sleep(0)
                yield f"data: {i}\n\n".encode()
            if self._forever:
                await asyncio.Event().wait()
        finally:
            self.closed = True  # where the executor closes the upstream and settles the quota


def test_a_stream_the_client_reads_to_the_end_is_complete() -> None:
    client, upstream = _Client(), _Upstream(20)

    async def go() -> None:
        await RelayResponse(upstream.relay())(SCOPE, client.receive, client.send)
        await asyncio.sleep(0)  # the watcher, cancelled, must not cancel us afterwards
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]

    asyncio.run(go())
    assert len(client.chunks) == 20
    assert client.complete
    assert upstream.closed


def test_a_client_that_leaves_stops_the_relay_and_the_response_returns() -> None:
    client, upstream = _Client(leave_after_chunks=3), _Upstream(3, forever=True)

    async def go() -> None:
        await asyncio.wait_for(
            RelayResponse(upstream.relay())(SCOPE, client.receive, client.send), 5
        )

    asyncio.run(go())
    assert len(client.chunks) == 3
    assert not client.complete
    assert upstream.closed


def test_a_cancellation_from_outside_still_cancels() -> None:
    client, upstream = _Client(), _Upstream(1, forever=True)

    async def go() -> None:
        task = asyncio.create_task(
            RelayResponse(upstream.relay())(SCOPE, client.receive, client.send)
        )
        await client.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert upstream.closed
