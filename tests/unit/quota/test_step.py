"""The executor's quota step: limits from the decision, scoped buckets, outage modes."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from app.errors import PolicyUnavailable, QuotaUnavailable, RateLimited
from app.providers.catalog import Catalog, ModelFacts
from app.quota import step as step_module
from app.quota.amounts import Price
from app.quota.errors import QuotaStoreUnavailable
from app.quota.limiter import Limiter
from app.quota.memory_store import MemoryQuotaStore
from app.quota.step import QuotaStep, output_bound
from app.schemas.contract import Quota, Route

ROUTES = [Route(provider="p", model="m")]
CATALOG = Catalog("r", {}, {("p", "m"): ModelFacts(Price.of("usd", 1, 2), 1000)})


def _quota(**extra: Any) -> Quota:
    limits = [
        {"name": "requests_per_minute", "unit": "requests", "limit": 3, "window_s": 60},
        {"name": "requests_per_minute", "unit": "requests", "limit": 2, "window_s": 60,
         "scope": extra.pop("scope", "key:k1")},
    ]  # fmt: skip
    return msgspec.convert({"subject": "tenant:t", "limits": limits, **extra}, Quota)


def test_a_scoped_bucket_limits_its_key_and_counts_toward_the_subject() -> None:
    store = MemoryQuotaStore()
    step = QuotaStep(Limiter(store), store)

    async def run() -> None:
        for i in range(2):
            await step.reserve(_quota(), ROUTES, CATALOG, 10, 10, f"r{i}")
        with pytest.raises(RateLimited) as caught:
            await step.reserve(_quota(), ROUTES, CATALOG, 10, 10, "r2")
        assert "requests_per_minute@key:k1" in caught.value.message
        assert caught.value.headers["retry-after"]
        # Another key has its own bucket, but the tenant-wide one has room for one more only.
        await step.reserve(_quota(scope="key:k2"), ROUTES, CATALOG, 10, 10, "r3")
        with pytest.raises(RateLimited):
            await step.reserve(_quota(scope="key:k3"), ROUTES, CATALOG, 10, 10, "r4")

    asyncio.run(run())


class _DownStore(MemoryQuotaStore):
    async def reserve(self, *args: Any, **kwargs: Any) -> Any:
        raise QuotaStoreUnavailable("down")


def test_store_outage_denies_unless_the_decision_allows() -> None:
    store = _DownStore()
    step = QuotaStep(Limiter(store), store)
    with pytest.raises(QuotaUnavailable):
        asyncio.run(step.reserve(_quota(), ROUTES, CATALOG, 10, 10, "r"))
    hold = asyncio.run(step.reserve(_quota(on_store_error="allow"), ROUTES, CATALOG, 10, 10, "r"))
    assert hold.reservation is None


def test_output_bound_prefers_the_policy_default_then_the_context_window() -> None:
    assert output_bound(_quota(max_output_default=256), ROUTES, CATALOG, 100) == 256
    assert output_bound(_quota(), ROUTES, CATALOG, 100) == 900


def test_a_request_larger_than_the_limit_is_refused_without_retry_after() -> None:
    store = MemoryQuotaStore()
    step = QuotaStep(Limiter(store), store)
    limit = {"name": "tokens_per_minute", "unit": "tokens", "limit": 100, "window_s": 60}
    quota = msgspec.convert({"subject": "tenant:t", "limits": [limit]}, Quota)
    with pytest.raises(RateLimited) as caught:
        asyncio.run(step.reserve(quota, ROUTES, CATALOG, 90, 20, "r"))
    assert caught.value.code == "request_exceeds_limit"
    assert "retry-after" not in caught.value.headers
    assert caught.value.headers["x-ratelimit-limit-tokens"] == "100"


def test_a_limit_the_stores_cannot_count_is_refused_as_an_off_contract_decision() -> None:
    store = MemoryQuotaStore()
    step = QuotaStep(Limiter(store), store)
    huge = msgspec.convert(
        {
            "subject": "tenant:t",
            "limits": [{"name": "usd", "unit": "usd", "limit": 10**12, "window_s": 0}],
        },
        Quota,
    )
    with pytest.raises(PolicyUnavailable) as caught:
        asyncio.run(step.reserve(huge, ROUTES, CATALOG, 10, 10, "r"))
    assert caught.value.code == "policy_invalid"
    assert caught.value.status == 503


def test_limits_built_once_are_shared_and_a_refused_one_is_refused_every_time() -> None:
    store = MemoryQuotaStore()
    step = QuotaStep(Limiter(store), store)
    assert step_module._limits(_quota())[0] is step_module._limits(_quota())[0]
    huge = msgspec.convert(
        {"subject": "t", "limits": [{"name": "b", "unit": "usd", "limit": 10**12, "window_s": 0}]},
        Quota,
    )
    for _ in range(2):
        with pytest.raises(PolicyUnavailable):
            asyncio.run(step.reserve(huge, ROUTES, CATALOG, 10, 10, "r"))
