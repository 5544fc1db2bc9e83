"""What only the Redis store has: Lua calendar maths, server time, keys, failure modes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from app.quota.errors import QuotaStoreUnavailable
from app.quota.limits import EXPIRY_MARGIN_S, Limit, window_at
from app.quota.redis_store import RedisQuotaStore, connect
from tests.support.processes import free_port
from tests.unit.quota.conftest import FakeClock, epoch

TPM = Limit("tokens_per_minute", "tokens", 1000, 60)
BUDGET = Limit("budget_per_month", "usd", 500, 0)
T0 = epoch("2026-11-23T12:00:10")


@settings(max_examples=300, deadline=None)
@given(
    now_ms=st.integers(min_value=0, max_value=int(epoch("2199-12-31T23:59:59")) * 1000),
    window_s=st.sampled_from([0, 1, 7, 60, 3600, 86400]),
)
@example(now_ms=int(epoch("2026-12-31T23:59:59.999") * 1000), window_s=0)
@example(now_ms=int(epoch("2027-01-01T00:00:00") * 1000), window_s=0)
@example(now_ms=int(epoch("2000-02-29T12:00:00") * 1000), window_s=0)  # leap century
@example(now_ms=int(epoch("2100-02-28T12:00:00") * 1000), window_s=0)  # non-leap century
@example(now_ms=int(epoch("2028-02-29T23:59:59.999") * 1000), window_s=0)
def test_lua_windows_match_python(redis_url: str, now_ms: int, window_s: int) -> None:
    """The Lua port of the calendar arithmetic agrees with ``window_at`` to the millisecond."""
    now = now_ms / 1000
    limit = Limit("w", "requests", 1, window_s)

    async def body() -> float:
        async with _redis(redis_url) as client:
            [state] = await RedisQuotaStore(client, test_clock=lambda: now).usage("lua", [limit])
            return state.reset_s

    expected_ms = window_at(window_s, now).end * 1000 - now_ms
    assert round(asyncio.run(body()) * 1000) == expected_ms


@asynccontextmanager
async def _redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def test_server_time_is_the_clock_by_default(redis_url: str, subject: str) -> None:
    async def body() -> None:
        async with _redis(redis_url) as client:
            [state] = await RedisQuotaStore(client).usage(subject, [TPM])
            seconds, micros = await client.time()
            # The window ends at the next minute of Redis's clock, not of this process's.
            assert state.reset_s == pytest.approx(60 - (seconds % 60 + micros / 1e6), abs=0.5)

    asyncio.run(body())


def test_keys_share_the_subject_hash_tag_and_expire(redis_url: str, subject: str) -> None:
    async def body() -> None:
        async with _redis(redis_url) as client:
            store = RedisQuotaStore(client, test_clock=FakeClock(T0))
            await store.reserve(subject, [TPM, BUDGET], {TPM.name: 5, BUDGET.name: 5}, "r1")
            keys = sorted([k.decode() async for k in client.scan_iter(match=f"*{subject}*")])
            assert len(keys) == 3  # two buckets and the reservation record
            assert all(f"{{{subject}}}" in key for key in keys)
            ttls = {key.split(":")[-2]: await client.ttl(key) for key in keys}
            month_left = epoch("2026-12-01T00:00:00") - T0
            assert ttls["60"] == 50 + EXPIRY_MARGIN_S
            assert ttls["0"] == month_left + EXPIRY_MARGIN_S
            assert ttls["r"] == month_left + EXPIRY_MARGIN_S

    asyncio.run(body())


def test_buckets_never_go_negative(redis_url: str, subject: str) -> None:
    """A counter lowered behind the store's back (eviction, an operator) is clamped at 0."""

    async def body() -> None:
        async with _redis(redis_url) as client:
            store = RedisQuotaStore(client, test_clock=FakeClock(T0))
            await store.reserve(subject, [TPM], {TPM.name: 100}, "r1")
            [key] = [k async for k in client.scan_iter(match=f"*{subject}}}:b:*")]
            await client.set(key, 10, keepttl=True)
            assert await store.settle(subject, "r1", {TPM.name: 0})
            assert await client.get(key) == b"0"
            assert await client.ttl(key) > 0

    asyncio.run(body())


def test_settle_never_recreates_a_vanished_bucket(redis_url: str, subject: str) -> None:
    """A bucket gone from Redis (expired, evicted) stays gone: a new key would have no TTL."""

    async def body() -> None:
        async with _redis(redis_url) as client:
            store = RedisQuotaStore(client, test_clock=FakeClock(T0))
            await store.reserve(subject, [TPM], {TPM.name: 100}, "r1")
            [key] = [k async for k in client.scan_iter(match=f"*{subject}}}:b:*")]
            await client.delete(key)
            assert await store.settle(subject, "r1", {TPM.name: 300})
            assert not await client.exists(key)

    asyncio.run(body())


def test_large_money_amounts_stay_exact(redis_url: str, subject: str) -> None:
    """Lua numbers are doubles; amounts up to 2**53 micro-units must survive unrounded."""
    big = Limit("budget", "usd", 9_000_000_000, 0)

    async def body() -> None:
        async with _redis(redis_url) as client:
            store = RedisQuotaStore(client, test_clock=FakeClock(T0))
            await store.reserve(subject, [big], {big.name: 123_456_789_012_345}, "r1")
            await store.settle(subject, "r1", {big.name: 8_999_999_999_999_999})
            [state] = await store.usage(subject, [big])
            assert state.used == 8_999_999_999_999_999
            assert state.remaining == 1

    asyncio.run(body())


def test_scripts_run_by_sha_and_survive_a_script_flush(redis_url: str, subject: str) -> None:
    async def body() -> None:
        async with _redis(redis_url) as client:
            store = RedisQuotaStore(client, test_clock=FakeClock(T0))
            await store.reserve(subject, [TPM], {TPM.name: 1}, "r1")
            await client.script_flush()  # e.g. a failover to a replica without the scripts
            assert (await store.reserve(subject, [TPM], {TPM.name: 1}, "r2")).admitted
            stats = await client.info("commandstats")
            assert stats["cmdstat_evalsha"]["calls"] >= 2
            assert "cmdstat_eval" not in stats

    asyncio.run(body())


def test_unreachable_redis_is_unavailable_quickly() -> None:
    async def body() -> None:
        client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
        try:
            store = RedisQuotaStore(client)
            started = time.monotonic()
            with pytest.raises(QuotaStoreUnavailable):
                await store.reserve("t", [TPM], {TPM.name: 1}, "r1")
            assert time.monotonic() - started < 2
        finally:
            await client.aclose()

    asyncio.run(body())


def test_a_silent_redis_times_out_as_unavailable() -> None:
    """A server that accepts and never answers must not hang the request."""

    async def body() -> None:
        accepted: list[asyncio.StreamWriter] = []

        async def swallow(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer)

        server = await asyncio.start_server(swallow, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = connect(f"redis://127.0.0.1:{port}/0", timeout_s=0.2)
        try:
            started = time.monotonic()
            with pytest.raises(QuotaStoreUnavailable):
                await RedisQuotaStore(client).usage("t", [TPM])
            assert time.monotonic() - started < 2
        finally:
            await client.aclose()
            for writer in accepted:
                writer.close()
            server.close()
            await server.wait_closed()

    asyncio.run(body())
