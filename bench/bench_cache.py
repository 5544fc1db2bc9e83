"""Cache: what a hit costs against a miss and against the upstream alone, in one run.

A real gateway (embedded defaults: memory store) with real OPA and the demo upstream on
loopback; one client over a kept-alive connection, non-streaming chat at temperature 0.

- ``upstream_direct``: the demo upstream alone (the floor every gateway figure sits on);
- ``gateway_miss``: a fresh prompt each round (decision, scan, quota, upstream, store);
- ``gateway_hit``: the same prompt every round (decision, scan, quota, lookup, restore);
- ``lookup_*``: the cache step's lookup alone, memory and Redis (with the LRU in front);
- ``embedding_*``: the semantic layer's model, one prompt (what every semantic lookup that
  misses the exact key adds), Russian and English;
- ``semantic_search[n]``: the index alone, one scope holding n prompts;
- ``semantic_lookup_miss``: the step's whole semantic lookup that finds nothing (exact miss,
  embedding, search), memory store;
- ``model_rss``: a process's resident memory after importing the gateway, and after loading
  the model (printed and in the benchmark's extra_info).

Reported, never asserted:

    .venv/bin/python -m pytest bench/bench_cache.py --benchmark-only
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from redis.asyncio import Redis

from app.cache.embedder import UseEmbedder
from app.cache.guards import signature
from app.cache.layered import LayeredCacheStore
from app.cache.memory_store import MemoryCacheStore
from app.cache.redis_store import RedisCacheStore
from app.cache.semantic import SemanticCache
from app.cache.semantic_index import SemanticIndex
from app.cache.step import CacheStep
from app.cache.store import CacheStore
from app.keys import KeyStore
from app.policy.bundle import build_bundle
from app.schemas.contract import Decision
from tests.redis_server import start_redis
from tests.support.processes import REPO, opa_binary, running_gateway, running_opa
from tests.support.upstream import running_upstreams

_ROUNDS = 120
_PAYLOAD = {"model": "auto", "temperature": 0, "messages": [{"role": "user", "content": "x" * 900}]}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(gateway URL, API key, direct upstream URL); every provider points at one upstream."""
    tmp = tmp_path_factory.mktemp("bench_cache")
    bundle = tmp / "bundle.tar.gz"
    build_bundle(opa_binary(), REPO, bundle)
    keys = KeyStore.load(tmp / "keys.json")
    # acme-ru's enterprise tier allows 300 requests a minute per key: rounds stay below it.
    key = keys.create("acme-ru", "bench", ())[0]
    with running_upstreams(["demo"]) as upstreams, running_opa(bundle) as (opa_url, _):
        base = upstreams["demo"].base_url
        env = {"KORDON_PROVIDER_ONPREM_VLLM_BASE_URL": base}
        with running_gateway(opa_url, tmp / "keys.json", env, Path(tmp / "gw.log")) as url:
            yield url, key, base


def _post(client: httpx.Client, url: str, body: dict[str, object]) -> None:
    response = client.post(url, json=body)
    response.raise_for_status()


def test_upstream_direct(benchmark: BenchmarkFixture, stack: tuple[str, str, str]) -> None:
    with httpx.Client() as client:
        benchmark(_post, client, f"{stack[2]}/chat/completions", _PAYLOAD)


def test_gateway_miss(benchmark: BenchmarkFixture, stack: tuple[str, str, str]) -> None:
    counter = itertools.count()
    headers = {"Authorization": f"Bearer {stack[1]}"}
    with httpx.Client(headers=headers) as client:

        def fresh() -> None:
            body = {**_PAYLOAD, "messages": [{"role": "user", "content": f"{next(counter)}"}]}
            _post(client, f"{stack[0]}/v1/chat/completions", body)

        benchmark.pedantic(fresh, rounds=_ROUNDS)  # type: ignore[no-untyped-call]


def test_gateway_hit(benchmark: BenchmarkFixture, stack: tuple[str, str, str]) -> None:
    headers = {"Authorization": f"Bearer {stack[1]}"}
    with httpx.Client(headers=headers) as client:
        url = f"{stack[0]}/v1/chat/completions"
        _post(client, url, _PAYLOAD)
        response = client.post(url, json=_PAYLOAD)
        if response.headers.get("x-kordon-cache") != "hit-exact":
            raise RuntimeError(f"expected a hit, got {response.headers.get('x-kordon-cache')}")
        benchmark.pedantic(  # type: ignore[no-untyped-call]
            _post, (client, url, _PAYLOAD), rounds=_ROUNDS
        )


_DECISION = Decision.model_validate(
    {
        "version": 1,
        "allow": True,
        "reasons": [],
        "region": "any",
        "routes": [{"provider": "openai-us", "model": "gpt-4o-mini"}],
        "redaction": "none",
        "quota": {"subject": "tenant:t", "limits": []},
        "cache": {"mode": "exact", "ttl_s": 600, "epoch": 1},
        "audit": {"level": "metadata"},
    }
)


def _bench_lookup(benchmark: BenchmarkFixture, redis_url: str | None, lru: bool) -> None:
    runner = asyncio.Runner()
    client = Redis.from_url(redis_url) if redis_url else None
    shared: CacheStore = RedisCacheStore(client) if client else MemoryCacheStore()
    store = LayeredCacheStore(shared) if lru else shared
    step = CacheStep(store)
    try:
        ticket = runner.run(step.lookup("t", "chat.completions", _DECISION, _PAYLOAD))
        runner.run(store.put("t", ticket.key or "", b'{"c":{},"u":{},"p":"p","m":"m"}', 600))
        benchmark(lambda: runner.run(step.lookup("t", "chat.completions", _DECISION, _PAYLOAD)))
    finally:
        if client is not None:
            runner.run(client.aclose())
        runner.close()


def test_lookup_memory(benchmark: BenchmarkFixture) -> None:
    _bench_lookup(benchmark, None, lru=False)


def test_lookup_redis_behind_lru(benchmark: BenchmarkFixture) -> None:
    with start_redis() as url:
        _bench_lookup(benchmark, url, lru=True)


def test_lookup_redis_alone(benchmark: BenchmarkFixture) -> None:
    with start_redis() as url:
        _bench_lookup(benchmark, url, lru=False)


_PROMPTS = {
    "en": "How do I reset the password of my personal account in the mobile app?",
    "ru": "Как сбросить пароль от личного кабинета в мобильном приложении?",
}


@pytest.fixture(scope="module")
def embedder() -> UseEmbedder:
    model = UseEmbedder()
    model.embed(["warm up"])
    return model


@pytest.mark.parametrize("language", ["en", "ru"])
def test_embedding(benchmark: BenchmarkFixture, embedder: UseEmbedder, language: str) -> None:
    benchmark(embedder.embed, [_PROMPTS[language]])


@pytest.mark.parametrize("size", [10, 100, 500, 2_000])
def test_semantic_search(benchmark: BenchmarkFixture, size: int) -> None:
    rng = np.random.default_rng(7)
    index, sig = SemanticIndex(max_entries=size, per_scope=size), signature("x")
    for n in range(size):
        row = rng.standard_normal(512).astype(np.float32)
        index.add("scope", f"k{n}", row / np.linalg.norm(row), sig, 600)
    query = rng.standard_normal(512).astype(np.float32)
    query /= np.linalg.norm(query)
    index.search("scope", query, 0.9)  # stacks the matrix once, as the first lookup does
    benchmark(index.search, "scope", query, 0.9)


def test_semantic_lookup_miss(benchmark: BenchmarkFixture, embedder: UseEmbedder) -> None:
    semantic = _DECISION.model_copy(
        update={"cache": _DECISION.cache.model_copy(update={"mode": "semantic"})}
    )
    step, runner = CacheStep(MemoryCacheStore(), SemanticCache(embedder)), asyncio.Runner()
    counter = itertools.count()

    def lookup() -> None:
        text = f"{_PROMPTS['en']} Case {next(counter)}."
        payload = {**_PAYLOAD, "messages": [{"role": "user", "content": text}]}
        runner.run(step.lookup("t", "chat.completions", semantic, payload))

    try:
        benchmark.pedantic(lookup, rounds=_ROUNDS)  # type: ignore[no-untyped-call]
    finally:
        runner.close()


_RSS = """
import app.main
from app.cache.embedder import UseEmbedder
def rss():
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0]) // 1024
before = rss()
model = UseEmbedder()  # kept referenced while measured
model.embed(["warm up"])
print(before, rss())
"""


def test_model_rss(benchmark: BenchmarkFixture) -> None:
    def measure() -> tuple[int, int]:
        out = subprocess.run(
            [sys.executable, "-c", _RSS], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.split()
        return int(out[0]), int(out[1])

    before, after = benchmark.pedantic(measure, rounds=1)  # type: ignore[no-untyped-call]
    benchmark.extra_info.update(rss_mb_gateway_imported=before, rss_mb_model_loaded=after)
    print(f"\nRSS: gateway imported {before} MB, model loaded {after} MB (+{after - before} MB)")
