"""Cache: what a hit costs against a miss and against the upstream alone, in one run.

A real gateway (embedded defaults: memory store) with real OPA and the demo upstream on
loopback; one client over a kept-alive connection, non-streaming chat at temperature 0. The
policy is the repository's plus one tenant on a tier whose cache is semantic (no shipped tier
is), for the semantic hit.

- ``upstream_direct``: the demo upstream alone (no delay: the floor every gateway figure sits
  on);
- ``gateway_miss``: a fresh prompt each round (decision, scan, quota, upstream, store);
- ``gateway_hit``: the same prompt every round (decision, scan, quota, lookup, restore);
- ``gateway_hit_semantic``: a paraphrase of a cached prompt every round (the same, plus the
  embedding and the index search);
- ``lookup_*``: the cache step's exact lookup alone, memory and Redis (with the LRU in front);
- ``embedding_*``: the semantic layer's model, one prompt (what every semantic lookup that
  misses the exact key adds), Russian and English;
- ``semantic_search[n]``: the index alone, one scope holding n prompts;
- ``semantic_lookup_miss`` / ``_hit``: the step's whole semantic lookup (exact miss,
  embedding, search, and for a hit the answer's fetch), memory store;
- ``model_rss``: a fresh process's resident memory after importing the gateway, and after loading
  the model (in the summary and the benchmark's extra_info).

Every figure is also taken per call (one iteration a round) as p50/p99; an async lookup is
timed through ``loop.run_until_complete``, which adds ~6 µs of task overhead (``asyncio.Runner``
would add ~50 µs to an exact lookup and ~3 ms to a semantic one). At the end of the
module the run prints a summary (the lookups, the model's memory, and a hit's added latency:
gateway hit p50/p99 minus upstream direct p50/p99) and writes it to var/bench/cache.json.
Reported, never asserted:

    .venv/bin/python -m pytest bench/bench_cache.py --benchmark-only
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import msgspec
import numpy as np
import pytest
import yaml
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
from app.schemas.contract import parse_decision
from bench.bench_cache_workload import provider_env
from tests.redis_server import start_redis
from tests.support.bundles import patched_bundle
from tests.support.processes import REPO, running_gateway, running_opa
from tests.support.upstream import running_upstreams

_ROUNDS = 120
_LOOKUP_ROUNDS = 1_000
_PAYLOAD = {"model": "auto", "temperature": 0, "messages": [{"role": "user", "content": "x" * 900}]}
_OUT = REPO / "var" / "bench" / "cache.json"
# name -> figures of this run, printed and written once the module is done.
_REPORT: dict[str, dict[str, Any]] = {}


def _percentiles(benchmark: BenchmarkFixture, name: str) -> None:
    """p50/p99 in ms of the per-call times (rounds of one iteration), kept for the summary."""
    stats = benchmark.stats
    if stats is None:  # --benchmark-disable
        return
    cuts = statistics.quantiles(stats.stats.data, n=100, method="inclusive")
    figures = {"p50_ms": round(cuts[49] * 1000, 3), "p99_ms": round(cuts[98] * 1000, 3)}
    benchmark.extra_info.update(figures)
    _REPORT[name] = figures


def _timed(benchmark: BenchmarkFixture, name: str, call: Callable[[], object], rounds: int) -> None:
    benchmark.pedantic(call, rounds=rounds, iterations=1)  # type: ignore[no-untyped-call]
    _percentiles(benchmark, name)


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    direct, report = _REPORT.get("upstream_direct"), dict(_REPORT)
    for hit in ("gateway_hit", "gateway_hit_semantic"):
        if direct and hit in _REPORT:
            report[f"{hit}_added_vs_direct"] = {
                q: round(_REPORT[hit][q] - direct[q], 3) for q in ("p50_ms", "p99_ms")
            }
    _OUT.parent.mkdir(parents=True, exist_ok=True)
    _OUT.write_text(json.dumps(report, indent=2) + "\n")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\ncache summary (also {_OUT}):")
        for name, figures in report.items():
            reporter.write_line(f"  {name:<40} {figures}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], str]]:
    """(gateway URL, API key per tenant, direct upstream URL); every provider at one upstream."""
    tmp = tmp_path_factory.mktemp("bench_cache")
    tiers = yaml.safe_load((REPO / "data" / "tiers" / "data.yaml").read_text())
    semantic = {"mode": "semantic", "ttl_s": 600, "min_similarity": 0.9}
    bundle = patched_bundle(
        tmp,
        tiers={"bench-semantic": {**tiers["enterprise"], "cache": semantic}},
        tenants={"bench-sem": {"base": "acme-ru", "name": "bench", "tier": "bench-semantic"}},
    )
    store = KeyStore.load(tmp / "keys.json")
    # The enterprise tier allows 300 requests a minute per key: rounds stay below it.
    keys = {tenant: store.create(tenant, "bench", ())[0] for tenant in ("acme-ru", "bench-sem")}
    with running_upstreams(["demo"]) as upstreams, running_opa(bundle) as (opa_url, _):
        base = upstreams["demo"].base_url
        with running_gateway(opa_url, tmp / "keys.json", provider_env(base), tmp / "gw.log") as url:
            yield url, keys, base


def _post(client: httpx.Client, url: str, body: dict[str, object]) -> str:
    """The answer's x-kordon-cache header."""
    response = client.post(url, json=body)
    if response.is_error:
        raise RuntimeError(f"{response.status_code} from {url}: {response.text}")
    return str(response.headers.get("x-kordon-cache", ""))


def _client(stack: tuple[str, dict[str, str], str], tenant: str) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {stack[1][tenant]}"})


def test_upstream_direct(
    benchmark: BenchmarkFixture, stack: tuple[str, dict[str, str], str]
) -> None:
    with httpx.Client() as client:
        url = f"{stack[2]}/chat/completions"
        _timed(benchmark, "upstream_direct", lambda: _post(client, url, _PAYLOAD), _ROUNDS)


def test_gateway_miss(benchmark: BenchmarkFixture, stack: tuple[str, dict[str, str], str]) -> None:
    counter = itertools.count()
    with _client(stack, "acme-ru") as client:

        def fresh() -> None:
            body = {**_PAYLOAD, "messages": [{"role": "user", "content": f"{next(counter)}"}]}
            _post(client, f"{stack[0]}/v1/chat/completions", body)

        _timed(benchmark, "gateway_miss", fresh, _ROUNDS)


def _bench_gateway_hit(
    benchmark: BenchmarkFixture, client: httpx.Client, url: str, name: str, body: dict[str, Any]
) -> None:
    expected = "hit-semantic" if name.endswith("semantic") else "hit-exact"

    def hit() -> None:
        if (status := _post(client, url, body)) != expected:
            raise RuntimeError(f"expected {expected}, got {status}")

    hit()
    _timed(benchmark, name, hit, _ROUNDS)


def test_gateway_hit(benchmark: BenchmarkFixture, stack: tuple[str, dict[str, str], str]) -> None:
    with _client(stack, "acme-ru") as client:
        url = f"{stack[0]}/v1/chat/completions"
        _post(client, url, _PAYLOAD)
        _bench_gateway_hit(benchmark, client, url, "gateway_hit", _PAYLOAD)


def test_gateway_hit_semantic(
    benchmark: BenchmarkFixture, stack: tuple[str, dict[str, str], str]
) -> None:
    # A paraphrase's answer is not stored under its own key: every round is a semantic hit.
    asked, paraphrase = (
        {**_PAYLOAD, "messages": [{"role": "user", "content": text}]}
        for text in (_PROMPTS["en"], _PARAPHRASE)
    )
    with _client(stack, "bench-sem") as client:
        url = f"{stack[0]}/v1/chat/completions"
        _post(client, url, asked)
        _bench_gateway_hit(benchmark, client, url, "gateway_hit_semantic", paraphrase)


_DECISION = parse_decision(
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


def _bench_lookup(benchmark: BenchmarkFixture, name: str, redis_url: str | None, lru: bool) -> None:
    loop = asyncio.new_event_loop()
    client = Redis.from_url(redis_url) if redis_url else None
    shared: CacheStore = RedisCacheStore(client) if client else MemoryCacheStore()
    store = LayeredCacheStore(shared) if lru else shared
    step = CacheStep(store)
    try:
        ticket = loop.run_until_complete(step.lookup("t", "chat.completions", _DECISION, _PAYLOAD))
        loop.run_until_complete(
            store.put("t", ticket.key or "", b'{"c":{},"u":{},"p":"p","m":"m"}', 600)
        )
        _timed(
            benchmark,
            name,
            lambda: loop.run_until_complete(
                step.lookup("t", "chat.completions", _DECISION, _PAYLOAD)
            ),
            _LOOKUP_ROUNDS,
        )
    finally:
        if client is not None:
            loop.run_until_complete(client.aclose())
        loop.close()


def test_lookup_memory(benchmark: BenchmarkFixture) -> None:
    _bench_lookup(benchmark, "lookup_exact_memory", None, lru=False)


def test_lookup_redis_behind_lru(benchmark: BenchmarkFixture) -> None:
    with start_redis() as url:
        _bench_lookup(benchmark, "lookup_exact_redis_behind_lru", url, lru=True)


def test_lookup_redis_alone(benchmark: BenchmarkFixture) -> None:
    with start_redis() as url:
        _bench_lookup(benchmark, "lookup_exact_redis_alone", url, lru=False)


_PROMPTS = {
    "en": "How do I reset the password of my personal account in the mobile app?",
    "ru": "Как сбросить пароль от личного кабинета в мобильном приложении?",
}
_PARAPHRASE = "How can I reset the password of my personal account in the mobile app?"


@pytest.fixture(scope="module")
def embedder() -> UseEmbedder:
    model = UseEmbedder()
    model.embed(["warm up"])
    return model


@pytest.mark.parametrize("language", ["en", "ru"])
def test_embedding(benchmark: BenchmarkFixture, embedder: UseEmbedder, language: str) -> None:
    _timed(benchmark, f"embedding_{language}", lambda: embedder.embed([_PROMPTS[language]]), 200)


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


_SEMANTIC = msgspec.structs.replace(
    _DECISION, cache=msgspec.structs.replace(_DECISION.cache, mode="semantic")
)


def _asking(text: str) -> dict[str, object]:
    return {**_PAYLOAD, "messages": [{"role": "user", "content": text}]}


def test_semantic_lookup_miss(benchmark: BenchmarkFixture, embedder: UseEmbedder) -> None:
    step, loop = CacheStep(MemoryCacheStore(), SemanticCache(embedder)), asyncio.new_event_loop()
    counter = itertools.count()

    def lookup() -> None:
        payload = _asking(f"{_PROMPTS['en']} Case {next(counter)}.")
        loop.run_until_complete(step.lookup("t", "chat.completions", _SEMANTIC, payload))

    try:
        _timed(benchmark, "lookup_semantic_miss", lookup, _ROUNDS)
    finally:
        loop.close()


def test_semantic_lookup_hit(benchmark: BenchmarkFixture, embedder: UseEmbedder) -> None:
    store, semantic, loop = MemoryCacheStore(), SemanticCache(embedder), asyncio.new_event_loop()
    step = CacheStep(store, semantic)
    try:
        kept = loop.run_until_complete(
            step.lookup("t", "chat.completions", _SEMANTIC, _asking(_PROMPTS["en"]))
        )
        if kept.key is None or kept.probe is None:
            raise RuntimeError(f"expected a semantic miss to keep, got {kept.status}")
        loop.run_until_complete(store.put("t", kept.key, b'{"c":{},"u":{},"p":"p","m":"m"}', 600))
        semantic.remember(kept.probe, kept.key, 600)

        def lookup() -> None:
            ticket = step.lookup("t", "chat.completions", _SEMANTIC, _asking(_PARAPHRASE))
            if (status := loop.run_until_complete(ticket).status) != "hit-semantic":
                raise RuntimeError(f"expected hit-semantic, got {status}")

        _timed(benchmark, "lookup_semantic_hit", lookup, _ROUNDS)
    finally:
        loop.close()


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
    figures = {"gateway_imported_mb": before, "model_loaded_mb": after, "model_mb": after - before}
    benchmark.extra_info.update(figures)
    _REPORT["rss_fresh_process"] = figures
