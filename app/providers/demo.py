"""A clearly labelled demo upstream: an OpenAI-compatible server on loopback, no model.

`kordon serve` starts it when no provider is configured, so the quick start shows the whole
governed path on a machine without a model or internet. Its answers say what it is and echo
what reached it, which makes redaction visible. Tests and benchmarks use the same server.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

__all__ = ["DEMO_LABEL", "create_demo_app"]

DEMO_LABEL = "[kordon demo upstream: not a model]"

# Awaited with (path, parsed body) before answering; may return a status to fail with.
Hook = Callable[[str, dict[str, object]], Awaitable[int | None]]


def _last_user_text(body: dict[str, object]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int) -> web.Response:
    return _json(
        {
            "error": {
                "message": f"demo upstream failure {status}",
                "type": "api_error",
                "code": "upstream_error",
            }
        },
        status,
    )


def create_demo_app(name: str = "demo", hook: Hook | None = None) -> web.Application:
    """Build the server. `name` appears in answers so a caller can tell upstreams apart."""

    async def chat(request: web.Request) -> web.StreamResponse:
        body = orjson.loads(await request.read())
        if hook is not None and (status := await hook(request.path, body)):
            return _error(status)
        model = str(body.get("model", ""))
        reply = f"{DEMO_LABEL} {name} received: {_last_user_text(body)}"
        words = reply.split(" ")
        prompt_tokens = max(1, len(orjson.dumps(body.get("messages"))) // 4)
        created = int(time.time())
        base = {"id": "chatcmpl-demo", "created": created, "model": model}
        if not body.get("stream"):
            return _json(
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": _usage(prompt_tokens, len(words)),
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        chunk = {**base, "object": "chat.completion.chunk"}
        deltas = [{"role": "assistant", "content": ""}] + [
            {"content": w if i == 0 else " " + w} for i, w in enumerate(words)
        ]
        for delta in deltas:
            event = {**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            await response.write(b"data: " + orjson.dumps(event) + b"\n\n")
        final = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await response.write(b"data: " + orjson.dumps(final) + b"\n\n")
        options = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            usage = {**chunk, "choices": [], "usage": _usage(prompt_tokens, len(words))}
            await response.write(b"data: " + orjson.dumps(usage) + b"\n\n")
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def embeddings(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        if hook is not None and (status := await hook(request.path, body)):
            return _error(status)
        raw = body.get("input")
        inputs = raw if isinstance(raw, list) else [raw]
        data = []
        for index, item in enumerate(inputs):
            seed = hashlib.sha256(orjson.dumps(item)).digest()
            data.append(
                {
                    "object": "embedding",
                    "index": index,
                    "embedding": [round(b / 255, 4) for b in seed[:16]],
                }
            )
        return _json(
            {
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": _usage(len(inputs), 0),
            }
        )

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/v1/embeddings", embeddings)
    return app
