"""The answer cache end to end: the real `openai` SDK, a real gateway with its cache in a real
Redis (LRU in front), real OPA with the shipped policy, recording upstreams."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from app.cli import main as kordon
from tests.integration.conftest import Stack
from tests.redis_server import start_redis
from tests.support.clients import openai_client
from tests.support.processes import running_gateway

ADMIN_KEY = "test-admin-key-cache-7c2e"


@dataclass(frozen=True)
class Gateway:
    url: str
    stack: Stack

    def client(self, tenant: str) -> openai.OpenAI:
        key = self.stack.keys[tenant]
        return openai_client(f"{self.url}/v1", key)

    def reached(self) -> int:
        return sum(len(u.received) for u in self.stack.upstreams.values())


@pytest.fixture(scope="module")
def gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    log: Path = tmp_path_factory.mktemp("cache") / "gateway.log"
    with start_redis() as redis_url:
        env = {**stack.provider_env, "KORDON_REDIS_URL": redis_url, "KORDON_ADMIN_KEY": ADMIN_KEY}
        with running_gateway(stack.opa_url, stack.keys_file, env, log) as url:
            yield Gateway(url, stack)


def _ask(client: openai.OpenAI, text: str) -> tuple[str, str]:
    """The answer's text and its x-kordon-cache header."""
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": text}], temperature=0
    )
    content = raw.parse().choices[0].message.content
    assert content is not None
    return content, raw.headers["x-kordon-cache"]


def _ask_streamed(client: openai.OpenAI, text: str) -> tuple[str, str]:
    with client.chat.completions.with_streaming_response.create(
        model="auto", messages=[{"role": "user", "content": text}], temperature=0, stream=True
    ) as response:
        status = response.headers["x-kordon-cache"]
        assert response.headers["content-type"].startswith("text/event-stream")
        parts = [c.choices[0].delta.content or "" for c in response.parse() if c.choices]
    return "".join(parts), status


def _prompt() -> str:
    return f"Summarise ticket {uuid.uuid4().hex[:8]} for the weekly report"


def test_second_identical_request_never_reaches_the_upstream(gateway: Gateway) -> None:
    client, text = gateway.client("acme-ru"), _prompt()
    first = _ask(client, text)
    assert first[1] == "miss"
    assert gateway.reached() == 1
    assert _ask(client, text) == (first[0], "hit-exact")
    assert gateway.reached() == 1


def test_a_streamed_request_is_answered_from_the_cache_as_a_stream(gateway: Gateway) -> None:
    client, text = gateway.client("acme-ru"), _prompt()
    first = _ask_streamed(client, text)
    assert first[1] == "miss"
    assert _ask_streamed(client, text) == (first[0], "hit-exact")
    # A stored stream serves a non-streaming request too: the answer is the same.
    assert _ask(client, text) == (first[0], "hit-exact")
    assert gateway.reached() == 1


def test_never_a_cross_tenant_hit(gateway: Gateway) -> None:
    text = _prompt()
    assert _ask(gateway.client("acme-ru"), text)[1] == "miss"
    assert _ask(gateway.client("eu-bank"), text)[1] == "miss"
    assert gateway.reached() == 2


def test_sampled_requests_are_not_cached(gateway: Gateway) -> None:
    client, text = gateway.client("acme-ru"), _prompt()
    for _ in range(2):
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": text}]
        )
        assert raw.headers["x-kordon-cache"] == "off"
    assert gateway.reached() == 2


def test_a_pseudonymized_answer_is_restored_with_each_requesters_own_values(
    gateway: Gateway,
) -> None:
    client, ticket = gateway.client("acme-ru"), uuid.uuid4().hex[:8]
    ivan = _ask(client, f"Write to ivan.petrov@example.ru about ticket {ticket}")
    olga = _ask(client, f"Write to olga.smirnova@example.ru about ticket {ticket}")
    assert ivan[1] == "miss"
    assert olga[1] == "hit-exact"
    assert "ivan.petrov@example.ru" in ivan[0]
    assert "olga.smirnova@example.ru" in olga[0]
    assert "ivan" not in olga[0]
    sent = [str(body) for u in gateway.stack.upstreams.values() for body in u.received]
    assert len(sent) == 1
    assert "[EMAIL_1]" in sent[0]
    assert "@example.ru" not in sent[0]


def test_purge_forgets_only_that_tenants_answers(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _prompt()
    _ask(gateway.client("acme-ru"), text)
    _ask(gateway.client("eu-bank"), text)
    kordon(
        ["cache", "purge", "--tenant", "acme-ru", "--url", gateway.url, "--admin-key", ADMIN_KEY]
    )
    assert "cached answers of tenant acme-ru" in capsys.readouterr().out
    assert _ask(gateway.client("acme-ru"), text)[1] == "miss"
    assert _ask(gateway.client("eu-bank"), text)[1] == "hit-exact"


def test_purge_needs_the_admin_key(gateway: Gateway) -> None:
    response = httpx.post(
        f"{gateway.url}/admin/cache/purge",
        params={"tenant": "acme-ru"},
        headers={"Authorization": "Bearer wrong"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"]
    bad = httpx.post(
        f"{gateway.url}/admin/cache/purge",
        params={"tenant": "acme-*"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "tenant"


def test_savings_report_counts_hits_and_routing(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    key = gateway.stack.keys["gulf-retail"]
    client, text = gateway.client("gulf-retail"), _prompt()
    _ask(client, text)
    _ask(client, text)
    response = httpx.get(
        f"{gateway.url}/v1/usage",
        params={"savings": "1"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    report = response.json()
    assert report["tenant"] == "gulf-retail"
    assert report["requests"] == 2
    assert report["cache_hits"] == 1
    usd = report["money"]["usd"]
    assert usd["saved_by_cache"] > 0
    assert usd["saved"] == pytest.approx(usd["saved_by_cache"] + usd["saved_by_routing"])
    assert usd["baseline"] - usd["spent"] == pytest.approx(usd["saved"])
    kordon(["usage", "--savings", "--url", gateway.url, "--key", key])
    assert "cache hits 1 (50.0%)" in capsys.readouterr().out
    bad = httpx.get(
        f"{gateway.url}/v1/usage",
        params={"savings": "1", "period": "2026-13"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bad.status_code == 400
