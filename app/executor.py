"""The thin executor: carry one Decision out, one step each, in order, and nothing else.

    deny     → PolicyDenied (403 with the policy's reasons)
    protect  → block (422) | mask | pseudonymize | none, on every text the model will see
    route    → the decision's routes in order, fallback before the first byte
    restore  → originals back into the answer (streaming-aware)

The policy decides what is permitted; the executor decides what is possible now.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import orjson

from app.errors import PolicyDenied
from app.policy.classify import ScanResult
from app.policy.input import Endpoint
from app.policy.opa import PolicyResult
from app.protect.step import Protected, protect
from app.providers.catalog import CatalogCache
from app.providers.routing import Attempt, open_first
from app.providers.upstream import UpstreamClient
from app.schemas.contract import Route

__all__ = ["Call", "Executor", "Outcome"]

_PATHS: dict[Endpoint, str] = {
    "chat.completions": "/chat/completions",
    "embeddings": "/embeddings",
}
_FORWARDED_HEADERS = ("content-type",)


@dataclass(frozen=True, slots=True)
class Call:
    request_id: str
    endpoint: Endpoint
    payload: dict[str, object]
    stream: bool
    scan: ScanResult
    policy: PolicyResult


@dataclass(slots=True)
class Outcome:
    status: int
    route: Route
    attempts: list[Attempt]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None


class Executor:
    def __init__(self, upstream: UpstreamClient, catalogs: CatalogCache) -> None:
        self._upstream = upstream
        self._catalogs = catalogs

    async def run(self, call: Call) -> Outcome:
        decision = call.policy.decision
        if not decision.allow:
            raise PolicyDenied(
                "request denied by policy: " + "; ".join(decision.reasons or ("no reason given",))
            )
        protected = protect(decision.redaction, call.endpoint, call.payload, call.scan)
        catalog = await self._catalogs.get(call.policy.revision)
        route, response, attempts = await open_first(
            decision.routes,
            catalog,
            self._upstream,
            _PATHS[call.endpoint],
            lambda r: orjson.dumps({**protected.payload, "model": r.model}),
            call.request_id,
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() in _FORWARDED_HEADERS}
        is_stream = call.stream and response.status == 200
        if is_stream:
            return Outcome(200, route, attempts, headers, stream=_relay(response, protected))
        try:
            body = await response.read()
        finally:
            response.release()
        if response.status == 200:
            body = protected.restore_body(body)
        return Outcome(response.status, route, attempts, headers, body=body)


async def _relay(response: aiohttp.ClientResponse, protected: Protected) -> AsyncIterator[bytes]:
    """Pass the upstream's SSE bytes through as they come (restored where pseudonymized)."""
    restore = protected.stream_restorer()
    try:
        async for chunk in response.content.iter_any():
            out = restore.feed(chunk) if restore else chunk
            if out:
                yield out
        if restore:
            tail = restore.flush()
            if tail:
                yield tail
    finally:
        response.release()
