"""The semantic cache end to end: the real `openai` SDK, a real gateway (answers in a real
Redis), real OPA with the repository's policy plus a test tier whose cache is semantic (no
shipped tier is), recording upstreams."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import openai
import pytest
import yaml

from app.keys import KeyStore
from tests.redis_server import start_redis
from tests.support.bundles import patched_bundle
from tests.support.clients import openai_client
from tests.support.processes import REPO, running_gateway, running_opa
from tests.support.upstream import RecordingUpstream

# sem-ru and sem-ru-2: two tenants on the same policy; sem-eu: another region and redaction.
TENANTS = {"sem-ru": "acme-ru", "sem-ru-2": "acme-ru", "sem-eu": "eu-bank"}


@dataclass(frozen=True)
class Gateway:
    url: str
    keys: dict[str, str]
    upstreams: dict[str, RecordingUpstream]

    def reached(self) -> int:
        return sum(len(u.received) for u in self.upstreams.values())

    def ask(self, tenant: str, text: str, stream: bool = False) -> tuple[str, str]:
        """The answer's text and its x-kordon-cache header."""
        client = openai_client(f"{self.url}/v1", self.keys[tenant])
        messages: list[openai.types.chat.ChatCompletionMessageParam] = [
            {"role": "user", "content": text}
        ]
        if stream:
            with client.chat.completions.with_streaming_response.create(
                model="auto", messages=messages, temperature=0, stream=True
            ) as response:
                status = response.headers["x-kordon-cache"]
                parts = [c.choices[0].delta.content or "" for c in response.parse() if c.choices]
            return "".join(parts), status
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=messages, temperature=0
        )
        content = raw.parse().choices[0].message.content
        assert content is not None
        return content, raw.headers["x-kordon-cache"]


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    upstreams: dict[str, RecordingUpstream],
    provider_env: dict[str, str],
) -> Iterator[Gateway]:
    root = tmp_path_factory.mktemp("semantic")
    tiers = yaml.safe_load((REPO / "data" / "tiers" / "data.yaml").read_text())
    semantic = {"mode": "semantic", "ttl_s": 600, "min_similarity": 0.9}
    bundle = patched_bundle(
        root,
        tiers={"semantic": {**tiers["enterprise"], "cache": semantic}},
        tenants={
            name: {"base": base, "name": name, "tier": "semantic"} for name, base in TENANTS.items()
        },
    )
    store = KeyStore.load(root / "keys.json")
    keys = {tenant: store.create(tenant, "semantic-agent")[0] for tenant in TENANTS}
    with ExitStack() as stack:
        redis_url = stack.enter_context(start_redis())
        opa_url, _ = stack.enter_context(running_opa(bundle))
        env = {**provider_env, "KORDON_REDIS_URL": redis_url}
        url = stack.enter_context(
            running_gateway(opa_url, root / "keys.json", env, root / "gateway.log")
        )
        yield Gateway(url, keys, upstreams)


def test_a_paraphrase_is_answered_from_the_cache(gateway: Gateway) -> None:
    first = gateway.ask("sem-ru", "Summarise ticket 4521 for the weekly report")
    assert first[1] == "miss"
    assert gateway.reached() == 1
    again = gateway.ask("sem-ru", "Summarize ticket 4521 for the weekly report")
    assert again == (first[0], "hit-semantic")
    assert gateway.reached() == 1


def test_a_look_alike_with_another_number_reaches_the_upstream(gateway: Gateway) -> None:
    gateway.ask("sem-ru", "Refund order 88213 to the original card")
    assert gateway.reached() == 1
    other = gateway.ask("sem-ru", "Refund order 88231 to the original card")
    assert other[1] == "miss"
    assert "88231" in other[0]  # the demo upstream echoes what it was asked
    assert gateway.reached() == 2


def test_a_russian_paraphrase_hits_and_streams(gateway: Gateway) -> None:
    # Not streamed: a streamed answer is kept after its last event reaches the client, so a
    # request sent right after it may not find it yet.
    first = gateway.ask("sem-ru", "Как отменить подписку?")
    assert first[1] == "miss"
    assert gateway.ask("sem-ru", "Как мне отменить подписку?", stream=True) == (
        first[0],
        "hit-semantic",
    )
    assert gateway.ask("sem-ru", "Как продлить подписку?")[1] == "miss"
    assert gateway.reached() == 2


def test_never_a_semantic_hit_across_tenants_or_regions(gateway: Gateway) -> None:
    gateway.ask("sem-ru", "How do I export my contacts to a file?")
    paraphrase = "How can I export my contacts into a file?"
    assert gateway.ask("sem-ru-2", paraphrase)[1] == "miss"
    assert gateway.ask("sem-eu", paraphrase)[1] == "miss"
    assert gateway.ask("sem-ru", paraphrase)[1] == "hit-semantic"
    assert gateway.reached() == 3
