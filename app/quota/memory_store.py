"""In-process quota store: the embedded default for a single gateway process.

Same semantics as the Redis store (see :mod:`app.quota.store`). No method awaits anything, so
each one runs to completion without interleaving on the event loop: that is what makes
reserve all-or-nothing here, as the Lua script does in Redis. Expired buckets and reservation
records are dropped when touched and by a periodic sweep, so memory stays bounded by the live
windows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from app.quota.limits import (
    EXPIRY_MARGIN_S,
    Admission,
    Amounts,
    BucketState,
    Clock,
    Limit,
    Window,
    check_amounts,
    window_at,
)

__all__ = ["MemoryQuotaStore"]

# subject, limit name, unit, window_s, window start: unit and window length are part of the
# identity so that a policy change reusing a name starts a fresh counter instead of
# misreading the old one.
_BucketKey = tuple[str, str, str, int, int]


@dataclass(slots=True)
class _Bucket:
    used: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class _Held:
    """One bucket's share of a reservation."""

    name: str
    key: _BucketKey
    amount: int
    expires_at: float


@dataclass(frozen=True, slots=True)
class _Record:
    held: tuple[_Held, ...]
    expires_at: float


class MemoryQuotaStore:
    """Quota buckets in a dict, for one process; the clock is injectable for tests."""

    def __init__(
        self,
        clock: Clock = time.time,
        *,
        margin_s: int = EXPIRY_MARGIN_S,
        sweep_every_s: float = 60.0,
    ) -> None:
        self._clock = clock
        self._margin_s = margin_s
        self._sweep_every_s = sweep_every_s
        self._next_sweep = clock() + sweep_every_s
        self._buckets: dict[_BucketKey, _Bucket] = {}
        self._records: dict[tuple[str, str], _Record] = {}
        # The current window per window length: computed once per window, not per limit and
        # request (a calendar month costs two datetimes).
        self._windows: dict[int, Window] = {}

    def _window(self, window_s: int, now: float) -> Window:
        """``window_at(window_s, now)``, reusing the last window of that length while it lasts."""
        window = self._windows.get(window_s)
        if window is None or not window.start <= now < window.end:
            window = self._windows[window_s] = window_at(window_s, now)
        return window

    async def reserve(
        self, subject: str, limits: Sequence[Limit], amounts: Amounts, reservation_id: str
    ) -> Admission:
        check_amounts(limits, amounts)
        now = self._now()
        # One pass: each limit's bucket key, its window's end, what is used and what is asked.
        rows = []
        for limit in limits:
            window = self._window(limit.window_s, now)
            key = (subject, limit.name, limit.unit, limit.window_s, window.start)
            bucket = self._live_bucket(key, now)
            rows.append((limit, key, window.end, bucket.used if bucket else 0, amounts[limit.name]))
        retried = self._live_record((subject, reservation_id), now) is not None
        blocked = None if retried else next(
            (i for i, (limit, _, _, used, amount) in enumerate(rows)
             if amount > 0 and used + amount > limit.capacity),
            None,
        )  # fmt: skip
        if retried or blocked is not None:
            # A retry of a reservation already held, or refused: nothing is taken.
            seen = tuple(BucketState(limit, used, end - now) for limit, _, end, used, _ in rows)
            return Admission(seen, None if blocked is None else seen[blocked])

        held, states = [], []
        for limit, key, end, used, amount in rows:
            expires_at = end + self._margin_s
            if amount > 0:
                bucket = self._buckets.setdefault(key, _Bucket(0, expires_at))
                bucket.used += amount
                used = bucket.used
            states.append(BucketState(limit, used, end - now))
            held.append(_Held(limit.name, key, amount, expires_at))
        record_expiry = max((h.expires_at for h in held), default=now + self._margin_s)
        self._records[subject, reservation_id] = _Record(tuple(held), record_expiry)
        return Admission(tuple(states), None)

    async def settle(self, subject: str, reservation_id: str, actual: Amounts) -> bool:
        check_amounts((), actual)
        return self._close(subject, reservation_id, actual)

    async def refund(self, subject: str, reservation_id: str) -> bool:
        return self._close(subject, reservation_id, None)

    async def usage(self, subject: str, limits: Sequence[Limit]) -> list[BucketState]:
        now = self._now()
        states = []
        for limit in limits:
            window = self._window(limit.window_s, now)
            key = (subject, limit.name, limit.unit, limit.window_s, window.start)
            bucket = self._live_bucket(key, now)
            states.append(BucketState(limit, bucket.used if bucket else 0, window.end - now))
        return states

    def _close(self, subject: str, reservation_id: str, actual: Amounts | None) -> bool:
        """Settle against ``actual``, or refund everything when it is None."""
        now = self._now()
        record = self._live_record((subject, reservation_id), now)
        if record is None:
            return False
        del self._records[subject, reservation_id]
        for held in record.held:
            target = 0 if actual is None else actual.get(held.name, held.amount)
            bucket = self._live_bucket(held.key, now)
            if bucket is not None and target != held.amount:
                bucket.used = max(0, bucket.used + target - held.amount)
        return True

    def _now(self) -> float:
        now = self._clock()
        if now >= self._next_sweep:
            self._next_sweep = now + self._sweep_every_s
            self._buckets = {k: b for k, b in self._buckets.items() if b.expires_at > now}
            self._records = {k: r for k, r in self._records.items() if r.expires_at > now}
        return now

    def _live_bucket(self, key: _BucketKey, now: float) -> _Bucket | None:
        bucket = self._buckets.get(key)
        if bucket is not None and bucket.expires_at <= now:
            del self._buckets[key]
            return None
        return bucket

    def _live_record(self, key: tuple[str, str], now: float) -> _Record | None:
        record = self._records.get(key)
        if record is not None and record.expires_at <= now:
            del self._records[key]
            return None
        return record
