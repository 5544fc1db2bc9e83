"""What only the in-memory store has: bounded memory and clamping, seen from the inside."""

from __future__ import annotations

import asyncio

from app.quota.limits import EXPIRY_MARGIN_S, Limit
from app.quota.memory_store import MemoryQuotaStore
from tests.unit.quota.conftest import FakeClock, epoch

TPM = Limit("tokens_per_minute", "tokens", 1000, 60)
BUDGET = Limit("budget_per_month", "usd", 1, 0)
T0 = epoch("2026-11-23T12:00:10")


def test_expired_buckets_and_records_are_swept() -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        store = MemoryQuotaStore(clock, sweep_every_s=60)
        for i in range(100):
            await store.reserve(f"tenant:{i}", [TPM], {TPM.name: 1}, "abandoned")
        assert (len(store._buckets), len(store._records)) == (100, 100)
        clock.advance(60 + EXPIRY_MARGIN_S)
        await store.usage("tenant:0", [TPM])
        assert (len(store._buckets), len(store._records)) == (0, 0)

    asyncio.run(body())


def test_buckets_never_go_negative() -> None:
    """Mirrors the Redis test: a counter lowered behind the store's back is clamped at 0."""

    async def body() -> None:
        store = MemoryQuotaStore(FakeClock(T0))
        await store.reserve("t", [TPM], {TPM.name: 100}, "r1")
        [bucket] = store._buckets.values()
        bucket.used = 10
        assert await store.settle("t", "r1", {TPM.name: 0})
        assert bucket.used == 0

    asyncio.run(body())


def test_expired_entries_are_dropped_between_sweeps() -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        store = MemoryQuotaStore(clock, sweep_every_s=10**9)
        await store.reserve("t", [TPM, BUDGET], {TPM.name: 900, BUDGET.name: 5}, "month")
        await store.reserve("t", [TPM], {TPM.name: 100}, "minute")
        clock.advance(50 + EXPIRY_MARGIN_S)
        assert not await store.refund("t", "minute")  # expired with its minute
        assert await store.settle("t", "month", {TPM.name: 0, BUDGET.name: 1})  # month is open
        # The old minute's bucket was dropped on touch, not adjusted.
        assert [key[1] for key in store._buckets] == [BUDGET.name]
        assert list(store._records) == []

    asyncio.run(body())


def test_a_clock_stepping_back_reads_the_earlier_window_again() -> None:
    # The store keeps the current window per length; a clock set back must not reuse it.
    async def body() -> None:
        clock = FakeClock(T0 + 49.5)  # 12:00:59.5, the window 12:00-12:01
        store = MemoryQuotaStore(clock)
        await store.reserve("t", [TPM, BUDGET], {TPM.name: 100, BUDGET.name: 1}, "a")
        clock.advance(1.0)  # 12:01:00.5
        await store.reserve("t", [TPM, BUDGET], {TPM.name: 7, BUDGET.name: 1}, "b")
        assert [state.used for state in await store.usage("t", [TPM, BUDGET])] == [7, 2]
        clock.advance(-0.75)  # 12:00:59.75
        assert [state.used for state in await store.usage("t", [TPM, BUDGET])] == [100, 2]

    asyncio.run(body())
