from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import orjson
import pytest

from app.providers.stream import StreamBroken, error_event, upstream_events
from app.sse import split_events


async def _chunks(*parts: bytes, stall_s: float = 0.0) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    await asyncio.sleep(stall_s)


async def _read(chunks: AsyncIterator[bytes], idle_s: float = 1.0) -> list[bytes]:
    events: list[bytes] = []
    async for batch in upstream_events(chunks, idle_s):
        events.extend(event for event, _ in split_events(batch))
    return events


def test_ends_after_done_and_joins_split_events() -> None:
    events = asyncio.run(_read(_chunks(b'data: {"a"', b": 1}\n\ndata: [DONE]\n\n")))
    assert events == [b'data: {"a": 1}', b"data: [DONE]"]


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ((b'data: {"a": 1}\n\n',), "ended before [DONE]"),
        ((b'data: {"a": 1}\n\ndata: {"b"',), "cut mid-event"),
        ((b'data: {"error": {"message": "oom"}}\n\n',), "upstream reported an error: oom"),
        ((b'data: {"error": "runner crashed"}\n\n',), "reported an error: runner crashed"),
    ],
)
def test_every_other_end_is_a_broken_stream(parts: tuple[bytes, ...], reason: str) -> None:
    with pytest.raises(StreamBroken, match=re.escape(reason)):
        asyncio.run(_read(_chunks(*parts)))


def test_a_quiet_upstream_breaks_at_the_idle_timeout() -> None:
    with pytest.raises(StreamBroken, match=re.escape("sent nothing for 0.05s")):
        asyncio.run(_read(_chunks(b'data: {"a": 1}\n\n', stall_s=5), idle_s=0.05))


def test_error_event_is_openai_shaped() -> None:
    event = error_event("the upstream stream broke: x")
    assert event.endswith(b"\n\n")
    assert orjson.loads(event[len(b"data: ") :])["error"]["type"] == "api_error"


def test_whole_events_pass_as_the_upstream_sent_them() -> None:
    parts = (b'data: {"a"', b': 1}\r\n\r\n: keep-alive\n\ndata: {"b": 2}\n\n', b"data: [DONE]\n\n")

    async def collect() -> list[bytes]:
        return [whole async for whole in upstream_events(_chunks(*parts), 1.0)]

    assert asyncio.run(collect()) == [
        b'data: {"a": 1}\r\n\r\n: keep-alive\n\ndata: {"b": 2}\n\n',
        b"data: [DONE]\n\n",
    ]


def test_a_slow_reader_is_not_an_idle_upstream() -> None:
    """The idle timeout counts only while waiting for the upstream, not while the client
    side is busy with what already arrived."""

    async def read_slowly() -> list[bytes]:
        out: list[bytes] = []
        chunks = _chunks(b'data: {"a": 1}\n\n', b'data: {"b": 2}\n\n', b"data: [DONE]\n\n")
        async for whole in upstream_events(chunks, 0.05):
            out.append(whole)
            await asyncio.sleep(0.15)
        return out

    assert len(asyncio.run(read_slowly())) == 3
