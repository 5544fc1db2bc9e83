"""Cache fixtures: one real redis-server per session, and every store behind one factory.

Redis clients bind to the event loop they first run in, and each test runs its own
``asyncio.run``, so ``open_store`` hands out a factory the test opens inside its loop.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from redis.asyncio import Redis

from app.cache.layered import LayeredCacheStore
from app.cache.memory_store import MemoryCacheStore
from app.cache.redis_store import RedisCacheStore
from app.cache.store import CacheStore
from tests.redis_server import start_redis

OpenStore = Callable[[], AbstractAsyncContextManager[CacheStore]]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    # start_redis raises when redis-server is missing: the Redis tests then error, never skip.
    with start_redis() as url:
        yield url


@pytest.fixture(params=["memory", "redis", "lru+redis"])
def open_store(request: pytest.FixtureRequest) -> OpenStore:
    """``async with open_store() as store``: the same tests run against every backend."""
    if request.param == "memory":

        @asynccontextmanager
        async def memory() -> AsyncIterator[CacheStore]:
            yield MemoryCacheStore()

        return memory

    url: str = request.getfixturevalue("redis_url")
    layered = request.param == "lru+redis"

    @asynccontextmanager
    async def redis() -> AsyncIterator[CacheStore]:
        client = Redis.from_url(url)
        try:
            shared = RedisCacheStore(client)
            yield LayeredCacheStore(shared) if layered else shared
        finally:
            await client.aclose()

    return redis


@pytest.fixture
def tenant() -> str:
    """A fresh tenant per test, so tests sharing the Redis server never see each other."""
    return f"t-{uuid.uuid4().hex[:12]}"
