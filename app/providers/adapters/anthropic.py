"""Anthropic's Messages API behind the OpenAI chat API, both ways (streams: anthropic_stream).

Requests: system messages become `system`, tool calls `tool_use` blocks, tool results
`tool_result` blocks in a user turn, image_url parts base64 (data URLs) or url image blocks;
turns of one role are merged (Anthropic wants them alternating); `max_tokens`, which Anthropic
requires, is the request's or the output bound the quota reserved. Headers: `x-api-key` and
`anthropic-version`.
"""

from __future__ import annotations

import time

import orjson

from app.providers.adapters.anthropic_stream import FINISH, AnthropicStream, prompt_tokens
from app.providers.adapters.base import (
    Malformed,
    Outbound,
    ProbeRequest,
    UpstreamRequest,
    error_document,
    json_object,
)
from app.providers.adapters.messages import content_text, dicts, parse_arguments
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed
from app.schemas.contract import Route

__all__ = ["VERSION", "Anthropic"]

VERSION = "2023-06-01"
_DEFAULT_MAX_TOKENS = 4096


class Anthropic:
    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    async def prepare(self, route: Route, outbound: Outbound) -> UpstreamRequest:
        if outbound.endpoint != "chat.completions":
            raise RouteFailed("anthropic has no embeddings endpoint")
        return UpstreamRequest(
            self._endpoint.base_url + "/messages",
            orjson.dumps(messages_request(route.model, outbound)),
            {"Content-Type": "application/json", **self._credentials()},
        )

    async def probe(self) -> ProbeRequest | None:
        """List Models (`GET /v1/models`), one entry, with the key and version a call sends."""
        if not self._endpoint.api_key:
            return None
        return ProbeRequest(self._endpoint.base_url + "/models?limit=1", self._credentials())

    def _credentials(self) -> dict[str, str]:
        return {"x-api-key": self._endpoint.api_key or "", "anthropic-version": VERSION}

    def translate_body(self, route: Route, status: int, body: bytes) -> bytes:
        if status != 200:
            return error_document(status, body)
        return orjson.dumps(completion(json_object(body), route.model))

    def stream(self, route: Route) -> AnthropicStream:
        return AnthropicStream(route.model)


def messages_request(model: str, outbound: Outbound) -> dict[str, object]:
    payload = outbound.payload
    system: list[str] = []
    turns: list[dict[str, object]] = []
    for message in dicts(payload.get("messages")):
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(content_text(message.get("content")))
        elif role == "tool":
            _append(turns, "user", [_tool_result(message)])
        elif role == "assistant":
            _append(turns, "assistant", _assistant_blocks(message))
        else:
            _append(turns, "user", _user_blocks(message.get("content")))
    max_tokens = payload.get("max_completion_tokens") or payload.get("max_tokens")
    request: dict[str, object] = {
        "model": model,
        "messages": turns,
        "max_tokens": max_tokens or outbound.max_output or _DEFAULT_MAX_TOKENS,
        "stream": outbound.stream,
    }
    if system:
        request["system"] = "\n\n".join(system)
    for name in ("temperature", "top_p"):
        if payload.get(name) is not None:
            request[name] = payload[name]
    stop = payload.get("stop")
    if stop:
        request["stop_sequences"] = [stop] if isinstance(stop, str) else stop
    tools = [_tool(tool) for tool in dicts(payload.get("tools"))]
    if tools:
        request["tools"] = tools
        if (choice := _tool_choice(payload)) is not None:
            request["tool_choice"] = choice
    return request


def _append(turns: list[dict[str, object]], role: str, blocks: list[dict[str, object]]) -> None:
    if turns and turns[-1]["role"] == role:
        previous = turns[-1]["content"]
        if isinstance(previous, list):
            previous.extend(blocks)
            return
    turns.append({"role": role, "content": blocks})


def _user_blocks(content: object) -> list[dict[str, object]]:
    if not isinstance(content, list):
        return [{"type": "text", "text": content_text(content)}]
    blocks: list[dict[str, object]] = []
    for part in dicts(content):
        if part.get("type") == "image_url":
            image = part.get("image_url")
            url = str(image.get("url") if isinstance(image, dict) else image or "")
            blocks.append({"type": "image", "source": _image_source(url)})
        elif part.get("type") == "text":
            blocks.append({"type": "text", "text": str(part.get("text") or "")})
    return blocks


def _image_source(url: str) -> dict[str, object]:
    if not url.startswith("data:"):
        return {"type": "url", "url": url}
    header, _, data = url[5:].partition(",")
    media_type, _, encoding = header.partition(";")
    if encoding != "base64" or not data:
        raise RouteFailed("an image data URL that is not base64 cannot be sent to anthropic")
    return {"type": "base64", "media_type": media_type, "data": data}


def _assistant_blocks(message: dict[str, object]) -> list[dict[str, object]]:
    blocks: list[dict[str, object]] = []
    if text := content_text(message.get("content")):
        blocks.append({"type": "text", "text": text})
    for call in dicts(message.get("tool_calls")):
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        blocks.append(
            {
                "type": "tool_use",
                "id": str(call.get("id") or ""),
                "name": str(function.get("name") or ""),
                "input": parse_arguments(function.get("arguments")),
            }
        )
    return blocks


def _tool_result(message: dict[str, object]) -> dict[str, object]:
    return {
        "type": "tool_result",
        "tool_use_id": str(message.get("tool_call_id") or ""),
        "content": content_text(message.get("content")),
    }


def _tool(tool: dict[str, object]) -> dict[str, object]:
    function = tool.get("function")
    function = function if isinstance(function, dict) else {}
    spec: dict[str, object] = {
        "name": str(function.get("name") or ""),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        spec["description"] = function["description"]
    return spec


def _tool_choice(payload: object) -> dict[str, object] | None:
    choice = payload.get("tool_choice") if isinstance(payload, dict) else None
    if choice == "required":
        return {"type": "any"}
    if choice in ("auto", "none"):
        return {"type": choice}
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "tool", "name": str(choice["function"].get("name") or "")}
    return None


def completion(message: dict[str, object], model: str) -> dict[str, object]:
    """An Anthropic message as an OpenAI chat.completion."""
    texts: list[str] = []
    calls: list[dict[str, object]] = []
    for block in dicts(message.get("content")):
        if block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "tool_use":
            arguments = orjson.dumps(block.get("input") or {}).decode()
            function = {"name": block.get("name"), "arguments": arguments}
            calls.append({"id": block.get("id"), "type": "function", "function": function})
    if message.get("type") != "message":
        raise Malformed("the upstream sent something other than a message")
    reply: dict[str, object] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        reply["tool_calls"] = calls
    usage = message.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    prompt = prompt_tokens(usage)
    completion_tokens = int(usage.get("output_tokens") or 0)
    return {
        "id": message.get("id"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": reply,
                "finish_reason": FINISH.get(str(message.get("stop_reason")), "stop"),
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
        },
    }
