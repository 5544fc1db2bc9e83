"""What the governed path hands the audit trail, and the record built from it.

The hot path only fills an `AuditEvent` with references it already holds (the input
document, the decision, the route); the writer task turns it into the record dict, so
serializing, pricing and hashing never run on a request's time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from app.keys import Principal
from app.policy.opa import PolicyResult
from app.providers.routing import Attempt
from app.quota.amounts import Price
from app.schemas.contract import Decision, InputDocument, Route, decision_json

__all__ = ["AuditEvent", "DecisionDumps", "record_body", "rfc3339"]

_MILLION = Decimal(1_000_000)


@dataclass(slots=True)
class AuditEvent:
    """One governed request, filled in as it goes (perf_counter marks for the timings)."""

    request_id: str
    principal: Principal
    started_at: float = field(default_factory=time.time)
    started: float = field(default_factory=time.perf_counter)
    document: InputDocument | None = None
    policy: PolicyResult | None = None
    decided: float | None = None
    route: Route | None = None
    attempts: Sequence[Attempt] = ()
    first_byte: float | None = None
    status: int = 0
    error: str | None = None
    usage: Mapping[str, int] | None = None
    price: Price | None = None
    # x-kordon-cache of the answer: hit-exact | hit-semantic | miss | off (None: no answer).
    cache: str | None = None
    finished: float | None = None


class DecisionDumps:
    """The JSON form of recent decisions, found by identity: a memoized decision is one object
    shared by every request it answers, and dumping it again costs ~3 µs per record. A
    decision is frozen, so its dump never goes stale; records only read it, never change it."""

    __slots__ = ("_by_id", "_size")

    def __init__(self, size: int = 64) -> None:
        self._size = size
        # id -> (the decision, kept so that its id is not reused while listed; its dump)
        self._by_id: dict[int, tuple[Decision, dict[str, object]]] = {}

    def of(self, decision: Decision) -> dict[str, object]:
        entry = self._by_id.get(id(decision))
        if entry is not None and entry[0] is decision:
            return entry[1]
        if len(self._by_id) >= self._size:
            self._by_id.clear()
        dump = decision_json(decision)
        self._by_id[id(decision)] = (decision, dump)
        return dump


def rfc3339(moment: float) -> str:
    # isoformat truncates to milliseconds as `microsecond // 1000` did, at half strftime's cost.
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _ms(start: float, end: float | None) -> float | None:
    return None if end is None else round((end - start) * 1000, 3)


def _cost(event: AuditEvent, prompt: int | None, completion: int | None) -> object:
    if event.price is None or event.usage is None:
        return None
    amount = (
        Decimal(prompt or 0) * event.price.input_per_mtok
        + Decimal(completion or 0) * event.price.output_per_mtok
    ) / _MILLION
    return {"currency": event.price.currency, "amount": format(amount.normalize(), "f")}


def record_body(event: AuditEvent, dumps: DecisionDumps | None = None) -> dict[str, object]:
    """The record's fields except `seq`, `prev` and `hash`, which the chain adds; `dumps`
    (the writer's) serves the JSON of a decision already written."""
    policy = event.policy
    usage = event.usage or {}
    decision = None
    if policy is not None:
        decision = (
            dumps.of(policy.decision) if dumps is not None else decision_json(policy.decision)
        )
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    attempts: list[dict[str, object]] = [
        {
            "provider": a.provider,
            "model": a.model,
            "ok": False,
            "reason": a.reason,
            "status": a.status,
            "latency_ms": a.latency_ms,
            "replica": a.replica,
        }
        for a in event.attempts
    ]
    route = None
    if event.route is not None:
        route = {"provider": event.route.provider, "model": event.route.model}
        # A cache hit called no upstream: the route names whose stored answer was served.
        if not (event.cache or "").startswith("hit-"):
            attempts.append({**route, "ok": True, "reason": None, "status": event.status})
    return {
        "time": rfc3339(event.started_at),
        "decision_id": policy.decision_id if policy else None,
        "request_id": event.request_id,
        "tenant": event.principal.tenant,
        "agent": event.principal.agent,
        "key_id": event.principal.key_id,
        "revision": policy.revision if policy else None,
        "input": event.document,
        "decision": decision,
        # The decision came from the decision memo (an identical input under this revision).
        "memo": policy.memo if policy else None,
        "route": route,
        "attempts": attempts,
        "status": event.status,
        "error": event.error,
        "cache": event.cache,
        "tokens": {"prompt": prompt, "completion": completion},
        "cost": _cost(event, prompt, completion),
        "timings_ms": {
            "decision": _ms(event.started, event.decided),
            "upstream_first_byte": _ms(event.started, event.first_byte),
            "total": _ms(event.started, event.finished),
        },
    }
