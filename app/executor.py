"""The thin executor: carry one Decision out, one step each, in order, and nothing else.

    deny     → PolicyDenied (403 with the policy's reasons)
    protect  → block (422) | mask | pseudonymize | none, on every text the model will see
    cache    → lookup where the decision's `cache` allows (app/cache/step.py); a hit is served
               with the requester's values restored, draws a request but no tokens from quota
    reserve  → quota hold for the most the request can cost (429 over a limit)
    route    → the decision's routes in order, open circuits skipped, fallback before the
               first byte; after it, a broken stream ends with an OpenAI error event
    restore  → originals back into the answer (streaming-aware)
    settle   → charge the usage the upstream reported (else estimated from what was
               delivered); refund when no route answered
    keep     → store a missed answer (placeholders in) and count its savings

Protect runs before reserve (the design had it after) so that a blocked request never
touches the quota store. The policy decides what is permitted; the executor decides what is
possible now.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import aiohttp
import orjson

from app.cache.entries import Entry
from app.cache.step import NO_USAGE, CacheStep, Ticket
from app.errors import PolicyDenied, UpstreamUnavailable
from app.policy.bundle_data import BundleViews
from app.policy.input import Endpoint
from app.policy.opa import PolicyResult
from app.protect.scan import ScanResult
from app.protect.step import Protected, Protector
from app.protect.vault import SessionScope
from app.providers.adapters.base import Outbound
from app.providers.catalog import Catalog
from app.providers.response import UpstreamResponse
from app.providers.routing import Attempt, Lease, Router
from app.providers.stream import DONE, StreamBroken, error_event, upstream_events
from app.quota.amounts import Price
from app.quota.step import Hold, QuotaStep, output_bound
from app.quota.tokens import count_text_tokens
from app.schemas.contract import Quota, Route
from app.sse import event_data, split_events

__all__ = ["Call", "Executor", "Outcome"]

_FORWARDED_HEADERS = ("content-type",)
# An event carrying the usage the gateway settles on (OpenAI sends `"usage": null` on the rest).
_USAGE = re.compile(rb'"usage"\s*:\s*\{')


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
    tenant: str = ""


@dataclass(slots=True)
class Outcome:
    status: int
    route: Route
    attempts: list[Attempt]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    # For the audit record: when the route's response headers arrived (perf_counter), its
    # price, and the usage it reported (a stream's comes last: the relay sets it).
    first_byte: float = 0.0
    price: Price | None = None
    usage: dict[str, int] | None = None
    # hit-exact | hit-semantic | miss | off (also the x-kordon-cache header)
    cache: str = "off"


class Executor:
    def __init__(
        self,
        router: Router,
        views: BundleViews,
        protector: Protector,
        quota: QuotaStep,
        idle_timeout_s: float,
        cache: CacheStep,
    ) -> None:
        self._cache = cache
        self._router = router
        self._idle_timeout_s = idle_timeout_s
        self._views = views
        self._protector = protector
        self._quota = quota

    async def run(self, call: Call) -> Outcome:
        decision = call.policy.decision
        if not decision.allow:
            await self._views.follow(call.policy.revision)
            raise PolicyDenied(
                "request denied by policy: " + "; ".join(decision.reasons or ("no reason given",))
            )
        protected = await self._protector.protect(
            decision.redaction, call.endpoint, call.payload, call.scan, call.session
        )
        catalog = (await self._views.get(call.policy.revision)).catalog
        payload, max_output = _bounded(call, protected.payload, decision.quota, catalog)
        ticket = await self._cache.lookup(call.tenant, call.endpoint, decision, payload)
        if (entry := ticket.hit) is not None:
            return await self._from_cache(call, ticket, entry, protected, catalog)
        hold = await self._quota.reserve(
            decision.quota,
            decision.routes,
            catalog,
            call.prompt_tokens,
            max_output,
            call.request_id,
        )
        try:
            opened = await self._router.open_first(
                decision.routes,
                catalog,
                Outbound(call.endpoint, payload, max_output, decision.provider_logging),
                call.request_id,
                decision.region,
            )
        except UpstreamUnavailable:
            await hold.refund()
            raise
        route, response, attempts = opened.route, opened.response, opened.attempts
        headers = {k: v for k, v in response.headers.items() if k.lower() in _FORWARDED_HEADERS}
        headers.update(hold.headers())
        facts = catalog.models.get((route.provider, route.model))
        outcome = Outcome(response.status, route, attempts, headers, first_byte=time.perf_counter())
        outcome.price = facts.price if facts else None
        outcome.cache = ticket.status
        keep = functools.partial(self._cache.keep, ticket, prices=catalog)
        if call.stream and response.status == 200:
            relay = _Relay(response, opened.lease, hold, outcome, call.prompt_tokens, keep)
            outcome.stream = relay.run(protected, _wants_usage(call), self._idle_timeout_s)
            return outcome
        try:
            body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            opened.lease.finish(False, "response body cut short")
            await hold.refund()
            raise UpstreamUnavailable("the upstream's response was cut short") from exc
        except BaseException:
            opened.lease.finish(None)
            raise
        finally:
            response.release()
        opened.lease.finish(True)
        if response.status != 200:
            await hold.refund()
            outcome.body = body
            return outcome
        outcome.usage = _usage(_json(body))
        await hold.settle(route, outcome.usage)
        await keep(route, outcome.usage, answer=body)
        outcome.body = protected.restore_body(body)
        return outcome

    async def _from_cache(
        self, call: Call, ticket: Ticket, entry: Entry, protected: Protected, catalog: Catalog
    ) -> Outcome:
        """Serve a hit. It still passes quota: it draws a request, but no tokens or money,
        because no upstream was called (docs/cache.md)."""
        decision = call.policy.decision
        hold = await self._quota.reserve(
            decision.quota, decision.routes, catalog, 0, 0, call.request_id
        )
        served = self._cache.serve(entry, call.stream, _wants_usage(call), protected.restore_body)
        await hold.settle(served.route, NO_USAGE)
        await self._cache.keep(ticket, served.route, None, catalog, b"")
        headers = dict(hold.headers())
        if served.stream is None:
            headers["content-type"] = "application/json"
        outcome = Outcome(200, served.route, [], headers, served.body, served.stream)
        outcome.usage, outcome.cache = dict(NO_USAGE), ticket.status
        return outcome


def _wants_usage(call: Call) -> bool:
    return bool(_dict(call.payload.get("stream_options")).get("include_usage"))


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


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _json(data: bytes | None) -> object:
    try:
        return orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        return None


def _ends_stream(whole: bytes) -> bool:
    """Whether the last of these whole events is `[DONE]` (upstream_events ends with it)."""
    events = split_events(whole)
    return bool(events) and event_data(events[-1][0]) == DONE


def _usage(document: object) -> dict[str, int] | None:
    usage = _dict(document).get("usage")
    if not isinstance(usage, dict):
        return None
    return {k: v for k, v in usage.items() if isinstance(v, int)}


class _Relay:
    """One stream's relay: what it delivered, how it ended, and the settlement that follows.

    A chunk that needs nothing (no placeholder to restore, no usage event, no `[DONE]`) is
    passed on as the upstream sent it; only the others are taken apart event by event. What was
    delivered is kept as those same bytes and read only if the stream ends without a usage
    event or its answer is to be cached.
    """

    def __init__(
        self,
        response: UpstreamResponse,
        lease: Lease,
        hold: Hold,
        outcome: Outcome,
        prompt_tokens: int,
        keep: Callable[..., Awaitable[None]],
    ) -> None:
        self._keep = keep
        self._response = response
        self._lease = lease
        self._hold = hold
        self._outcome = outcome
        self._prompt_tokens = prompt_tokens
        self._delivered: list[bytes] = []
        self._finished = False

    async def run(
        self, protected: Protected, wants_usage: bool, idle_timeout_s: float
    ) -> AsyncIterator[bytes]:
        """Pass the upstream's SSE events through as they come, restored where pseudonymized.

        The usage event the gateway asked for settles the quota; it reaches the client only if
        the client asked for it too. A stream that breaks ends with an OpenAI error event and
        no `[DONE]`; its quota is settled on what was delivered.
        """
        restorer = protected.stream_restorer()
        usage: dict[str, int] | None = None
        verdict: bool | None = None
        reason: str | None = None
        started = False
        try:
            try:
                async for whole in upstream_events(self._response.chunks(), idle_timeout_s):
                    self._delivered.append(whole)
                    if not started and b"data:" in whole:
                        started = True
                        self._lease.first_token()
                    if restorer is None and _USAGE.search(whole) is None:
                        if DONE in whole and _ends_stream(whole):
                            await self._finish(usage, True, None)  # before [DONE]: see below
                        yield whole
                        continue
                    out: list[bytes] = []
                    done = False
                    for event, end in split_events(whole):
                        data = event_data(event)
                        done = done or data == DONE
                        if _USAGE.search(event) is not None:
                            document = _json(data)
                            usage = _usage(document) or usage
                            if not wants_usage and not _dict(document).get("choices"):
                                continue
                        if restorer is not None:
                            if data == DONE:
                                out.append(restorer.flush())
                            event = restorer.event(event)
                        out.append(event + end)
                    if done:
                        # Settled and cached before the client sees [DONE], so its next
                        # request finds both.
                        await self._finish(usage, True, None)
                    if out:
                        yield b"".join(out)
                verdict = True
            except StreamBroken as exc:
                verdict, reason = False, exc.reason
                held = restorer.flush() if restorer is not None else b""
                yield held + error_event(f"the upstream stream broke: {exc.reason}")
        finally:
            self._response.release()
            await self._finish(usage, verdict, reason)

    async def _finish(
        self, usage: dict[str, int] | None, verdict: bool | None, reason: str | None
    ) -> None:
        if self._finished:
            return
        self._finished = True
        self._lease.finish(verdict, reason)
        self._outcome.usage = usage or self._delivered_usage()
        await self._hold.settle(self._outcome.route, self._outcome.usage)
        if verdict:
            await self._keep(self._outcome.route, self._outcome.usage, answer=self._data())

    def _data(self) -> Iterator[bytes]:
        """The data of every delivered event but `[DONE]`, as the upstream sent it; read only
        by whoever needs it (the cache, when it stores a missed answer)."""
        for whole in self._delivered:
            for event, _ in split_events(whole):
                if (data := event_data(event)) is not None and data != DONE:
                    yield data

    def _delivered_usage(self) -> dict[str, int]:
        """No usage from the upstream: count the completion tokens that were delivered."""
        parts: list[str] = []
        for data in self._data():
            for choice in _list(_dict(_json(data)).get("choices")):
                delta = _dict(_dict(choice).get("delta"))
                parts.append(str(delta.get("content") or ""))
                for call in _list(delta.get("tool_calls")):
                    parts.append(str(_dict(_dict(call).get("function")).get("arguments") or ""))
        completion = count_text_tokens("".join(parts), self._outcome.route.model)
        return {
            "prompt_tokens": self._prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self._prompt_tokens + completion,
        }
