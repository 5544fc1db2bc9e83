"""OpenAI-compatible servers (vLLM, Ollama, TGI, Mistral, Cloud.ru, OpenAI): pass-through.

Quirks handled: vLLM's error bodies (`{"object": "error", ..., "code": 400}`) become OpenAI's
error shape (base.error_document); streams are relayed as they are, and Ollama's `{"error": …}`
inside a 200 stream is caught by the relay (app/providers/stream.py). Streaming usage comes only
with `stream_options.include_usage`, which the executor always sets.
"""

from __future__ import annotations

import orjson

from app.providers.adapters.base import (
    Outbound,
    ProbeRequest,
    StreamTranslator,
    UpstreamRequest,
    error_document,
    json_object,
)
from app.providers.catalog import Endpoint
from app.schemas.contract import Route

__all__ = ["PATHS", "OpenAICompatible"]

PATHS = {"chat.completions": "/chat/completions", "embeddings": "/embeddings"}


class OpenAICompatible:
    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    async def prepare(self, route: Route, outbound: Outbound) -> UpstreamRequest:
        payload = {**outbound.payload, "model": self.model_name(route)}
        return UpstreamRequest(
            self._endpoint.base_url + PATHS[outbound.endpoint],
            orjson.dumps(payload),
            self.headers(outbound),
        )

    def model_name(self, route: Route) -> str:
        return route.model

    def headers(self, outbound: Outbound) -> dict[str, str]:
        return {"Content-Type": "application/json", **self.credentials()}

    def credentials(self) -> dict[str, str]:
        if self._endpoint.api_key:
            return {"Authorization": f"Bearer {self._endpoint.api_key}"}
        return {}

    async def probe(self) -> ProbeRequest | None:
        return ProbeRequest(self._endpoint.base_url + "/models", self.credentials())

    def translate_body(self, route: Route, status: int, body: bytes) -> bytes:
        if status != 200:
            return error_document(status, body)
        json_object(body)  # a 200 that is not JSON is a failed route, not an answer
        return body

    def stream(self, route: Route) -> StreamTranslator | None:
        return None
