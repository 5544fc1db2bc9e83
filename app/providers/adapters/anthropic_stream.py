"""Anthropic's stream events as OpenAI chat.completion.chunk events.

message_start → a role chunk; content_block_start (tool_use) → a tool call chunk with its id
and name; content_block_delta → content or argument chunks; message_delta → the finish chunk
(its usage is cumulative); message_stop → the usage chunk and `[DONE]`; `error` → an OpenAI
error event (the relay ends the stream with it); ping and thinking are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from app.providers.adapters.base import Malformed, chunk, json_object, usage_chunk

__all__ = ["FINISH", "AnthropicStream", "prompt_tokens"]

FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
DONE = b"[DONE]"


def prompt_tokens(usage: Mapping[str, object]) -> int:
    """Input tokens, cached ones included (Anthropic counts those apart)."""
    names = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    return sum(int(value) for name in names if isinstance(value := usage.get(name), int))


class AnthropicStream:
    def __init__(self, model: str) -> None:
        self._model = model
        self._id = "msg"
        self._prompt = 0
        self._completion = 0
        # Anthropic numbers every content block; OpenAI numbers tool calls only.
        self._tools: dict[int, int] = {}

    def feed(self, data: bytes) -> list[bytes]:
        event = json_object(data)
        kind = event.get("type")
        if kind == "message_start":
            message = _object(event.get("message"))
            self._id = str(message.get("id") or self._id)
            self._count(_object(message.get("usage")))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "content_block_delta":
            return self._delta(event)
        if kind == "message_delta":
            self._count(_object(event.get("usage")))
            reason = _object(event.get("delta")).get("stop_reason")
            return [self._chunk({}, FINISH.get(str(reason), "stop"))] if reason else []
        if kind == "message_stop":
            return [usage_chunk(self._id, self._model, self._prompt, self._completion), DONE]
        if kind == "error":
            error = _object(event.get("error"))
            text = str(error.get("message") or "unknown error")[:200]
            return [orjson.dumps({"error": {"message": text, "type": "api_error"}})]
        if kind in ("ping", "content_block_stop"):
            return []
        raise Malformed(f"the upstream sent an unknown stream event {str(kind)[:40]!r}")

    def _block_start(self, event: Mapping[str, object]) -> list[bytes]:
        block = _object(event.get("content_block"))
        if block.get("type") == "tool_use":
            index = self._tools.setdefault(_index(event), len(self._tools))
            call = {
                "index": index,
                "id": block.get("id"),
                "type": "function",
                "function": {"name": block.get("name"), "arguments": ""},
            }
            return [self._chunk({"tool_calls": [call]})]
        if block.get("type") == "text" and block.get("text"):
            return [self._chunk({"content": block["text"]})]
        return []

    def _delta(self, event: Mapping[str, object]) -> list[bytes]:
        delta = _object(event.get("delta"))
        if delta.get("type") == "text_delta":
            return [self._chunk({"content": str(delta.get("text") or "")})]
        if delta.get("type") == "input_json_delta":
            index = self._tools.get(_index(event))
            if index is None:
                raise Malformed("the upstream sent tool input for a block it never started")
            arguments = str(delta.get("partial_json") or "")
            call = {"index": index, "function": {"arguments": arguments}}
            return [self._chunk({"tool_calls": [call]})]
        return []

    def _count(self, usage: Mapping[str, object]) -> None:
        # Cumulative: the latest figures replace the earlier ones.
        self._prompt = prompt_tokens(usage) or self._prompt
        output = usage.get("output_tokens")
        self._completion = output if isinstance(output, int) else self._completion

    def _chunk(self, delta: Mapping[str, object], finish: str | None = None) -> bytes:
        return chunk(self._id, self._model, delta, finish)


def _object(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _index(event: Mapping[str, object]) -> int:
    index = event.get("index")
    return index if isinstance(index, int) else 0
