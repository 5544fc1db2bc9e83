"""The scope of a cached answer and the canonical fingerprint of the request it answers.

A key is built only from the request as it leaves the protect step (placeholders, never a raw
value) and from what the decision fixed: tenant, region, redaction level, the ordered routes and
the policy's cache epoch. Two requests share a key only if the same policy would have sent the
same redacted text to the same place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from app.schemas.contract import Decision

__all__ = ["Scope", "fingerprint", "sampled"]

# Fields that do not change the answer: how it is delivered, and who asked (OpenAI's `user`
# is an abuse-monitoring id). Every other field, known or not, is part of the key.
_DELIVERY = frozenset({"stream", "stream_options", "user"})
# OpenAI's documented default temperature when a request sets none.
_DEFAULT_TEMPERATURE = 1.0


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a cached answer may be served: one tenant under one policy outcome."""

    tenant: str
    region: str
    redaction: str
    routes: tuple[tuple[str, str], ...]
    epoch: int
    endpoint: str

    @classmethod
    def of(cls, tenant: str, endpoint: str, decision: Decision) -> Scope:
        return cls(
            tenant,
            decision.region,
            decision.redaction,
            tuple((r.provider, r.model) for r in decision.routes),
            decision.cache.epoch,
            endpoint,
        )

    def digest(self) -> str:
        """A stable hash of the scope (the semantic index is kept per scope)."""
        return _hash(
            [self.tenant, self.region, self.redaction, self.routes, self.epoch, self.endpoint]
        )


def fingerprint(scope: Scope, payload: Mapping[str, object]) -> str:
    """The exact-cache key: scope and every answer-changing field, canonically serialised."""
    fields = {k: v for k, v in payload.items() if k not in _DELIVERY}
    messages = fields.get("messages")
    if isinstance(messages, list):
        fields["messages"] = _numbered_calls(messages)
    return f"{scope.digest()}:{_hash(fields)}"


def _numbered_calls(messages: list[object]) -> list[object]:
    """Tool-call ids renamed by order of appearance: the model picks a fresh id each turn, so
    the same call with the same arguments would otherwise never hit. Which result answers
    which call still counts."""
    aliases: dict[str, str] = {}

    def alias(call_id: str) -> str:
        return aliases.setdefault(call_id, f"call_{len(aliases)}")

    out: list[object] = []
    for message in messages:
        if isinstance(message, dict):
            message = dict(message)
            calls = message.get("tool_calls")
            if isinstance(calls, list):
                message["tool_calls"] = [
                    {**c, "id": alias(c["id"])}
                    if isinstance(c, dict) and isinstance(c.get("id"), str)
                    else c
                    for c in calls
                ]
            if isinstance(message.get("tool_call_id"), str):
                message["tool_call_id"] = alias(message["tool_call_id"])
        out.append(message)
    return out


def sampled(payload: Mapping[str, object]) -> bool:
    """True when the upstream would sample (temperature above 0, its default included)."""
    temperature = payload.get("temperature", _DEFAULT_TEMPERATURE)
    if temperature is None:
        temperature = _DEFAULT_TEMPERATURE
    return not isinstance(temperature, int | float) or temperature > 0


def _hash(value: object) -> str:
    # Sorted keys make the serialisation canonical: {"a":1,"b":2} and {"b":2,"a":1} agree.
    canonical = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()
