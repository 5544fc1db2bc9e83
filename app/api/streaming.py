"""A streamed answer that stops when its client leaves, watched with one plain asyncio task.

uvicorn (ASGI spec 2.3) drops writes to a closed connection silently, so a stream learns that its
client left only from `receive()`. starlette's `StreamingResponse` waits for that in an anyio task
group around the relay: ~100 µs of CPU per stream on this machine (docs/performance.md, "Server"),
most of a stream's server-side cost. Here one task waits for the disconnect and cancels the relay,
which ends as starlette's does: the body iterator's `finally` runs (the upstream is closed, the
quota settles) and the response returns normally.
"""

from __future__ import annotations

import asyncio

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

__all__ = ["RelayResponse"]


class RelayResponse(StreamingResponse):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = asyncio.current_task()
        if relay is None:
            raise RuntimeError("a relay runs in an asyncio task")
        left = asyncio.Event()
        watcher = asyncio.create_task(_watch(receive, relay, left))
        try:
            await self.stream_response(send)
        except asyncio.CancelledError:
            if not left.is_set():
                raise
            relay.uncancel()  # our own cancellation: the client left, the stream is over
        finally:
            watcher.cancel()


async def _watch(receive: Receive, relay: asyncio.Task[object], left: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        continue
    left.set()
    relay.cancel()
