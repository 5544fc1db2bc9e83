"""Routing cost: the breaker's added latency, and the time to fail over from a dead route.

All against the demo upstream on loopback, one non-streaming call each, in the same run:
    direct              UpstreamClient.open → read (the baseline)
    router              the same through Router (health, breaker, retry budget)
    failover_refused    first route refuses connections (breaker kept closed), second answers
    failover_open       first route's circuit is open: skipped without a call

    .venv/bin/python -m pytest bench/bench_failover.py --benchmark-only
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
import uvloop
from pytest_benchmark.fixture import BenchmarkFixture

from app.providers.adapters.base import Outbound
from app.providers.budget import RetryBudget
from app.providers.catalog import Catalog, Endpoint
from app.providers.demo import create_demo_app
from app.providers.health import BreakerSettings, HealthBoard
from app.providers.routing import Router
from app.providers.upstream import UpstreamClient
from app.schemas.contract import Route
from tests.support.processes import free_port
from tests.support.vendors.serving import serving

BODY = Outbound("chat.completions", {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
Setup = tuple[UpstreamClient, Catalog]
DEAD, LIVE = Route(provider="dead", model="m"), Route(provider="live", model="m")


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        yield runner


@pytest.fixture(scope="module")
def setup(runner: asyncio.Runner) -> Iterator[Setup]:
    with serving({"live": create_demo_app("live")}) as ports:
        client = UpstreamClient(
            connect_timeout_s=1, first_byte_timeout_s=5, read_timeout_s=5, pool_size=16
        )
        runner.run(client.start())
        endpoints = {
            "live": Endpoint("live", f"http://127.0.0.1:{ports['live']}/v1"),
            "dead": Endpoint("dead", f"http://127.0.0.1:{free_port()}/v1"),
        }
        yield client, Catalog("bench", endpoints)
        runner.run(client.close())


def _router(client: UpstreamClient, failures: int) -> Router:
    budget = RetryBudget(ratio=1.0, min_per_s=10**9)
    return Router(client, HealthBoard(BreakerSettings(failures=failures, open_s=3600)), budget)


def _bench(
    benchmark: BenchmarkFixture,
    runner: asyncio.Runner,
    call: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    benchmark(lambda: runner.run(call()))


def test_direct(benchmark: BenchmarkFixture, runner: asyncio.Runner, setup: Setup) -> None:
    client, catalog = setup

    async def call() -> None:
        response = await client.open(catalog.endpoints["live"], LIVE, BODY, "b")
        await response.read()
        response.release()

    _bench(benchmark, runner, call)


def _via(
    router: Router, catalog: Catalog, routes: list[Route]
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def call() -> None:
        opened = await router.open_first(routes, catalog, BODY, "b")
        await opened.response.read()
        opened.response.release()
        opened.lease.finish(True)

    return call


def test_router(benchmark: BenchmarkFixture, runner: asyncio.Runner, setup: Setup) -> None:
    client, catalog = setup
    _bench(benchmark, runner, _via(_router(client, 5), catalog, [LIVE]))


def test_failover_refused(
    benchmark: BenchmarkFixture,
    runner: asyncio.Runner,
    setup: Setup,
) -> None:
    client, catalog = setup
    _bench(benchmark, runner, _via(_router(client, 10**9), catalog, [DEAD, LIVE]))


def test_failover_open(benchmark: BenchmarkFixture, runner: asyncio.Runner, setup: Setup) -> None:
    client, catalog = setup
    _bench(benchmark, runner, _via(_router(client, 1), catalog, [DEAD, LIVE]))
