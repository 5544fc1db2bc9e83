"""An OpenAI-compatible upstream that misbehaves on request, for the resilience tests.

Each server takes its next mode from `plan` (then `default`) per request and writes its name to
a shared `tape`, so a test can say which upstreams were called, in what order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Literal

import orjson
from aiohttp import web

__all__ = ["ChaosUpstream", "Mode", "chaos_app"]

Mode = Literal[
    "ok",
    "http_500",
    "http_429",
    "hang",
    "die_before_chunk",
    "die_after_chunks",
    "cut_mid_event",
    "drip",
    "error_in_stream",
    "end_without_done",
]

WORDS = ["Сводка", "готова:", "три", "пункта."]


@dataclass
class ChaosUpstream:
    name: str
    tape: list[str]
    plan: list[Mode] = field(default_factory=list)
    default: Mode = "ok"
    # How long "hang" waits before headers and "drip" between chunks.
    pause_s: float = 1.5
    retry_after: str = "30"
    port: int = 0
    received: list[dict[str, object]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def next_mode(self) -> Mode:
        return self.plan.pop(0) if self.plan else self.default


def _chunk(model: str, delta: dict[str, object], finish: str | None = None) -> bytes:
    event = {
        "id": "chatcmpl-chaos",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(event) + b"\n\n"


def _usage_event(model: str) -> bytes:
    usage = {"prompt_tokens": 11, "completion_tokens": len(WORDS), "total_tokens": 11 + len(WORDS)}
    event = {"id": "chatcmpl-chaos", "object": "chat.completion.chunk", "created": 1}
    return b"data: " + orjson.dumps({**event, "model": model, "choices": [], "usage": usage})


def chaos_app(upstream: ChaosUpstream) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        body = orjson.loads(await request.read())
        upstream.tape.append(upstream.name)
        upstream.received.append(body)
        mode = upstream.next_mode()
        model = str(body.get("model"))
        if mode == "http_500":
            return web.json_response(
                {"error": {"message": "boom", "type": "server_error"}}, status=500
            )
        if mode == "http_429":
            return web.json_response(
                {"error": {"message": "slow down", "type": "rate_limit_error"}},
                status=429,
                headers={"Retry-After": upstream.retry_after},
            )
        if mode == "hang":
            await asyncio.sleep(upstream.pause_s)
        if not body.get("stream"):
            text = " ".join(WORDS)
            return web.json_response(
                {
                    "id": "chatcmpl-chaos",
                    "object": "chat.completion",
                    "created": 1,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15},
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        transport = request.transport
        if mode == "die_before_chunk" and transport is not None:
            transport.abort()
            return response
        await response.write(_chunk(model, {"role": "assistant", "content": ""}))
        for index, word in enumerate(WORDS):
            if index == 2 and mode in ("die_after_chunks", "cut_mid_event", "error_in_stream"):
                return await _misbehave(mode, response, request)
            if index == 2 and mode == "drip":
                await asyncio.sleep(upstream.pause_s)
            await response.write(_chunk(model, {"content": (" " if index else "") + word}))
        await response.write(_chunk(model, {}, "stop"))
        await response.write(_usage_event(model) + b"\n\n")
        if mode != "end_without_done":
            await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    return app


async def _misbehave(
    mode: Mode, response: web.StreamResponse, request: web.Request
) -> web.StreamResponse:
    if mode == "error_in_stream":
        # Ollama's form: an error object inside the 200 stream.
        await response.write(b'data: {"error": "model runner crashed"}\n\n')
    elif mode == "cut_mid_event":
        await response.write(b'data: {"id": "chatcmpl-chaos", "choi')
        await response.write_eof()
        return response
    if request.transport is not None:
        request.transport.abort()
    return response
