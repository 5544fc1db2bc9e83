"""The adapter seam: turn one OpenAI-format request into a vendor's, and its answer back.

Like httpx's transport interface, one small Protocol: `prepare` builds the vendor request,
`translate_body` turns a whole answer (or an error body) into OpenAI's shape, and `stream`
returns a translator that turns each of the vendor's SSE events into OpenAI chunk events, so the
router and the stream relay only ever see the OpenAI wire format.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import orjson

from app.schemas.contract import Route

__all__ = [
    "Adapter",
    "ApiEndpoint",
    "Malformed",
    "Outbound",
    "ProbeRequest",
    "StreamTranslator",
    "UpstreamRequest",
    "chunk",
    "error_document",
    "json_object",
    "usage_chunk",
]

ApiEndpoint = Literal["chat.completions", "embeddings", "models"]


class Malformed(Exception):
    """The vendor's answer cannot be read or translated; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class Outbound:
    """What the executor sends: the OpenAI-format body and the facts adapters may need."""

    endpoint: ApiEndpoint
    payload: Mapping[str, object]
    # The output bound the quota reserved for (Anthropic requires max_tokens).
    max_output: int | None = None
    # The decision's provider_logging: may the vendor keep request logs (YandexGPT)?
    provider_logging: bool = False

    @property
    def stream(self) -> bool:
        return self.endpoint == "chat.completions" and self.payload.get("stream") is True


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    url: str
    body: bytes
    headers: dict[str, str] = field(repr=False)
    # TLS context for this vendor (GigaChat's CA bundle); None uses the system trust store.
    ssl: ssl.SSLContext | None = None
    # Called when the vendor refuses the credentials (a cached token is then dropped).
    rejected: Callable[[], None] | None = None


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """A cheap check that a vendor endpoint answers: one GET of its model list, no tokens spent."""

    url: str
    headers: dict[str, str] = field(repr=False)
    ssl: ssl.SSLContext | None = None
    rejected: Callable[[], None] | None = None


class StreamTranslator(Protocol):
    def feed(self, data: bytes) -> list[bytes]:
        """One vendor SSE event's data -> the OpenAI chunk payloads it becomes (maybe none;
        `[DONE]` ends the stream). Raises Malformed for data it cannot read."""


class Adapter(Protocol):
    async def prepare(self, route: Route, outbound: Outbound) -> UpstreamRequest:
        """The vendor request for this route; raises RouteFailed when the route cannot be
        called (no token, unsupported input) so the router falls over."""

    async def probe(self) -> ProbeRequest | None:
        """The GET that shows this endpoint answers; None when it cannot be probed (no
        credentials configured). Raises RouteFailed when its credentials cannot be had."""

    def translate_body(self, route: Route, status: int, body: bytes) -> bytes:
        """A whole vendor answer as OpenAI's (status 200) or as an OpenAI error document."""

    def stream(self, route: Route) -> StreamTranslator | None:
        """A translator for one stream, or None when the vendor already speaks OpenAI SSE."""


def json_object(body: bytes) -> dict[str, object]:
    """Parse a vendor's JSON object or raise Malformed."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Malformed("the upstream sent malformed JSON") from exc
    if not isinstance(document, dict):
        raise Malformed("the upstream sent JSON that is not an object")
    return document


def error_document(status: int, body: bytes) -> bytes:
    """Any vendor's error body in OpenAI's shape {"error": {message, type, param, code}}.

    Reads OpenAI's own, vLLM's (`{"object": "error", "message", "type", "code": 400}`, an
    integer code), Anthropic's (`{"type": "error", "error": {...}}`) and GigaChat's
    (`{"status": 400, "message": ...}`); anything else becomes a message naming the status.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = None
    error: object = document.get("error", document) if isinstance(document, dict) else None
    if isinstance(error, str):
        error = {"message": error}
    if not isinstance(error, dict) or not error.get("message"):
        error = {}
    code = error.get("code")
    return orjson.dumps(
        {
            "error": {
                "message": str(error.get("message") or f"the upstream answered HTTP {status}"),
                "type": str(error.get("type") or _error_type(status)),
                "param": error.get("param") if isinstance(error.get("param"), str) else None,
                "code": code if isinstance(code, str) else None,
            }
        }
    )


def _error_type(status: int) -> str:
    return "invalid_request_error" if 400 <= status < 500 else "api_error"


def chunk(
    ident: str,
    model: str,
    delta: Mapping[str, object],
    finish_reason: str | None = None,
    created: int | None = None,
) -> bytes:
    """One OpenAI chat.completion.chunk payload with a single choice."""
    return orjson.dumps(
        {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created if created is not None else int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
    )


def usage_chunk(ident: str, model: str, prompt: int, completion: int) -> bytes:
    """The final chunk of a stream asked with include_usage: no choices, the usage."""
    return orjson.dumps(
        {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
    )
