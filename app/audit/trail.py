"""The gateway's side of the audit trail: a bounded queue and one background writer task.

The request path never waits on disk: `admit` reserves a place in the queue right after the
decision (or applies the decision's `audit.on_queue_full` when there is none: deny refuses
the request with 503 before any upstream call, allow serves it and its record may be lost),
and `record` hands the finished event over without awaiting. The writer task takes whatever
is queued (after a short gathering pause) as one batch, writes it in a worker thread, and
seals segments by size and age.
Closing drains the queue and seals the open segment, so a clean shutdown loses nothing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from app.audit.record import AuditEvent
from app.audit.signing import Signer
from app.audit.store import AuditStore
from app.audit.writer import ChainWriter
from app.errors import AuditUnavailable
from app.schemas.contract import Audit

__all__ = ["AuditTrail"]

log = logging.getLogger("kordon.audit")

_BATCH = 4096
# How long the first queued record waits for others to share its write (bench_audit.py).
_GATHER_S = 0.02
_RETRY_S = 0.5
# A store still failing after this many tries at shutdown: the rest is reported lost.
_CLOSING_TRIES = 3


class AuditTrail:
    def __init__(
        self,
        open_store: Callable[[], AuditStore],
        signer: Signer | None,
        *,
        capacity: int,
        segment_records: int,
        segment_seconds: float,
    ) -> None:
        self._open_store = open_store
        self._signer = signer
        self._capacity = capacity
        self._segment_records = segment_records
        self._segment_seconds = segment_seconds
        self._queue: collections.deque[AuditEvent] = collections.deque()
        self._batch: list[AuditEvent] = []
        self._reserved = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._store: AuditStore | None = None
        self._writer: ChainWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def _occupied(self) -> int:
        return len(self._queue) + len(self._batch) + self._reserved

    def admit(self, audit: Audit) -> bool:
        """Reserve a place for this request's record; False: none, the policy allows that."""
        if self._occupied() < self._capacity:
            self._reserved += 1
            return True
        if audit.on_queue_full == "deny":
            raise AuditUnavailable("audit trail is not keeping up; request refused")
        return False

    def record(self, reserved: bool, event: AuditEvent) -> None:
        """Queue a finished event; never waits. Unreserved events are kept only if room."""
        if reserved:
            self._reserved -= 1
        elif self._occupied() >= self._capacity:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("audit queue full: %d records dropped so far", self.dropped)
            return
        self._queue.append(event)
        self._wake.set()

    async def start(self) -> None:
        self._store = await asyncio.to_thread(self._open_store)
        try:
            self._writer = await asyncio.to_thread(
                ChainWriter, self._store, self._signer, self._segment_records
            )
        except BaseException:
            await asyncio.to_thread(self._store.close)
            raise
        self._task = asyncio.create_task(self._run(self._writer), name="kordon-audit-writer")

    async def close(self) -> None:
        """Drain the queue, seal the open segment and release the store."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        try:
            if self._writer is not None:
                await asyncio.to_thread(self._writer.seal_open)
        finally:
            if self._store is not None:
                await asyncio.to_thread(self._store.close)

    def _seal_due_in(self, writer: ChainWriter) -> float | None:
        if writer.opened is None:
            return None
        return max(0.0, writer.opened + self._segment_seconds - time.monotonic())

    async def _run(self, writer: ChainWriter) -> None:
        failures = 0
        while True:
            self._wake.clear()
            if not self._batch and 0 < len(self._queue) < _BATCH and not self._closing:
                # Let a burst gather: one thread hop and one fsync for many records.
                await asyncio.sleep(_GATHER_S)
            if not self._batch:
                take = min(len(self._queue), _BATCH)
                self._batch = [self._queue.popleft() for _ in range(take)]
            due = self._seal_due_in(writer)
            if self._batch:
                work: Awaitable[None] = asyncio.to_thread(writer.write, self._batch)
            elif due == 0.0:
                work = asyncio.to_thread(writer.seal_open)
            elif self._closing:
                return
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), due)
                continue
            try:
                await work
            except Exception as exc:  # any store error is retried, never fatal
                # Only the type: a driver's message can carry a DSN.
                log.error("audit store write failed: %s", type(exc).__name__)
                failures += 1
                if self._closing and failures >= _CLOSING_TRIES:
                    lost = len(self._batch) + len(self._queue)
                    log.error("audit store keeps failing at shutdown: %d records lost", lost)
                    return
                await asyncio.sleep(_RETRY_S)
            else:
                failures = 0
