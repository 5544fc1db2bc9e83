"""Recorded traffic for replay tests and the replay benchmark: realistic input documents for the
shipped tenants and detection categories (deterministic per seed), and audit records made of
them with the decisions the real OPA gave."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml

from app.schemas.contract import InputDocument
from tests.support.processes import REPO

__all__ = [
    "PERSONAL",
    "SPECIAL",
    "make_input",
    "make_record",
    "record_decisions",
    "recorded_inputs",
    "write_jsonl",
]

PERSONAL = ("email", "phone", "ru_passport", "snils", "inn", "card", "iban", "ip")
SPECIAL = ("health", "biometric", "beliefs", "criminal")
_MODELS = ("auto",) * 6 + ("gpt-4o-mini", "qwen2.5-72b-instruct", "mistral-small-latest")
_EMBEDDING_MODELS = ("auto", "text-embedding-3-small", "bge-m3")
_SUBJECTS: tuple[list[str], ...] = ([], [], ["RU"], ["RU"], ["EU"], ["AE"], ["RU", "EU"])


@functools.cache
def _detectors() -> tuple[str, ...]:
    data = yaml.safe_load((REPO / "data" / "detection" / "data.yaml").read_text())
    return tuple(sorted(data["categories"]))


def make_input(
    index: int,
    *,
    tenant: str,
    sensitivity: str = "public",
    categories: dict[str, int] | None = None,
    subjects: Sequence[str] = (),
    endpoint: str = "chat.completions",
    model: str = "auto",
    detectors: Sequence[str] | None = None,
) -> InputDocument:
    """One input document as app.policy.input.build_input makes it."""
    return {
        "version": 1,
        "request": {
            "id": f"req_{index:08d}",
            "endpoint": endpoint,  # type: ignore[typeddict-item]
            "model": model,
            "stream": index % 3 == 0,
            "tokens": {"prompt": 200 + index % 1800, "max_output": 512 if index % 2 else None},
            "features": {"tools": index % 7 == 0, "images": False},
        },
        "principal": {
            "tenant": tenant,
            "key_id": f"key_{index % 5:04x}",
            "agent": "planner",
            "roles": ["analyst"],
        },
        "data": {
            "categories": dict(categories or {}),
            "sensitivity": sensitivity,  # type: ignore[typeddict-item]
            "subjects": list(subjects),
            "detectors": list(_detectors() if detectors is None else detectors),
        },
        "context": {"client_region": None, "time": "2026-12-01T10:00:00Z", "session": None},
    }


def recorded_inputs(count: int, *, seed: int = 9) -> Iterator[InputDocument]:
    """`count` inputs shaped like a day of the shipped tenants' traffic."""
    rng = random.Random(seed)
    tenants = ("acme-ru",) * 5 + ("eu-bank",) * 3 + ("gulf-retail",) * 2
    for index in range(count):
        roll = rng.random()
        endpoint = "chat.completions" if roll < 0.85 else "embeddings" if roll < 0.95 else "models"
        models = _EMBEDDING_MODELS if endpoint == "embeddings" else _MODELS
        kind = rng.random()
        categories: dict[str, int] = {}
        sensitivity = rng.choice(("public", "internal", "confidential"))
        if endpoint != "models" and kind < 0.4:
            categories = {c: rng.randint(1, 3) for c in rng.sample(PERSONAL, rng.randint(1, 2))}
            sensitivity = "personal"
            if kind < 0.08:
                categories[rng.choice(SPECIAL)] = 1
                sensitivity = "special"
        if endpoint == "models":
            sensitivity = "public"
        yield make_input(
            index,
            tenant=rng.choice(tenants),
            sensitivity=sensitivity,
            categories=categories,
            subjects=rng.choice(_SUBJECTS) if categories else [],
            endpoint=endpoint,
            model=rng.choice(models),
            detectors=[] if endpoint == "models" else None,
        )


def make_record(seq: int, document: InputDocument, decision: dict[str, Any]) -> dict[str, Any]:
    """An audit record as the audit trail writes it (the keys replay reads, and a few more)."""
    return {
        "seq": seq,
        "time": document["context"]["time"],
        "decision_id": f"dec_{seq:08d}",
        "request_id": document["request"]["id"],
        "tenant": document["principal"]["tenant"],
        "agent": document["principal"]["agent"],
        "key_id": document["principal"]["key_id"],
        "revision": "recorded-rev",
        "input": document,
        "decision": decision,
        "route": None,
        "attempts": [],
        "status": 200 if decision.get("allow") else 403,
    }


def record_decisions(opa_url: str, documents: Iterable[InputDocument]) -> list[dict[str, Any]]:
    """Audit records whose decisions the OPA at `opa_url` gave, asked as the gateway asks it
    (one POST per request), not the way replay evaluates."""
    records = []
    with httpx.Client(base_url=opa_url, timeout=10) as client:
        for seq, document in enumerate(documents, 1):
            answer = client.post("/v1/data/kordon/decision", json={"input": document})
            answer.raise_for_status()
            records.append(make_record(seq, document, answer.json()["result"]))
    return records


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    with path.open("w") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    return path
