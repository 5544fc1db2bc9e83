"""Many reservers, one Redis limit: never over-admitted, and nothing left open after settling.

Every attempt asks for the same amount, so the exact number admitted is known in advance:
``capacity // amount``, however the attempts interleave. The stores run on a fixed test clock so
that a real minute boundary cannot fall mid-test and reset the bucket, and generous client
timeouts, because hundreds of tasks queue for a few connections on a busy test machine.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from redis.asyncio import Redis

from app.quota.limits import Limit
from app.quota.redis_store import RedisQuotaStore, connect
from tests.unit.quota.conftest import FakeClock, epoch

LIMIT = Limit("tokens_per_minute", "tokens", 1000, 60)
AMOUNT = 7
ADMISSIBLE = LIMIT.capacity // AMOUNT  # 142
T0 = epoch("2026-11-23T12:00:10")


def _store(client: Redis) -> RedisQuotaStore:
    return RedisQuotaStore(client, test_clock=FakeClock(T0))


async def _reserve_many(store: RedisQuotaStore, subject: str, prefix: str, count: int) -> list[str]:
    """Fire ``count`` reserves at once; return the ids that were admitted."""

    async def one(rid: str) -> str | None:
        admission = await store.reserve(subject, [LIMIT], {LIMIT.name: AMOUNT}, rid)
        return rid if admission.admitted else None

    results = await asyncio.gather(*(one(f"{prefix}-{i}") for i in range(count)))
    return [rid for rid in results if rid is not None]


async def _settle_all(store: RedisQuotaStore, subject: str, ids: list[str], actual: int) -> None:
    settled = await asyncio.gather(*(store.settle(subject, r, {LIMIT.name: actual}) for r in ids))
    assert all(settled)


async def _open_records(client: Redis, subject: str) -> list[bytes]:
    return [key async for key in client.scan_iter(match=f"*{{{subject}}}:r:*")]


def test_concurrent_tasks_never_overdraw_a_limit(redis_url: str, subject: str) -> None:
    async def body() -> None:
        client = connect(redis_url, timeout_s=5, max_connections=50)
        try:
            store = _store(client)
            admitted = await _reserve_many(store, subject, "task", 400)
            assert len(admitted) == ADMISSIBLE
            [state] = await store.usage(subject, [LIMIT])
            assert state.used == ADMISSIBLE * AMOUNT
            await _settle_all(store, subject, admitted, 5)
            [state] = await store.usage(subject, [LIMIT])
            assert state.used == ADMISSIBLE * 5
            assert await _open_records(client, subject) == []
        finally:
            await client.aclose()

    asyncio.run(body())


def _reserve_in_process(url: str, subject: str, name: str, start_at: float) -> list[str]:
    """One OS process with its own connection pool; all of them start at the same instant."""

    async def body() -> list[str]:
        client = connect(url, timeout_s=5, max_connections=20)
        try:
            await client.ping()  # connect before the start line, not after it
            await asyncio.sleep(max(0.0, start_at - time.time()))
            return await _reserve_many(_store(client), subject, name, 150)
        finally:
            await client.aclose()

    return asyncio.run(body())


def _settle_in_process(url: str, subject: str, ids: list[str]) -> None:
    async def body() -> None:
        client = connect(url, timeout_s=5)
        try:
            await _settle_all(_store(client), subject, ids, 5)
        finally:
            await client.aclose()

    asyncio.run(body())


def test_three_processes_share_one_limit(redis_url: str, subject: str) -> None:
    start_at = time.time() + 3  # spawning and importing takes a moment
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=3, mp_context=spawn) as pool:
        futures = [
            pool.submit(_reserve_in_process, redis_url, subject, f"p{i}", start_at)
            for i in range(3)
        ]
        admitted = [future.result(timeout=60) for future in futures]
        assert sum(len(ids) for ids in admitted) == ADMISSIBLE
        # Settle only once every process is done reserving: a settle that gives tokens back
        # mid-race would rightly let more in, and the count above would mean nothing.
        for future in [pool.submit(_settle_in_process, redis_url, subject, i) for i in admitted]:
            future.result(timeout=60)

    async def check() -> None:
        client = Redis.from_url(redis_url)
        try:
            [state] = await _store(client).usage(subject, [LIMIT])
            assert state.used == ADMISSIBLE * 5
            assert await _open_records(client, subject) == []
        finally:
            await client.aclose()

    asyncio.run(check())
