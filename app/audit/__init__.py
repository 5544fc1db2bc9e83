"""Hash-chained, signed audit trail: one record per governed request (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from app.audit.backend import open_store
from app.audit.reader import read_records
from app.config import Settings

__all__ = ["iter_records"]


def iter_records(settings: Settings, since: datetime | None = None) -> Iterator[dict[str, object]]:
    """The configured trail's records in order (`seq`), from `since` on."""
    store = open_store(settings)
    try:
        yield from read_records(store, since)
    finally:
        store.close()
