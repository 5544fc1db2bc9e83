"""Streams and stored answers: a streamed completion is assembled into the one object the
cache stores, and a stored completion is served to a streaming client as SSE chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import orjson

__all__ = ["as_stream", "assemble"]

_DONE = b"[DONE]"


def assemble(events: Iterable[bytes]) -> dict[str, object] | None:
    """The chat.completion a stream's data events add up to; None if any is not a chunk."""
    head: dict[str, object] = {}
    choices: dict[int, dict[str, object]] = {}
    usage: object = None
    for data in events:
        if data == _DONE:
            continue
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(chunk, dict) or "error" in chunk:
            return None
        for field in ("id", "created", "model", "system_fingerprint"):
            if field in chunk:
                head.setdefault(field, chunk[field])
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or ():
            _merge(choices.setdefault(int(choice.get("index", 0)), {}), choice)
    if not choices:
        return None
    return {
        **head,
        "object": "chat.completion",
        "choices": [_finished(i, choices[i]) for i in sorted(choices)],
        **({"usage": usage} if usage else {}),
    }


def _merge(into: dict[str, Any], choice: dict[str, Any]) -> None:
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        return
    if delta.get("role"):
        into["role"] = delta["role"]
    if isinstance(delta.get("content"), str):
        into["content"] = str(into.get("content") or "") + delta["content"]
    calls: dict[int, Any] = into.setdefault("tool_calls", {})
    for call in delta.get("tool_calls") or ():
        slot = calls.setdefault(int(call.get("index", 0)), {"function": {"arguments": ""}})
        for field in ("id", "type"):
            if call.get(field):
                slot[field] = call[field]
        function = call.get("function") or {}
        if function.get("name"):
            slot["function"]["name"] = function["name"]
        slot["function"]["arguments"] += function.get("arguments") or ""
    if choice.get("finish_reason"):
        into["finish_reason"] = choice["finish_reason"]


def _finished(index: int, parts: dict[str, object]) -> dict[str, object]:
    message: dict[str, object] = {
        "role": parts.get("role", "assistant"),
        "content": parts.get("content"),
    }
    calls = parts.get("tool_calls")
    if isinstance(calls, dict) and calls:
        message["tool_calls"] = [{"index": i, **calls[i]} for i in sorted(calls)]
    return {"index": index, "message": message, "finish_reason": parts.get("finish_reason")}


async def as_stream(completion: Mapping[str, Any], wants_usage: bool) -> AsyncIterator[bytes]:
    """A stored completion as the SSE chunks an upstream would have sent, then ``[DONE]``."""
    head = {
        "id": completion.get("id"),
        "object": "chat.completion.chunk",
        "created": completion.get("created"),
        "model": completion.get("model"),
    }
    out: list[bytes] = []
    for choice in completion.get("choices") or ():
        message = dict(choice.get("message") or {})
        index = choice.get("index", 0)
        delta = {k: v for k, v in message.items() if v is not None}
        out.append(_event({**head, "choices": [{"index": index, "delta": delta}]}))
        finish = {"index": index, "delta": {}, "finish_reason": choice.get("finish_reason")}
        out.append(_event({**head, "choices": [finish]}))
    if wants_usage and completion.get("usage"):
        out.append(_event({**head, "choices": [], "usage": completion["usage"]}))
    out.append(b"data: " + _DONE + b"\n\n")
    yield b"".join(out)


def _event(document: dict[str, object]) -> bytes:
    return b"data: " + orjson.dumps(document) + b"\n\n"
