"""The CacheStore contract, run against every backend (memory, Redis, LRU in front of Redis)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from app.cache.memory_store import MemoryCacheStore
from app.cache.redis_store import RedisCacheStore
from tests.unit.cache.conftest import OpenStore


def test_put_then_get(open_store: OpenStore, tenant: str) -> None:
    async def body() -> None:
        async with open_store() as store:
            assert await store.get(tenant, "k") is None
            await store.put(tenant, "k", b"answer", 60)
            assert await store.get(tenant, "k") == b"answer"

    asyncio.run(body())


def test_a_tenant_never_reads_another_tenants_entry(open_store: OpenStore, tenant: str) -> None:
    async def body() -> None:
        async with open_store() as store:
            await store.put(tenant, "same-key", b"mine", 60)
            assert await store.get(tenant + "-other", "same-key") is None

    asyncio.run(body())


def test_zero_ttl_stores_nothing(open_store: OpenStore, tenant: str) -> None:
    async def body() -> None:
        async with open_store() as store:
            await store.put(tenant, "k", b"answer", 0)
            assert await store.get(tenant, "k") is None

    asyncio.run(body())


def test_purge_removes_only_that_tenants_entries(open_store: OpenStore, tenant: str) -> None:
    other = tenant + "-other"

    async def body() -> None:
        async with open_store() as store:
            for key in ("a", "b", "c"):
                await store.put(tenant, key, b"x", 60)
            await store.put(other, "a", b"y", 60)
            assert await store.purge(tenant) == 3
            assert [await store.get(tenant, k) for k in ("a", "b", "c")] == [None] * 3
            assert await store.get(other, "a") == b"y"
            assert await store.purge(tenant) == 0

    asyncio.run(body())


def test_counters_add_up_per_tenant_and_period(open_store: OpenStore, tenant: str) -> None:
    async def body() -> None:
        async with open_store() as store:
            await store.add(tenant, "2026-12", {"requests": 1, "hits": 1})
            await store.add(tenant, "2026-12", {"requests": 1, "baseline_usd": 700})
            await store.add(tenant, "2027-01", {"requests": 5})
            assert await store.counters(tenant, "2026-12") == {
                "requests": 2,
                "hits": 1,
                "baseline_usd": 700,
            }
            assert await store.counters(tenant + "-other", "2026-12") == {}
            await store.purge(tenant)  # forgets answers, not what they saved
            assert (await store.counters(tenant, "2027-01")) == {"requests": 5}

    asyncio.run(body())


def test_memory_entries_expire_with_their_ttl(tenant: str) -> None:
    now = [1000.0]
    store = MemoryCacheStore(clock=lambda: now[0])

    async def body() -> None:
        await store.put(tenant, "k", b"x", 10)
        now[0] += 9.9
        assert await store.get(tenant, "k") == b"x"
        now[0] += 0.2
        assert await store.get(tenant, "k") is None

    asyncio.run(body())


def test_memory_store_is_bounded_least_recently_used_first(tenant: str) -> None:
    store = MemoryCacheStore(max_entries=2)

    async def body() -> None:
        await store.put(tenant, "a", b"1", 60)
        await store.put(tenant, "b", b"2", 60)
        assert await store.get(tenant, "a") == b"1"  # a is now the most recent
        await store.put(tenant, "c", b"3", 60)
        assert await store.get(tenant, "b") is None
        assert await store.get(tenant, "a") == b"1"

    asyncio.run(body())


def test_redis_entries_carry_their_ttl(redis_url: str, tenant: str) -> None:
    async def body() -> None:
        client = Redis.from_url(redis_url)
        try:
            await RedisCacheStore(client).put(tenant, "k", b"x", 30)
            ttl_ms = await client.pttl(f"kordon:cache:{{{tenant}}}:e:k")
            assert 0 < ttl_ms <= 30_000
        finally:
            await client.aclose()

    asyncio.run(body())
