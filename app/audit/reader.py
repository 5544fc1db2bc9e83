"""Read records back in trail order: for replay, `kordon audit show` and `export`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import orjson

from app.audit.record import rfc3339
from app.audit.store import AuditStore

__all__ = ["find_record", "read_records"]


def read_records(store: AuditStore, since: datetime | None = None) -> Iterator[dict[str, object]]:
    """Every readable record, in order, from `since` (aware datetime) on.

    Unreadable lines are skipped here: `kordon audit verify` is where damage is reported.
    """
    # RFC 3339 UTC strings of one fixed format sort as the instants they name.
    floor = rfc3339(since.timestamp()) if since is not None else None
    for segment in store.segments():
        for line in segment.lines:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(record, dict) and (floor is None or str(record.get("time")) >= floor):
                yield record


def find_record(store: AuditStore, decision_id: str) -> dict[str, object] | None:
    return next((r for r in read_records(store) if r.get("decision_id") == decision_id), None)
