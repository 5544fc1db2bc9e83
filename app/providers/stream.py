"""Read an upstream's SSE stream as whole events, and say plainly when it broke.

A stream that ends without `[DONE]`, is cut mid-event, goes quiet past the idle timeout, loses
its connection or carries an `{"error": …}` event (Ollama sends those inside a 200) raises
StreamBroken: the caller turns it into an OpenAI error event for the client, never a clean end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import orjson

from app.sse import SseSplitter, event_data

__all__ = ["DONE", "StreamBroken", "error_event", "upstream_events"]

DONE = b"[DONE]"


class StreamBroken(Exception):
    """The upstream stream failed after its first byte; `reason` is safe to show a client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def error_event(message: str, code: str = "upstream_stream_broken") -> bytes:
    """An OpenAI-format error event (what the `openai` SDK raises APIError on)."""
    error = {"error": {"message": message, "type": "api_error", "param": None, "code": code}}
    return b"data: " + orjson.dumps(error) + b"\n\n"


def _upstream_error(data: bytes | None) -> str | None:
    """The message of an `{"error": …}` event, or None for any other event."""
    if not data or not data.startswith(b"{") or b'"error"' not in data:
        return None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    error = document.get("error") if isinstance(document, dict) else None
    if error is None:
        return None
    message = error.get("message") if isinstance(error, dict) else error
    return str(message or "unknown error")[:200]


async def upstream_events(
    chunks: AsyncIterator[bytes], idle_timeout_s: float
) -> AsyncIterator[list[tuple[bytes, bytes]]]:
    """Yield the events each upstream chunk completes, as (event, separator) pairs.

    Ends after the `[DONE]` event; raises StreamBroken for every other way a stream ends.
    """
    splitter = SseSplitter()
    while True:
        try:
            async with asyncio.timeout(idle_timeout_s):
                chunk = await anext(chunks, None)
        except TimeoutError as exc:
            raise StreamBroken(f"upstream sent nothing for {idle_timeout_s:g}s") from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise StreamBroken(f"upstream connection lost ({type(exc).__name__})") from exc
        if chunk is None:
            if splitter.flush().strip():
                raise StreamBroken("upstream stream was cut mid-event")
            raise StreamBroken("upstream stream ended before [DONE]")
        events = splitter.feed(chunk)
        for index, (event, _) in enumerate(events):
            data = event_data(event)
            if (message := _upstream_error(data)) is not None:
                if index:
                    yield events[:index]
                raise StreamBroken(f"upstream reported an error: {message}")
            if data == DONE:
                yield events[: index + 1]
                return
        if events:
            yield events
