"""Quota hot path: reserve + settle against loopback Redis and the memory store.

Two baselines run beside them: an empty coroutine through the same event loop (what driving
async code from a sync benchmark costs, included in every figure here) and a bare PING through
the same client (one Redis round trip; reserve + settle is two). Target: reserve + settle
p50 <= 0.3 ms on loopback.

    .venv/bin/python -m pytest bench/bench_quota.py --benchmark-only
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator

import pytest
import uvloop
from pytest_benchmark.fixture import BenchmarkFixture
from redis.asyncio import Redis

from app.quota.limits import Limit
from app.quota.memory_store import MemoryQuotaStore
from app.quota.redis_store import RedisQuotaStore, connect
from app.quota.store import QuotaStore
from tests.redis_server import start_redis

# The Decision's example limits, sized so the benchmark never runs into them.
LIMITS = (
    Limit("tokens_per_minute", "tokens", 10**12, 60),
    Limit("requests_per_minute", "requests", 10**12, 60),
    Limit("budget_per_month", "usd", 10**9, 0),
)
RESERVE = {"tokens_per_minute": 1836, "requests_per_minute": 1, "budget_per_month": 737}
ACTUAL = {"tokens_per_minute": 907, "requests_per_minute": 1, "budget_per_month": 179}


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    # uvloop, as the gateway runs under uvicorn with it.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as running:
        yield running


@pytest.fixture(scope="module")
def client(runner: asyncio.Runner) -> Iterator[Redis]:
    with start_redis() as url:
        redis = connect(url)
        runner.run(_ping(redis))  # connect outside the measured rounds
        yield redis
        runner.run(redis.aclose())


async def _nothing() -> None:
    pass


async def _ping(client: Redis) -> None:
    await client.ping()


def _cycle(runner: asyncio.Runner, store: QuotaStore) -> Callable[[], None]:
    """One benchmark round: reserve the Decision's three limits, then settle them."""
    ids = itertools.count()

    async def reserve_and_settle() -> None:
        rid = f"bench-{next(ids)}"
        admission = await store.reserve("tenant:bench", LIMITS, RESERVE, rid)
        assert admission.admitted
        await store.settle("tenant:bench", rid, ACTUAL)

    return lambda: runner.run(reserve_and_settle())


def test_baseline_event_loop(benchmark: BenchmarkFixture, runner: asyncio.Runner) -> None:
    benchmark(lambda: runner.run(_nothing()))


def test_baseline_redis_ping(
    benchmark: BenchmarkFixture, runner: asyncio.Runner, client: Redis
) -> None:
    benchmark(lambda: runner.run(_ping(client)))


def test_redis_reserve_settle(
    benchmark: BenchmarkFixture, runner: asyncio.Runner, client: Redis
) -> None:
    benchmark(_cycle(runner, RedisQuotaStore(client)))


def test_memory_reserve_settle(benchmark: BenchmarkFixture, runner: asyncio.Runner) -> None:
    benchmark(_cycle(runner, MemoryQuotaStore()))
