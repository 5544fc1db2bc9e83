"""The one storage seam of the audit trail, with a file and a PostgreSQL implementation.

A store keeps lines (canonical record bytes) in numbered segments and one seal per closed
segment; it never rewrites either. It is synchronous on purpose: file writes and fsync have
no async API, so the gateway's writer calls it from a worker thread, and the same interface
serves the CLI and replay's reader. A store has one writer: `head()` claims it (the file lock
or a PostgreSQL advisory lock) and a second writer fails loudly instead of forking the chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.audit.signing import Seal

__all__ = ["AuditStore", "AuditStoreBusy", "Head", "Line", "Segment"]


class AuditStoreBusy(RuntimeError):
    """Another writer holds this trail."""


@dataclass(frozen=True, slots=True)
class Line:
    seq: int
    time: datetime
    decision_id: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class Segment:
    number: int
    lines: list[bytes]
    seal: Seal | None


@dataclass(frozen=True, slots=True)
class Head:
    """Where the next record goes: after `seq`/`hash`, into segment `segment`, which holds
    `count` records starting at `first_seq` (count 0: a new segment)."""

    seq: int
    hash: str
    segment: int
    count: int
    first_seq: int


class AuditStore(Protocol):
    def head(self) -> Head:
        """Claim the trail for writing and say where it ends."""
        ...

    def append(self, segment: int, lines: Sequence[Line]) -> None:
        """Add lines to a segment; durable (as configured) when it returns, nothing on error."""
        ...

    def seal(self, seal: Seal) -> None:
        """Close a segment with its seal."""
        ...

    def segments(self) -> Iterator[Segment]:
        """Every segment in order, with its lines as stored and its seal if any."""
        ...

    def close(self) -> None: ...
