"""Build the contract v1 input document for one request. Values never enter it, only counts."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Literal

from app.keys import Principal
from app.protect.scan import ScanResult
from app.schemas.contract import CONTRACT_VERSION, InputDocument

__all__ = ["Endpoint", "build_input"]

Endpoint = Literal["chat.completions", "embeddings", "models"]


def build_input(
    *,
    request_id: str,
    endpoint: Endpoint,
    model: str,
    stream: bool,
    prompt_tokens: int,
    max_output: int | None,
    tools: bool,
    images: bool,
    principal: Principal,
    scan: ScanResult,
    client_region: str | None,
    session: str | None,
    now: datetime | None = None,
) -> InputDocument:
    moment = now or datetime.now(UTC)
    return {
        "version": CONTRACT_VERSION,
        "request": {
            "id": request_id,
            "endpoint": endpoint,
            "model": model,
            "stream": stream,
            "tokens": {"prompt": prompt_tokens, "max_output": max_output},
            "features": {"tools": tools, "images": images},
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
            "client_region": client_region,
            "time": _rfc3339(int(moment.timestamp())),
            "session": session,
        },
    }


@functools.lru_cache(maxsize=4)
def _rfc3339(second: int) -> str:
    # One string per second, not one strftime per request.
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
