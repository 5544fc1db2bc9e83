"""A streamed answer assembles into the completion the cache stores, and serves back as SSE."""

from __future__ import annotations

import asyncio

import orjson

from app.cache.stream import as_stream, assemble
from app.sse import SseSplitter, event_data


def _chunk(**fields: object) -> bytes:
    return orjson.dumps({"id": "c1", "created": 7, "model": "m", **fields})


EVENTS = [
    _chunk(choices=[{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]),
    _chunk(choices=[{"index": 0, "delta": {"content": "lo [EMAIL_1]"}}]),
    _chunk(
        choices=[
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "send", "arguments": '{"to": "'},
                        }
                    ]
                },
            }
        ]
    ),
    _chunk(
        choices=[
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '[EMAIL_1]"}'}}]},
                "finish_reason": "tool_calls",
            }
        ]
    ),
    _chunk(choices=[], usage={"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}),
    b"[DONE]",
]


def test_assemble_joins_content_tool_calls_and_usage() -> None:
    completion = assemble(EVENTS)
    assert completion == {
        "id": "c1",
        "created": 7,
        "model": "m",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello [EMAIL_1]",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "send", "arguments": '{"to": "[EMAIL_1]"}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }


def test_a_broken_stream_is_not_assembled() -> None:
    assert assemble([EVENTS[0], b'{"error": {"message": "broke"}}']) is None
    assert assemble([EVENTS[0], b"not json"]) is None
    assert assemble([b"[DONE]"]) is None


def _served(wants_usage: bool) -> list[bytes]:
    completion = assemble(EVENTS)
    assert completion is not None

    async def collect() -> bytes:
        return b"".join([part async for part in as_stream(completion, wants_usage)])

    splitter = SseSplitter()
    return [d for e, _ in splitter.feed(asyncio.run(collect())) if (d := event_data(e))]


def test_served_stream_reassembles_to_the_same_answer_and_ends_with_done() -> None:
    events = _served(wants_usage=True)
    assert events[-1] == b"[DONE]"
    assert assemble(events) == assemble(EVENTS)


def test_served_stream_has_usage_only_when_asked() -> None:
    assert not any(b'"usage"' in e for e in _served(wants_usage=False))
