"""Recorded decisions for replay: audit records read as (decision id, tenant, input, decision)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["RecordError", "Recorded", "from_records", "read_jsonl"]


class RecordError(ValueError):
    """A line of a records file that is not a JSON object."""


@dataclass(frozen=True, slots=True)
class Recorded:
    decision_id: str
    tenant: str
    revision: str | None
    input: dict[str, Any]
    decision: dict[str, Any]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a `kordon audit export --format jsonl` file, one per non-empty line."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise RecordError(f"{path}:{number}: not JSON ({exc})") from exc
            if not isinstance(record, dict):
                raise RecordError(f"{path}:{number}: a record is a JSON object")
            yield record


def from_records(records: Iterable[dict[str, Any]]) -> Iterator[Recorded | None]:
    """Each record as a replayable `Recorded`, or None for one without an input document and a
    decision (a request refused before the policy was asked, say): it cannot be replayed."""
    for record in records:
        document, decision = record.get("input"), record.get("decision")
        if not isinstance(document, dict) or not isinstance(decision, dict):
            yield None
            continue
        principal = document.get("principal")
        tenant = record.get("tenant") or (
            principal.get("tenant") if isinstance(principal, dict) else None
        )
        revision = record.get("revision")
        yield Recorded(
            decision_id=str(record.get("decision_id") or f"seq:{record.get('seq', '?')}"),
            tenant=str(tenant or "?"),
            revision=str(revision) if revision is not None else None,
            input=document,
            decision=decision,
        )
