"""The cache store replicas share, in Redis.

Keys carry the tenant as a hash tag (``kordon:cache:{acme-ru}:e:<key>``), so a tenant's entries
and counters share one Cluster slot and a purge finds them with one pattern. Entries expire by
Redis (``SET … PX``); counters are a hash per tenant and month that expires after a year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redis.exceptions import RedisError

from app.cache.store import CacheUnavailable

__all__ = ["RedisCacheStore"]

_COUNTER_TTL_S = 400 * 86400
_SCAN_COUNT = 500


class RedisCacheStore:
    def __init__(self, redis: Any) -> None:
        self._redis = redis

    async def get(self, tenant: str, key: str) -> bytes | None:
        try:
            value = await self._redis.get(_entry(tenant, key))
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(type(exc).__name__) from exc
        return bytes(value) if value is not None else None

    async def put(self, tenant: str, key: str, value: bytes, ttl_s: int) -> None:
        if ttl_s <= 0:
            return
        try:
            await self._redis.set(_entry(tenant, key), value, px=ttl_s * 1000)
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(type(exc).__name__) from exc

    async def purge(self, tenant: str) -> int:
        removed = 0
        try:
            batch: list[bytes] = []
            async for name in self._redis.scan_iter(match=_entry(tenant, "*"), count=_SCAN_COUNT):
                batch.append(name)
                if len(batch) >= _SCAN_COUNT:
                    removed += await self._redis.unlink(*batch)
                    batch.clear()
            if batch:
                removed += await self._redis.unlink(*batch)
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(type(exc).__name__) from exc
        return removed

    async def add(self, tenant: str, period: str, amounts: Mapping[str, int]) -> None:
        name = _counters(tenant, period)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for field, amount in amounts.items():
                    pipe.hincrby(name, field, amount)
                pipe.expire(name, _COUNTER_TTL_S)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(type(exc).__name__) from exc

    async def counters(self, tenant: str, period: str) -> dict[str, int]:
        try:
            raw = await self._redis.hgetall(_counters(tenant, period))
        except (RedisError, OSError) as exc:
            raise CacheUnavailable(type(exc).__name__) from exc
        return {_text(k): int(v) for k, v in raw.items()}


def _entry(tenant: str, key: str) -> str:
    return f"kordon:cache:{{{tenant}}}:e:{key}"


def _counters(tenant: str, period: str) -> str:
    return f"kordon:cache:{{{tenant}}}:savings:{period}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
