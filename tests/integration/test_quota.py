"""Quotas end to end: several gateway processes share one real Redis.

The bundle here is the repository's policy with test tenants and tiers added to its data, so
limits are small enough to hit; windows are an hour long so a test never straddles one.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import openai
import pytest

from app.keys import KeyStore
from tests.integration.conftest import Stack
from tests.redis_server import start_redis
from tests.support.bundles import patched_bundle
from tests.support.clients import openai_client
from tests.support.processes import REPO, free_port, running_gateway, running_opa
from tests.support.upstream import RecordingUpstream
from tests.support.windows import clear_of_window_edge

HOUR = 3600
SHARED_TOKENS = 5_000
TIERS = {
    "q-small": [{"name": "requests_per_hour", "unit": "requests", "limit": 5, "window_s": HOUR}],
    "q-tokens": [
        {"name": "requests_per_hour", "unit": "requests", "limit": 100_000, "window_s": HOUR},
        # Below what 320 answered requests use (~27 tokens each): the burst hits the limit even
        # when the gateways settle requests as fast as they arrive.
        {"name": "tokens_per_hour", "unit": "tokens", "limit": SHARED_TOKENS, "window_s": HOUR},
    ],
    "q-wide": [
        {"name": "requests_per_hour", "unit": "requests", "limit": 100_000, "window_s": HOUR},
        {"name": "tokens_per_hour", "unit": "tokens", "limit": 10_000_000, "window_s": HOUR},
        {"name": "budget_per_month", "unit": "usd", "limit": 1000, "window_s": 0},
    ],
}
# Tenant → (tier, the shipped tenant it copies): eu-bank masks, acme-ru pseudonymizes.
TENANTS = {
    "q-burst": ("q-small", "eu-bank"),
    "q-shared": ("q-tokens", "eu-bank"),
    "q-settle": ("q-wide", "eu-bank"),
    "q-session": ("q-wide", "acme-ru"),
}
GATEWAYS = 3


class Cluster:
    def __init__(self, urls: list[str], keys: dict[str, str], redis_url: str) -> None:
        self.urls = urls
        self.keys = keys
        self.redis_url = redis_url

    def client(self, tenant: str, gateway: int = 0) -> openai.OpenAI:
        return openai_client(f"{self.urls[gateway]}/v1", self.keys[tenant])

    def usage(self, tenant: str) -> dict[str, dict[str, float]]:
        response = httpx.get(
            f"{self.urls[0]}/v1/usage", headers={"Authorization": f"Bearer {self.keys[tenant]}"}
        )
        assert response.status_code == 200, response.text
        return {row["name"]: row for row in response.json()["limits"]}


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    stack: Stack,
    provider_env: dict[str, str],
) -> Iterator[Cluster]:
    """Three gateways, one OPA with the limited bundle, one Redis, the shared upstreams."""
    root = tmp_path_factory.mktemp("limited")
    bundle = patched_bundle(
        root,
        tiers={
            name: {
                "limits": limits,
                "cache": {"mode": "off", "ttl_s": 0},
                "audit": {"level": "metadata"},
            }
            for name, limits in TIERS.items()
        },
        tenants={
            name: {"base": base, "name": name, "tier": tier}
            for name, (tier, base) in TENANTS.items()
        },
    )
    keys_file = root / "keys.json"
    store = KeyStore.load(keys_file)
    keys = {tenant: store.create(tenant, "quota-agent")[0] for tenant in TENANTS}
    with ExitStack() as stack_:
        redis_url = stack_.enter_context(start_redis())
        opa_url, _ = stack_.enter_context(running_opa(bundle))
        # The burst below queues hundreds of decisions and quota calls at once on two cores
        # shared by three gateways, OPA, Redis and the upstreams: give both time to answer
        # (decisions also wait for one of a gateway's 8 OPA connections).
        env = {
            **provider_env,
            "KORDON_REDIS_URL": redis_url,
            "KORDON_OPA_TIMEOUT_S": "10",
            "KORDON_OPA_QUEUE_TIMEOUT_S": "10",
            "KORDON_REDIS_TIMEOUT_S": "10",
            "KORDON_VAULT_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
        urls = [
            stack_.enter_context(running_gateway(opa_url, keys_file, env, root / f"gw{i}.log"))
            for i in range(GATEWAYS)
        ]
        yield Cluster(urls, keys, redis_url)


def _ask(
    client: openai.OpenAI, text: str = "Plan the offsite."
) -> openai.types.chat.ChatCompletion:
    return client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": text}], max_tokens=64
    )


def test_over_the_limit_is_429_with_retry_after_and_rate_headers(cluster: Cluster) -> None:
    clear_of_window_edge(HOUR, 60)  # a burst must not straddle two hourly windows
    remaining = []
    for attempt in range(5):
        raw = cluster.client("q-burst", attempt % GATEWAYS).chat.completions.with_raw_response
        response = raw.create(
            model="auto", messages=[{"role": "user", "content": "hi"}], max_tokens=8
        )
        remaining.append(int(response.headers["x-ratelimit-remaining-requests"]))
        assert response.headers["x-ratelimit-limit-requests"] == "5"
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(openai.RateLimitError) as caught:
        _ask(cluster.client("q-burst", 2))
    error = caught.value
    assert isinstance(error.body, dict)
    assert error.body["code"] == "rate_limit_exceeded"
    assert "requests_per_hour" in str(error.body["message"])
    assert 0 < int(error.response.headers["retry-after"]) <= HOUR
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"


def test_upstream_failure_refunds_the_reservation(
    cluster: Cluster, upstreams: dict[str, RecordingUpstream]
) -> None:
    before = cluster.usage("q-settle")
    for upstream in upstreams.values():
        upstream.fail_status = 503
    with pytest.raises(openai.APIStatusError) as caught:
        _ask(cluster.client("q-settle"))
    assert caught.value.status_code == 503
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "no_route_available"
    after = cluster.usage("q-settle")
    for name in ("requests_per_hour", "tokens_per_hour", "budget_per_month"):
        assert after[name]["used"] == before[name]["used"], name


def test_streaming_settles_on_the_usage_the_upstream_reported(cluster: Cluster) -> None:
    before = cluster.usage("q-settle")
    stream = cluster.client("q-settle", 1).chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "Stream the weekly summary, please."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    usage = chunks[-1].usage
    assert usage is not None
    assert usage.total_tokens > 0
    after = cluster.usage("q-settle")
    assert after["tokens_per_hour"]["used"] - before["tokens_per_hour"]["used"] == (
        usage.total_tokens
    )
    assert after["requests_per_hour"]["used"] - before["requests_per_hour"]["used"] == 1
    assert after["budget_per_month"]["used"] > before["budget_per_month"]["used"]


def test_usage_event_reaches_only_clients_that_asked_for_it(cluster: Cluster) -> None:
    stream = cluster.client("q-settle").chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "hello"}], stream=True
    )
    assert all(chunk.usage is None and chunk.choices for chunk in stream)


def test_three_gateways_never_overspend_a_shared_token_limit(cluster: Cluster) -> None:
    clear_of_window_edge(HOUR, 60)  # a burst must not straddle two hourly windows
    limit = SHARED_TOKENS
    max_tokens = 200
    clients = [
        openai.AsyncOpenAI(base_url=f"{u}/v1", api_key=cluster.keys["q-shared"], max_retries=0)
        for u in cluster.urls
    ]

    async def one(i: int) -> int | None:
        try:
            completion = await clients[i % GATEWAYS].chat.completions.create(
                model="auto",
                messages=[{"role": "user", "content": f"Request {i}: summarise the plan."}],
                max_tokens=max_tokens,
            )
        except openai.RateLimitError:
            return None
        assert completion.usage is not None
        return completion.usage.total_tokens

    async def burst() -> list[int | None]:
        try:
            return await asyncio.gather(*(one(i) for i in range(320)))
        finally:
            for client in clients:
                await client.close()

    results = asyncio.run(burst())
    admitted = [r for r in results if r is not None]
    refused = len(results) - len(admitted)
    reserved_each = max_tokens + 20  # the prompt is under 20 tokens
    summary = f"{len(admitted)} admitted, {refused} refused, {sum(admitted)} tokens used"
    assert refused > 0, f"the burst should hit the limit: {summary}"
    assert len(admitted) * reserved_each >= limit - reserved_each, f"admitted too few: {summary}"
    assert sum(admitted) <= limit + reserved_each
    usage = cluster.usage("q-shared")
    # Every reservation was settled to what the upstreams reported: nothing leaked.
    assert usage["tokens_per_hour"]["used"] == sum(admitted)
    assert usage["requests_per_hour"]["used"] == len(admitted)


def test_redis_down_denies_by_default_and_never_hangs(
    cluster: Cluster, provider_env: dict[str, str], tmp_path: Path, stack: Stack
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    env = {**provider_env, "KORDON_REDIS_URL": dead}
    with running_gateway(stack.opa_url, stack.keys_file, env, tmp_path / "gw.log") as url:
        # A hang would surface as the client's own timeout, not as the 503 expected here.
        client = openai_client(f"{url}/v1", stack.keys["acme-ru"], timeout=10)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(
                model="auto", messages=[{"role": "user", "content": "hello"}]
            )
    assert caught.value.status_code == 503
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "quota_unavailable"
    assert stack.received() == {}


def test_kordon_usage_reports_spend_and_remaining(cluster: Cluster) -> None:
    _ask(cluster.client("q-settle"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "usage",
            "--url",
            cluster.urls[2],
            "--key",
            cluster.keys["q-settle"],
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert "subject tenant:q-settle" in done.stdout
    for name in ("requests_per_hour", "tokens_per_hour", "budget_per_month"):
        assert name in done.stdout
    assert cluster.keys["q-settle"] not in done.stdout + done.stderr


def test_a_session_keeps_its_placeholders_across_gateway_processes(
    cluster: Cluster, upstreams: dict[str, RecordingUpstream]
) -> None:
    """The session vault lives in Redis (encrypted): another replica continues the numbering."""

    def send(gateway: int, text: str) -> str:
        cluster.client("q-session", gateway).chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": text}],
            extra_headers={"x-kordon-session": "shared-session"},
        )
        sent = [body for u in upstreams.values() for body in u.received][-1]["messages"]
        assert isinstance(sent, list)
        return str(sent[-1]["content"])

    assert send(0, "Mail anna@example.ru") == "Mail [EMAIL_1]"
    assert send(1, "Mail bert@example.ru and anna@example.ru") == "Mail [EMAIL_2] and [EMAIL_1]"
