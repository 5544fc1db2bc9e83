"""The chain writer: turns events into linked records, appends them, seals full segments.

Synchronous; the trail runs it in a worker thread. It owns the head of the chain, and only
moves it past what the store has accepted, so a failed append is retried without a gap or
a duplicate.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from app.audit.chain import link
from app.audit.record import AuditEvent, DecisionDumps, record_body
from app.audit.signing import Seal, Signer
from app.audit.store import AuditStore, Head, Line

__all__ = ["ChainWriter"]

log = logging.getLogger("kordon.audit")


class ChainWriter:
    def __init__(self, store: AuditStore, signer: Signer | None, segment_records: int) -> None:
        self._store = store
        self._signer = signer
        self._segment_records = segment_records
        self._head = store.head()
        self._dumps = DecisionDumps()
        # When the open segment got its first record (monotonic); None while it is empty.
        self.opened: float | None = time.monotonic() if self._head.count else None

    def write(self, events: list[AuditEvent]) -> None:
        """Append every event, sealing each segment that fills; written events leave `events`."""
        while events:
            head = self._head
            if head.count >= self._segment_records:
                self.seal_open()
                continue
            room = self._segment_records - head.count
            chunk = events[:room]
            lines, seq, digest = [], head.seq, head.hash
            for event in chunk:
                body = record_body(event, self._dumps)
                seq += 1
                data, digest = link(body, seq, digest)
                moment = datetime.fromtimestamp(event.started_at, UTC)
                lines.append(
                    Line(seq, moment, event.policy.decision_id if event.policy else None, data)
                )
            self._store.append(head.segment, lines)
            if head.count == 0:
                self.opened = time.monotonic()
            self._head = Head(seq, digest, head.segment, head.count + len(chunk), head.first_seq)
            del events[: len(chunk)]

    def seal_open(self) -> None:
        """Close the open segment (if it has records) with a seal, signed when a key is set."""
        head = self._head
        if head.count == 0:
            return
        if self._signer is not None:
            seal = self._signer.seal(head.segment, head.first_seq, head.seq, head.hash)
        else:
            seal = Seal(head.segment, head.first_seq, head.seq, head.hash, None, None)
        self._store.seal(seal)
        self._head = Head(head.seq, head.hash, head.segment + 1, 0, head.seq + 1)
        self.opened = None
