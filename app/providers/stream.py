"""Read an upstream's SSE stream as whole events, and say plainly when it broke.

A stream that ends without `[DONE]`, is cut mid-event, goes quiet past the idle timeout, loses
its connection or carries an `{"error": …}` event (Ollama sends those inside a 200) raises
StreamBroken: the caller turns it into an OpenAI error event for the client, never a clean end.

Per chunk this costs one boundary search and two substring tests: events are taken apart only
when a chunk may hold `[DONE]` or an error, and the idle timeout is one timer per stream that
wakes at most once per idle period (not a timer armed and cancelled around every read).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import orjson

from app.sse import SseSplitter, event_data, split_events

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


class _IdleWatch:
    """Cancels the reading task once a read has waited `idle_s`; one lazily re-armed timer.

    `waiting()` before each read and `arrived()` after it only note the time; the timer, when
    it fires, re-arms itself for the current read's deadline or cancels the task. A stream that
    is not reading (its client is slow) is never timed out here.
    """

    __slots__ = ("_handle", "_idle_s", "_loop", "_since", "_task", "fired")

    def __init__(self, idle_s: float) -> None:
        self._idle_s = idle_s
        self._loop = asyncio.get_running_loop()
        self._handle: asyncio.TimerHandle | None = None
        self._since: float | None = None
        self._task: asyncio.Task[object] | None = None
        self.fired = False

    def waiting(self) -> None:
        self._since = self._loop.time()
        self._task = asyncio.current_task()
        if self._handle is None:
            self._handle = self._loop.call_at(self._since + self._idle_s, self._check)

    def arrived(self) -> None:
        self._since = None

    def _check(self) -> None:
        self._handle = None
        if self._since is None or self._task is None:
            return  # not reading now; the next read arms the timer again
        due = self._since + self._idle_s
        if self._loop.time() < due:
            self._handle = self._loop.call_at(due, self._check)
            return
        self.fired = True
        self._task.cancel()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


async def upstream_events(
    chunks: AsyncIterator[bytes], idle_timeout_s: float
) -> AsyncIterator[bytes]:
    """Yield the whole events each upstream chunk completes, as the upstream sent them
    (separators kept; `app.sse.split_events` takes them apart).

    Ends after the `[DONE]` event; raises StreamBroken for every other way a stream ends.
    """
    splitter = SseSplitter()
    watch = _IdleWatch(idle_timeout_s)
    try:
        while True:
            watch.waiting()
            try:
                chunk = await anext(chunks, None)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if watch.fired and task is not None and task.uncancel() == 0:
                    raise StreamBroken(f"upstream sent nothing for {idle_timeout_s:g}s") from None
                raise
            except (aiohttp.ClientError, ConnectionError) as exc:
                raise StreamBroken(f"upstream connection lost ({type(exc).__name__})") from exc
            watch.arrived()
            if chunk is None:
                if splitter.flush().strip():
                    raise StreamBroken("upstream stream was cut mid-event")
                raise StreamBroken("upstream stream ended before [DONE]")
            whole = splitter.feed_whole(chunk)
            if DONE not in whole and b'"error"' not in whole:
                if whole:
                    yield whole
                continue
            end, error, done = _ending(whole)
            if end:
                yield whole[:end]
            if error is not None:
                raise StreamBroken(f"upstream reported an error: {error}")
            if done:
                return
    finally:
        watch.close()


def _ending(whole: bytes) -> tuple[int, str | None, bool]:
    """How much of `whole` to pass on, and whether the stream ends there: (up to and with
    `[DONE]`, None, True), (up to an error event, its message, False) or (all, None, False)."""
    end = 0
    for event, separator in split_events(whole):
        data = event_data(event)
        if (message := _upstream_error(data)) is not None:
            return end, message, False
        end += len(event) + len(separator)
        if data == DONE:
            return end, None, True
    return end, None, False
