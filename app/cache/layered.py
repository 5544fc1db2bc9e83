"""An in-process LRU in front of the shared store: a hot answer costs no Redis round trip.

An entry is kept locally for at most ``max_age_s`` (and never past its own TTL), which bounds
how long another replica's purge takes to reach this one. Counters always go to the shared
store, so every replica reports the same savings.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.cache.memory_store import MemoryCacheStore
from app.cache.store import CacheStore

__all__ = ["LayeredCacheStore"]


class LayeredCacheStore:
    def __init__(self, shared: CacheStore, max_entries: int = 2_000, max_age_s: int = 5) -> None:
        self._local = MemoryCacheStore(max_entries)
        self._shared = shared
        self._max_age_s = max_age_s

    async def get(self, tenant: str, key: str) -> bytes | None:
        value = await self._local.get(tenant, key)
        if value is None:
            value = await self._shared.get(tenant, key)
            if value is not None:
                await self._local.put(tenant, key, value, self._max_age_s)
        return value

    async def put(self, tenant: str, key: str, value: bytes, ttl_s: int) -> None:
        await self._shared.put(tenant, key, value, ttl_s)
        await self._local.put(tenant, key, value, min(ttl_s, self._max_age_s))

    async def purge(self, tenant: str) -> int:
        await self._local.purge(tenant)
        return await self._shared.purge(tenant)

    async def add(self, tenant: str, period: str, amounts: Mapping[str, int]) -> None:
        await self._shared.add(tenant, period, amounts)

    async def counters(self, tenant: str, period: str) -> dict[str, int]:
        return await self._shared.counters(tenant, period)
