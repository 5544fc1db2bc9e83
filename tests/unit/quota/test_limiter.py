"""The Limiter: amounts in, QuotaExceeded or a Reservation out, and the rate-limit headers."""

from __future__ import annotations

import asyncio

import pytest

from app.quota.amounts import Price
from app.quota.errors import PriceMismatch, QuotaExceeded
from app.quota.limiter import Limiter, rate_limit_headers
from app.quota.limits import BucketState, Limit
from app.quota.memory_store import MemoryQuotaStore
from tests.unit.quota.conftest import FakeClock, epoch

TPM = Limit("tokens_per_minute", "tokens", 2000, 60)
RPM = Limit("requests_per_minute", "requests", 600, 60)
BUDGET = Limit("budget_per_month", "usd", 500, 0)
ALL = (TPM, RPM, BUDGET)
PRICE = Price.of("usd", 0.15, 0.6)
T0 = epoch("2026-11-23T12:00:10")


def test_reserve_and_settle_charge_actual_usage() -> None:
    async def body() -> None:
        store = MemoryQuotaStore(FakeClock(T0))
        reservation = await Limiter(store).reserve("t", ALL, 500, 1000, PRICE)
        assert reservation.amounts == {TPM.name: 1500, RPM.name: 1, BUDGET.name: 675}
        assert reservation.headers() == {
            "x-ratelimit-limit-requests": "600",
            "x-ratelimit-remaining-requests": "599",
            "x-ratelimit-reset-requests": "50s",
            "x-ratelimit-limit-tokens": "2000",
            "x-ratelimit-remaining-tokens": "500",
            "x-ratelimit-reset-tokens": "50s",
        }
        usage = {"prompt_tokens": 500, "completion_tokens": 100, "total_tokens": 600}
        assert await reservation.settle(usage)
        assert not await reservation.settle(usage)
        states = await store.usage("t", ALL)
        assert [s.used for s in states] == [600, 1, 135]

    asyncio.run(body())


def test_settle_without_usage_keeps_the_hold_and_refund_gives_it_back() -> None:
    async def body() -> None:
        store = MemoryQuotaStore(FakeClock(T0))
        limiter = Limiter(store)
        kept = await limiter.reserve("t", ALL, 100, 100, PRICE)
        refunded = await limiter.reserve("t", ALL, 300, 300, PRICE)
        assert await kept.settle(None)
        assert await refunded.refund()
        assert not await refunded.refund()
        assert [s.used for s in await store.usage("t", ALL)] == [200, 1, 75]

    asyncio.run(body())


def test_over_the_limit_raises_with_retry_after_and_headers() -> None:
    async def body() -> None:
        limiter = Limiter(MemoryQuotaStore(FakeClock(T0 + 0.3)))
        await limiter.reserve("t", ALL, 1500, 0, PRICE)
        with pytest.raises(QuotaExceeded) as caught:
            await limiter.reserve("t", ALL, 400, 200, PRICE)
        error = caught.value
        assert error.limit == TPM
        assert (error.remaining, error.requested, error.retryable) == (500, 600, True)
        assert error.retry_after_s == 50
        assert error.headers["retry-after"] == "50"
        assert error.headers["x-ratelimit-remaining-tokens"] == "500"
        assert error.headers["x-ratelimit-reset-tokens"] == "49.7s"
        assert "tokens_per_minute" in str(error)

    asyncio.run(body())


def test_a_request_larger_than_the_limit_is_not_retryable() -> None:
    async def body() -> None:
        limiter = Limiter(MemoryQuotaStore(FakeClock(T0)))
        with pytest.raises(QuotaExceeded) as caught:
            await limiter.reserve("t", ALL, 1000, 4000, PRICE)
        assert not caught.value.retryable

    asyncio.run(body())


def test_budget_errors_speak_currency() -> None:
    async def body() -> None:
        tiny = Limit("budget_per_month", "usd", 0.001, 0)
        limiter = Limiter(MemoryQuotaStore(FakeClock(T0)))
        with pytest.raises(QuotaExceeded, match=r"0\.001275 usd requested"):
            await limiter.reserve("t", [tiny], 500, 2000, PRICE)

    asyncio.run(body())


def test_unpriced_budget_fails_before_touching_the_store() -> None:
    async def body() -> None:
        store = MemoryQuotaStore(FakeClock(T0))
        with pytest.raises(PriceMismatch):
            await Limiter(store).reserve("t", ALL, 1, 1, None)
        assert [s.used for s in await store.usage("t", ALL)] == [0, 0, 0]

    asyncio.run(body())


def test_request_id_makes_a_retried_reserve_idempotent() -> None:
    async def body() -> None:
        store = MemoryQuotaStore(FakeClock(T0))
        limiter = Limiter(store)
        first = await limiter.reserve("t", ALL, 10, 10, PRICE, reservation_id="req_1")
        again = await limiter.reserve("t", ALL, 10, 10, PRICE, reservation_id="req_1")
        assert first.id == again.id == "req_1"
        assert [s.used for s in await store.usage("t", ALL)][:2] == [20, 1]
        fresh = await limiter.reserve("t", ALL, 10, 10, PRICE)
        assert fresh.id != first.id

    asyncio.run(body())


def test_headers_show_the_tightest_limit_of_each_unit() -> None:
    per_day = Limit("tokens_per_day", "tokens", 10_000, 86400)
    buckets = [
        BucketState(TPM, 100, 0.0123),
        BucketState(per_day, 9_500, 3723.5),
        BucketState(BUDGET, 10, 99.0),
    ]
    assert rate_limit_headers(buckets) == {
        "x-ratelimit-limit-tokens": "10000",
        "x-ratelimit-remaining-tokens": "500",
        "x-ratelimit-reset-tokens": "1h2m3.5s",
    }


@pytest.mark.parametrize(
    ("reset_s", "text"),
    [(0.0, "0s"), (0.0123, "13ms"), (1.0, "1s"), (59.25, "59.25s"), (360.0, "6m0s")],
)
def test_reset_is_a_go_style_duration(reset_s: float, text: str) -> None:
    headers = rate_limit_headers([BucketState(RPM, 0, reset_s)])
    assert headers["x-ratelimit-reset-requests"] == text
