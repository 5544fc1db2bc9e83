"""Quota fixtures: one real redis-server per session, and every store behind one factory.

Redis clients bind to the event loop they first run in, and each test runs its own
``asyncio.run``, so the ``open_store`` fixture hands out a factory: the test opens the store
inside its loop, and the store's client is closed in that same loop.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from app.quota.limits import Clock
from app.quota.memory_store import MemoryQuotaStore
from app.quota.redis_store import RedisQuotaStore
from app.quota.store import QuotaStore
from tests.redis_server import start_redis

OpenStore = Callable[[Clock], AbstractAsyncContextManager[QuotaStore]]


def epoch(text: str) -> float:
    """Seconds since the epoch of an ISO-8601 UTC timestamp."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    # start_redis raises when redis-server is missing: the Redis tests then error, never skip.
    with start_redis() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
def open_store(request: pytest.FixtureRequest) -> OpenStore:
    """``async with open_store(clock) as store``: the same tests run against every backend."""
    if request.param == "memory":

        @asynccontextmanager
        async def memory(clock: Clock) -> AsyncIterator[QuotaStore]:
            yield MemoryQuotaStore(clock)

        return memory

    url: str = request.getfixturevalue("redis_url")

    @asynccontextmanager
    async def redis(clock: Clock) -> AsyncIterator[QuotaStore]:
        client = Redis.from_url(url)
        try:
            yield RedisQuotaStore(client, test_clock=clock)
        finally:
            await client.aclose()

    return redis


@pytest.fixture
def subject() -> str:
    """A fresh subject per test, so tests sharing the Redis server never see each other."""
    return f"tenant:{uuid.uuid4().hex[:12]}"
