"""The cache store for one process: bounded, LRU, per-entry TTL (cachetools' TLRUCache)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping

from cachetools import TLRUCache

__all__ = ["MemoryCacheStore"]

_Entry = tuple[bytes, float]  # value, expiry on the store's clock


def _expiry(_key: tuple[str, str], entry: _Entry, _now: float) -> float:
    return entry[1]


class MemoryCacheStore:
    def __init__(
        self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._entries: TLRUCache[tuple[str, str], _Entry] = TLRUCache(
            max_entries, ttu=_expiry, timer=clock
        )
        self._counters: dict[tuple[str, str], Counter[str]] = {}

    async def get(self, tenant: str, key: str) -> bytes | None:
        entry = self._entries.get((tenant, key))
        return entry[0] if entry is not None else None

    async def put(self, tenant: str, key: str, value: bytes, ttl_s: int) -> None:
        if ttl_s > 0:
            self._entries[(tenant, key)] = (value, self._clock() + ttl_s)

    async def purge(self, tenant: str) -> int:
        doomed = [k for k in list(self._entries.keys()) if k[0] == tenant]
        for k in doomed:
            self._entries.pop(k, None)
        return len(doomed)

    async def add(self, tenant: str, period: str, amounts: Mapping[str, int]) -> None:
        # Added one by one: Counter.update checks `isinstance(amounts, Mapping)` (an ABC check)
        # and setdefault would build a Counter per call; every answered request comes here.
        counters = self._counters.get((tenant, period))
        if counters is None:
            counters = self._counters[tenant, period] = Counter()
        for name, amount in amounts.items():
            counters[name] += amount

    async def counters(self, tenant: str, period: str) -> dict[str, int]:
        return dict(self._counters.get((tenant, period), {}))
