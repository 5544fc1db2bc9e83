"""Contract v1 between the gateway and the policy (see docs/policy-contract.md).

The input document is built as a plain dict (it only goes to OPA as JSON); the decision comes
back from OPA and is validated here. A decision that fails validation is never acted on.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import msgspec
from msgspec import Meta

from app.schemas.bounds import Count, NonEmpty, Positive

__all__ = [
    "CONTRACT_VERSION",
    "Decision",
    "InputDocument",
    "QuotaLimit",
    "Route",
    "Sensitivity",
    "decision_json",
    "parse_decision",
]

CONTRACT_VERSION = 1

Sensitivity = Literal["public", "internal", "confidential", "personal", "special"]
Redaction = Literal["none", "mask", "pseudonymize", "block"]


class RequestTokens(TypedDict):
    prompt: int
    max_output: int | None


class RequestFeatures(TypedDict):
    tools: bool
    images: bool


class RequestPart(TypedDict):
    id: str
    endpoint: Literal["chat.completions", "embeddings", "models"]
    model: str
    stream: bool
    tokens: RequestTokens
    features: RequestFeatures


class PrincipalPart(TypedDict):
    tenant: str
    key_id: str
    agent: str
    roles: list[str]


class DataPart(TypedDict):
    categories: dict[str, int]
    sensitivity: Sensitivity
    subjects: list[str]
    detectors: list[str]


class ContextPart(TypedDict):
    client_region: str | None
    time: str
    session: str | None


class InputDocument(TypedDict):
    version: int
    request: RequestPart
    principal: PrincipalPart
    data: DataPart
    context: ContextPart


class _Strict(msgspec.Struct, frozen=True):
    """Decoded from OPA's JSON (`app/policy/opa.py`) or converted (`parse_decision`), strictly:
    "yes" is not a boolean and "1" is not a number; a policy bug must fail closed. Unknown
    fields are ignored so a newer policy can add fields the gateway does not use yet; every
    field the gateway acts on is required and typed."""


class Route(_Strict, frozen=True):
    provider: NonEmpty
    model: NonEmpty


class QuotaLimit(_Strict, frozen=True):
    name: str
    unit: str
    limit: Count
    window_s: Count
    # A narrower subject inside the quota's, e.g. "key:key_7f3a" or "agent:planner": the
    # bucket is counted per that key or agent, still all-or-nothing with the others.
    scope: NonEmpty | None = None


class Quota(_Strict, frozen=True):
    subject: str
    limits: list[QuotaLimit]
    # Output tokens to reserve (and cap the upstream at) when the client sets no max_tokens;
    # without it the gateway reserves the route's whole context window.
    max_output_default: Positive | None = None
    # What a quota store outage means for this request; deny unless the policy says otherwise.
    on_store_error: Literal["deny", "allow"] = "deny"


class Cache(_Strict, frozen=True):
    mode: Literal["off", "exact", "semantic"]
    ttl_s: Count
    # Bumped by the policy when a change alters answers: part of every key (docs/cache.md).
    epoch: Count = 0
    # Whether answers to requests sampled with temperature above 0 may be cached.
    sampled: bool = False
    min_similarity: Annotated[float, Meta(ge=0, le=1)] = 0.9
    # The all-cloud route the savings report prices this request against (docs/cache.md).
    baseline: Route | None = None


class Audit(_Strict, frozen=True):
    level: Literal["metadata", "full"]
    # What a full audit queue means for this request; deny unless the policy says otherwise.
    on_queue_full: Literal["deny", "allow"] = "deny"


class Decision(_Strict, frozen=True):
    version: Literal[1]
    allow: bool
    reasons: list[str]
    region: str
    routes: list[Route]
    redaction: Redaction
    quota: Quota
    cache: Cache
    audit: Audit
    # May the provider keep its own logs of the request (YandexGPT's x-data-logging-enabled)?
    # Absent means no: compliance has to allow it explicitly.
    provider_logging: bool = False


def parse_decision(document: object) -> Decision:
    """The decision in `document` (OPA's `result`), or msgspec.ValidationError naming the first
    field that breaks the contract."""
    return msgspec.convert(document, Decision)


def decision_json(decision: Decision) -> dict[str, object]:
    """The decision as JSON-ready builtins, every field present (the audit record's copy)."""
    dumped: dict[str, object] = msgspec.to_builtins(decision)
    return dumped
