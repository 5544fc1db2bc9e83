"""The executor's cache steps: ``lookup`` after protect, ``keep`` once an answer is complete.

A lookup happens only where the decision's ``cache`` allows it: mode exact (or semantic), a
TTL, and, for a sampled request (temperature above 0), ``sampled: true``. Keys come from the
redacted payload and the decision's scope (``keys.py``). In semantic mode a chat request that
misses the exact key is then matched by meaning (``semantic.py``) against prompts this process
kept in the same scope, and a missed answer is kept for both. A hit is served with the requester's
own placeholders restored, as a stream when the request streams. The backend failing is a
miss, never an error: the cache can only save work, not refuse it.

``keep`` stores a missed answer (with placeholders) and counts what the request saved against
its all-cloud baseline, for every answered request, cached or not (``savings.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import orjson

from app.cache.entries import Entry
from app.cache.keys import Scope, fingerprint, sampled
from app.cache.savings import charge, period_of
from app.cache.store import CacheStore, CacheUnavailable
from app.cache.stream import as_stream, assemble
from app.quota.step import PriceBook
from app.schemas.contract import Decision, Route

if TYPE_CHECKING:
    from app.cache.semantic import Probe, SemanticCache

__all__ = ["CacheStep", "Served", "Status", "Ticket"]

log = logging.getLogger("kordon.cache")

Status = Literal["off", "miss", "hit-exact", "hit-semantic"]
# Zero upstream tokens: what a hit settles its quota reservation with.
NO_USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@dataclass(frozen=True, slots=True)
class Ticket:
    """One request's passage through the cache: what the lookup found and where to keep."""

    status: Status
    tenant: str
    decision: Decision
    key: str | None = None
    entry: Entry | None = None
    probe: Probe | None = None  # semantic mode: the prompt to index once the answer is kept

    @property
    def hit(self) -> Entry | None:
        return self.entry if self.status.startswith("hit") else None


@dataclass(frozen=True, slots=True)
class Served:
    route: Route
    body: bytes
    stream: AsyncIterator[bytes] | None


class CacheStep:
    def __init__(self, store: CacheStore, semantic: SemanticCache | None = None) -> None:
        self._store = store
        # Built on the first semantic lookup: numpy and the model load only then.
        self._semantic = semantic

    @property
    def store(self) -> CacheStore:
        return self._store

    def _semantic_cache(self) -> SemanticCache:
        if self._semantic is None:
            from app.cache.semantic import SemanticCache

            self._semantic = SemanticCache()
        return self._semantic

    async def lookup(
        self, tenant: str, endpoint: str, decision: Decision, payload: Mapping[str, object]
    ) -> Ticket:
        cache = decision.cache
        if (
            cache.mode == "off"
            or cache.ttl_s <= 0
            or (endpoint == "chat.completions" and sampled(payload) and not cache.sampled)
        ):
            return Ticket("off", tenant, decision)
        scope = Scope.of(tenant, endpoint, decision)
        key = fingerprint(scope, payload)
        probe: Probe | None = None
        try:
            entry = await self._get(tenant, key)
            if entry is not None:
                return Ticket("hit-exact", tenant, decision, entry=entry)
            if cache.mode == "semantic" and endpoint == "chat.completions":
                probe = await self._semantic_cache().probe(scope, payload)
            if probe is not None:
                for candidate in self._semantic_cache().matches(probe, cache.min_similarity):
                    entry = await self._get(tenant, candidate.key)
                    if entry is not None:
                        return Ticket("hit-semantic", tenant, decision, entry=entry)
                    self._semantic_cache().forget(probe, candidate.key)
        except CacheUnavailable as exc:
            log.warning("cache store unavailable on lookup: %s", exc)
        return Ticket("miss", tenant, decision, key, probe=probe)

    async def _get(self, tenant: str, key: str) -> Entry | None:
        raw = await self._store.get(tenant, key)
        return Entry.loads(raw) if raw is not None else None

    def serve(
        self, entry: Entry, stream: bool, wants_usage: bool, restore: Callable[[bytes], bytes]
    ) -> Served:
        """The stored answer with the requester's own values restored."""
        body = restore(orjson.dumps(entry.completion))
        route = Route(provider=entry.provider, model=entry.model)
        if not stream:
            return Served(route, body, None)
        return Served(route, b"", as_stream(orjson.loads(body), wants_usage))

    async def keep(
        self,
        ticket: Ticket,
        route: Route,
        usage: Mapping[str, int] | None,
        prices: PriceBook,
        answer: bytes | Iterable[bytes],
    ) -> None:
        """Store a missed answer (a body, or a stream's data events) and count the savings."""
        entry = ticket.hit
        used = dict(entry.usage if entry else usage or {})
        if ticket.status == "miss" and ticket.key is not None and usage is not None:
            completion = _completion(answer)
            if completion is not None:
                kept = Entry(completion, used, route.provider, route.model)
                ttl_s = ticket.decision.cache.ttl_s
                stored = await self._quietly(
                    self._store.put(ticket.tenant, ticket.key, kept.dumps(), ttl_s)
                )
                if stored and ticket.probe is not None:
                    self._semantic_cache().remember(ticket.probe, ticket.key, ttl_s)
        baseline = ticket.decision.cache.baseline
        actual = prices.models.get((route.provider, route.model))
        reference = prices.models.get((baseline.provider, baseline.model)) if baseline else None
        amounts = charge(
            entry is not None,
            used,
            None if entry else (actual.price if actual else None),
            reference.price if reference else (actual.price if actual else None),
            routed=baseline is not None and baseline != route,
        )
        await self._quietly(self._store.add(ticket.tenant, period_of(), amounts))

    async def _quietly(self, call: Awaitable[None]) -> bool:
        try:
            await call
        except CacheUnavailable as exc:
            log.warning("cache store unavailable on keep: %s", exc)
            return False
        return True


def _completion(answer: bytes | Iterable[bytes]) -> dict[str, object] | None:
    if not isinstance(answer, bytes):
        return assemble(answer)
    try:
        document = orjson.loads(answer)
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None
