"""The thin executor: carry one Decision out, one step each, in order, and nothing else.

    deny     → PolicyDenied (403 with the policy's reasons)
    protect  → block (422) | mask | pseudonymize | none, on every text the model will see
    reserve  → quota hold for the most the request can cost (429 over a limit)
    route    → the decision's routes in order, fallback before the first byte
    restore  → originals back into the answer (streaming-aware)
    settle   → charge the usage the upstream reported; refund when no route answered

Protect runs before reserve (the design had it after) so that a blocked request never
touches the quota store. The policy decides what is permitted; the executor decides what is
possible now.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import orjson

from app.errors import PolicyDenied, UpstreamUnavailable
from app.policy.bundle_data import BundleViews
from app.policy.classify import ScanResult
from app.policy.input import Endpoint
from app.policy.opa import PolicyResult
from app.protect.step import Protected, Protector
from app.protect.vault import SessionScope
from app.providers.catalog import Catalog
from app.providers.routing import Attempt, open_first
from app.providers.sse import SseSplitter, event_data
from app.providers.upstream import UpstreamClient
from app.quota.step import Hold, QuotaStep, output_bound
from app.schemas.contract import Quota, Route

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
    prompt_tokens: int
    max_output: int | None
    scan: ScanResult
    policy: PolicyResult
    session: SessionScope | None = None


@dataclass(slots=True)
class Outcome:
    status: int
    route: Route
    attempts: list[Attempt]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None


class Executor:
    def __init__(
        self,
        upstream: UpstreamClient,
        views: BundleViews,
        protector: Protector,
        quota: QuotaStep,
    ) -> None:
        self._upstream = upstream
        self._views = views
        self._protector = protector
        self._quota = quota

    async def run(self, call: Call) -> Outcome:
        decision = call.policy.decision
        if not decision.allow:
            raise PolicyDenied(
                "request denied by policy: " + "; ".join(decision.reasons or ("no reason given",))
            )
        protected = await self._protector.protect(
            decision.redaction, call.endpoint, call.payload, call.scan, call.session
        )
        catalog = (await self._views.get(call.policy.revision)).catalog
        payload, max_output = _bounded(call, protected.payload, decision.quota, catalog)
        hold = await self._quota.reserve(
            decision.quota,
            decision.routes,
            catalog,
            call.prompt_tokens,
            max_output,
            call.request_id,
        )
        try:
            route, response, attempts = await open_first(
                decision.routes,
                catalog,
                self._upstream,
                _PATHS[call.endpoint],
                lambda r: orjson.dumps({**payload, "model": r.model}),
                call.request_id,
            )
        except UpstreamUnavailable:
            await hold.refund()
            raise
        headers = {k: v for k, v in response.headers.items() if k.lower() in _FORWARDED_HEADERS}
        headers.update(hold.headers())
        if call.stream and response.status == 200:
            wants_usage = bool(_dict(call.payload.get("stream_options")).get("include_usage"))
            relay = _relay(response, protected, hold, route, wants_usage)
            return Outcome(200, route, attempts, headers, stream=relay)
        try:
            body = await response.read()
        finally:
            response.release()
        if response.status != 200:
            await hold.refund()
            return Outcome(response.status, route, attempts, headers, body=body)
        await hold.settle(route, _usage(_json(body)))
        return Outcome(200, route, attempts, headers, body=protected.restore_body(body))


def _bounded(
    call: Call, payload: dict[str, object], quota: Quota, catalog: Catalog
) -> tuple[dict[str, object], int]:
    """The body to send and the output tokens to reserve for it.

    A chat request without max_tokens is reserved at the policy's default (and the upstream
    capped at it, so it cannot overspend) or the worst case; a stream asks for its usage.
    """
    if call.endpoint != "chat.completions":
        return payload, 0
    payload = dict(payload)
    max_output = call.max_output
    if max_output is None:
        routes = call.policy.decision.routes
        max_output = output_bound(quota, routes, catalog, call.prompt_tokens)
        if quota.max_output_default is not None:
            payload["max_tokens"] = max_output
    if call.stream:
        options = _dict(payload.get("stream_options"))
        payload["stream_options"] = {**options, "include_usage": True}
    return payload, max_output


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _json(data: bytes | None) -> object:
    try:
        return orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        return None


def _usage(document: object) -> dict[str, int] | None:
    usage = _dict(document).get("usage")
    if not isinstance(usage, dict):
        return None
    return {k: v for k, v in usage.items() if isinstance(v, int)}


async def _relay(
    response: aiohttp.ClientResponse,
    protected: Protected,
    hold: Hold,
    route: Route,
    wants_usage: bool,
) -> AsyncIterator[bytes]:
    """Pass the upstream's SSE events through as they come, restored where pseudonymized.

    The usage event the gateway asked for settles the quota; it reaches the client only if
    the client asked for it too. Without one, the whole reservation is kept.
    """
    restorer = protected.stream_restorer()
    splitter = SseSplitter()
    usage: dict[str, int] | None = None
    try:
        async for chunk in response.content.iter_any():
            out: list[bytes] = []
            for event, end in splitter.feed(chunk):
                if b'"usage"' in event:
                    document = _json(event_data(event))
                    usage = _usage(document) or usage
                    if not wants_usage and not _dict(document).get("choices"):
                        continue
                if restorer is not None:
                    if event_data(event) == b"[DONE]":
                        out.append(restorer.flush())
                    event = restorer.event(event)
                out.append(event + end)
            if out:
                yield b"".join(out)
        tail = splitter.flush() + (restorer.flush() if restorer else b"")
        if tail:
            yield tail
    finally:
        response.release()
        await hold.settle(route, usage)
