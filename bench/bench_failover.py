"""Routing cost: the breaker's added latency, replica balancing, the time to fail over from a
dead route, and what the vendor adapters add per request.

All against the demo upstream on loopback, one non-streaming call each, in the same run:
    direct              UpstreamClient.open → read (the baseline)
    router              the same through Router (health, breaker, retry budget)
    router_replicas     the same route with three replicas: least-outstanding ranking per call
    failover_refused    first route refuses connections (breaker kept closed), second answers
    failover_open       first route's circuit is open: skipped without a call

Adapter translation, CPU only (no I/O), per request, against OpenAI-compatible's pass-through:
    translate_body_*    the request body built and serialised (what `prepare` does besides the
                        GigaChat token, which is cached) plus the whole answer translated back
    translate_stream_*  a 20-chunk stream's vendor events fed through the adapter's translator

    .venv/bin/python -m pytest bench/bench_failover.py --benchmark-only
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvloop
from pytest_benchmark.fixture import BenchmarkFixture

from app.providers.adapters.anthropic import Anthropic, messages_request
from app.providers.adapters.base import Outbound, StreamTranslator
from app.providers.adapters.gigachat import GigaChat, chat_request
from app.providers.adapters.openai_compatible import OpenAICompatible
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
SPREAD = Route(provider="spread", model="m")
CASSETTES = Path(__file__).resolve().parents[1] / "tests" / "cassettes"


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
        live = f"http://127.0.0.1:{ports['live']}/v1"
        endpoints = {
            "live": (Endpoint("live", live),),
            "dead": (Endpoint("dead", f"http://127.0.0.1:{free_port()}/v1"),),
            # Three replicas (one server: the ranking, not the upstream, is measured).
            "spread": tuple(Endpoint("spread", live, replica=f"r{i}") for i in range(3)),
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
        response = await client.open(catalog.endpoints["live"][0], LIVE, BODY, "b")
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


def test_router_replicas(benchmark: BenchmarkFixture, runner: asyncio.Runner, setup: Setup) -> None:
    client, catalog = setup
    _bench(benchmark, runner, _via(_router(client, 5), catalog, [SPREAD]))


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


CHAT = Outbound(
    "chat.completions",
    {
        "model": "auto",
        "messages": [
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": "Summarise the offsite plan in three points."},
        ],
        "max_tokens": 256,
    },
)
ENDPOINT = Endpoint("bench", "http://127.0.0.1:9/v1", "bench-key")


def _anthropic_events(chunks: int) -> list[bytes]:
    start: dict[str, object] = {
        "type": "message_start",
        "message": {"id": "msg_b", "usage": {"input_tokens": 25}},
    }
    block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}
    events: list[dict[str, object]] = [start, block]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " w"}}
    ] * chunks
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": chunks},
        },
        {"type": "message_stop"},
    ]
    return [orjson.dumps(event) for event in events]


def _gigachat_events(chunks: int) -> list[bytes]:
    def event(extra: dict[str, object], finish: str | None = None) -> bytes:
        choice = {
            "delta": {"content": " w"},
            "index": 0,
            **({"finish_reason": finish} if finish else {}),
        }
        return orjson.dumps({"choices": [choice], "created": 1, "model": "GigaChat-2-Max", **extra})

    usage: dict[str, object] = {
        "usage": {"prompt_tokens": 18, "completion_tokens": chunks, "total_tokens": 18 + chunks}
    }
    return [event({}) for _ in range(chunks - 1)] + [event(usage, "stop"), b"[DONE]"]


ROUTE = Route(provider="bench", model="m")
VENDORS: dict[str, tuple[Any, Callable[[str, Outbound], object], str, list[bytes]]] = {
    "openai": (
        OpenAICompatible(ENDPOINT),
        lambda model, outbound: {**outbound.payload, "model": model},
        "yandexgpt/chat.json",  # OpenAI's answer format
        [],  # relayed as is
    ),
    "anthropic": (
        Anthropic(ENDPOINT),
        messages_request,
        "anthropic/message.json",
        _anthropic_events(20),
    ),
    "gigachat": (GigaChat(ENDPOINT, 1.0), chat_request, "gigachat/chat.json", _gigachat_events(20)),
}


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_translate_body(benchmark: BenchmarkFixture, vendor: str) -> None:
    adapter, build, cassette, _ = VENDORS[vendor]
    answer = (CASSETTES / cassette).read_bytes()

    def translate() -> None:
        orjson.dumps(build(ROUTE.model, CHAT))
        adapter.translate_body(ROUTE, 200, answer)

    benchmark(translate)


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_translate_stream(benchmark: BenchmarkFixture, vendor: str) -> None:
    adapter, _, _, events = VENDORS[vendor]

    def translate() -> None:
        translator: StreamTranslator | None = adapter.stream(ROUTE)
        if translator is not None:  # OpenAI-compatible: relayed as is
            for data in events:
                translator.feed(data)

    benchmark(translate)
