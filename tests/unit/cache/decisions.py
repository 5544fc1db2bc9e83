"""Decisions for the cache tests, as OPA would return them (validated by the contract)."""

from __future__ import annotations

from typing import Any

from app.schemas.contract import Decision, parse_decision

ROUTES = [
    {"provider": "onprem-vllm", "model": "qwen"},
    {"provider": "gigachat", "model": "GigaChat-2-Max"},
]


def decision(**changes: Any) -> Decision:
    cache = {
        "mode": "exact",
        "ttl_s": 60,
        "epoch": 1,
        "sampled": False,
        "baseline": {"provider": "gigachat", "model": "GigaChat-2-Max"},
    }
    cache.update(changes.pop("cache", {}))
    document: dict[str, Any] = {
        "version": 1,
        "allow": True,
        "reasons": [],
        "region": "ru",
        "routes": ROUTES,
        "redaction": "pseudonymize",
        "quota": {"subject": "tenant:t", "limits": []},
        "cache": cache,
        "audit": {"level": "metadata"},
    }
    document.update(changes)
    return parse_decision(document)
