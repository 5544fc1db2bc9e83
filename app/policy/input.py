"""Build the contract v1 input document for one request. Values never enter it, only counts."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from app.keys import Principal
from app.protect.scan import ScanResult
from app.schemas.contract import CONTRACT_VERSION, InputDocument

__all__ = ["Endpoint", "RequestFacts", "build_input"]

Endpoint = Literal["chat.completions", "embeddings", "models"]


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the API layer read off the request, beyond the payload itself."""

    request_id: str
    endpoint: Endpoint
    model: str
    stream: bool = False
    max_output: int | None = None
    tools: bool = False
    images: bool = False
    client_region: str | None = None
    session: str | None = None


def build_input(
    facts: RequestFacts,
    principal: Principal,
    scan: ScanResult,
    prompt_tokens: int,
    now: datetime | None = None,
) -> InputDocument:
    moment = now or datetime.now(UTC)
    return {
        "version": CONTRACT_VERSION,
        "request": {
            "id": facts.request_id,
            "endpoint": facts.endpoint,
            "model": facts.model,
            "stream": facts.stream,
            "tokens": {"prompt": prompt_tokens, "max_output": facts.max_output},
            "features": {"tools": facts.tools, "images": facts.images},
        },
        "principal": {
            "tenant": principal.tenant,
            "key_id": principal.key_id,
            "agent": principal.agent,
            "roles": list(principal.roles),
        },
        "data": {
            "categories": dict(scan.profile.categories),
            "sensitivity": scan.profile.sensitivity,  # type: ignore[typeddict-item]
            "subjects": list(scan.profile.subjects),
            "detectors": list(scan.scanned),
        },
        "context": {
            "client_region": facts.client_region,
            "time": _rfc3339(int(moment.timestamp())),
            "session": facts.session,
        },
    }


@functools.lru_cache(maxsize=4)
def _rfc3339(second: int) -> str:
    # One string per second, not one strftime per request.
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
