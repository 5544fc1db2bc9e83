"""The semantic layer: its bounded index, which prompts it compares, and the cache step going
exact first, then semantic, with the same isolation as the exact cache. The embedder is the
real model (loaded once for the module)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import orjson
import pytest

from app.cache.embedder import UseEmbedder
from app.cache.guards import signature
from app.cache.keys import Scope
from app.cache.memory_store import MemoryCacheStore
from app.cache.semantic import SemanticCache, question
from app.cache.semantic_index import SemanticIndex
from app.cache.step import CacheStep
from app.schemas.contract import Decision
from tests.unit.cache.decisions import decision
from tests.unit.cache.test_step import ANSWER, ONPREM, Prices

SEMANTIC = {"mode": "semantic", "min_similarity": 0.9}
SCOPE = Scope.of("t", "chat.completions", decision())


@pytest.fixture(scope="module")
def embedder() -> UseEmbedder:
    return UseEmbedder()


def _unit(*values: float) -> Any:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _payload(text: str) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": text}], "temperature": 0}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_index_finds_the_closest_rows_above_the_threshold() -> None:
    index, sig = SemanticIndex(), signature("x")
    index.add("s", "k1", _unit(1, 0), sig, 60)
    index.add("s", "k2", _unit(1, 1), sig, 60)
    index.add("other", "k3", _unit(1, 0), sig, 60)
    found = index.search("s", _unit(1, 0.2), 0.8)
    assert [c.key for c in found] == ["k1", "k2"]
    assert found[0].similarity > found[1].similarity >= 0.8
    assert [c.key for c in index.search("s", _unit(0, 1), 0.7)] == ["k2"]
    assert index.search("nowhere", _unit(1, 0), 0.0) == []


def test_the_index_is_bounded_per_scope_and_in_total() -> None:
    index, sig = SemanticIndex(max_entries=5, per_scope=3), signature("x")
    for i in range(4):
        index.add("a", f"a{i}", _unit(1, i), sig, 60)
    assert len(index) == 3
    assert "a0" not in {c.key for c in index.search("a", _unit(1, 0), -1)}  # oldest went
    for i in range(3):
        index.add("b", f"b{i}", _unit(1, i), sig, 60)
    assert len(index) == 5  # scope a, least recently used, gave up a row
    assert len(index.search("a", _unit(1, 0), -1)) == 2
    index.add("a", "a3", _unit(0, 1), sig, 60)  # a key indexed again replaces its row
    assert len(index) == 5


def test_rows_expire_and_can_be_forgotten() -> None:
    clock = Clock()
    index, sig = SemanticIndex(clock=clock), signature("x")
    index.add("s", "short", _unit(1, 0), sig, 10)
    index.add("s", "long", _unit(1, 0), sig, 100)
    index.add("s", "never", _unit(1, 0), sig, 0)
    clock.now = 50
    assert [c.key for c in index.search("s", _unit(1, 0), 0.5)] == ["long"]
    index.forget("s", "long")
    assert index.search("s", _unit(1, 0), 0.5) == []
    assert len(index) == 0


def test_only_a_last_user_message_of_text_is_compared() -> None:
    asked = question(SCOPE, _payload("How do I reset my password?"))
    assert asked is not None
    assert asked[1] == "How do I reset my password?"
    parts = _payload("")
    parts["messages"][0]["content"] = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    joined = question(SCOPE, parts)
    assert joined is not None
    assert joined[1] == "a\nb"
    image = _payload("")
    image["messages"][0]["content"] = [{"type": "image_url", "image_url": {"url": "x"}}]
    assert question(SCOPE, image) is None
    tool = {"messages": [{"role": "tool", "content": "42", "tool_call_id": "c"}]}
    assert question(SCOPE, tool) is None
    assert question(SCOPE, {"messages": []}) is None


def test_everything_but_the_prompt_is_part_of_the_semantic_scope() -> None:
    def scope_of(payload: dict[str, Any]) -> str:
        asked = question(SCOPE, payload)
        assert asked is not None
        return asked[0]

    base = scope_of(_payload("Hi there"))
    assert scope_of(_payload("Hello")) == base
    assert scope_of({**_payload("Hi there"), "temperature": 0.5}) != base
    assert scope_of({**_payload("Hi there"), "max_tokens": 5}) != base
    earlier = _payload("Hi there")
    earlier["messages"].insert(0, {"role": "system", "content": "Be brief"})
    assert scope_of(earlier) != base
    assert question(Scope.of("u", "chat.completions", decision()), _payload("Hi"))[0] != base  # type: ignore[index]


async def _keep(step: CacheStep, tenant: str, chosen: Decision, text: str) -> None:
    ticket = await step.lookup(tenant, "chat.completions", chosen, _payload(text))
    assert ticket.status == "miss"
    await step.keep(ticket, ONPREM, ANSWER["usage"], Prices(), orjson.dumps(ANSWER))  # type: ignore[arg-type]


def _status(step: CacheStep, tenant: str, chosen: Decision, text: str) -> str:
    return asyncio.run(step.lookup(tenant, "chat.completions", chosen, _payload(text))).status


def test_a_paraphrase_hits_and_a_look_alike_misses(embedder: UseEmbedder) -> None:
    step = CacheStep(MemoryCacheStore(), SemanticCache(embedder))
    chosen = decision(cache=SEMANTIC)
    asyncio.run(_keep(step, "t", chosen, "Summarise ticket 4521 for the weekly report"))
    assert _status(step, "t", chosen, "Summarise ticket 4521 for the weekly report") == "hit-exact"
    assert _status(step, "t", chosen, "Summarize ticket 4521 for the weekly report") == (
        "hit-semantic"
    )
    assert _status(step, "t", chosen, "Summarise ticket 4522 for the weekly report") == "miss"
    polite = _payload("Summarise ticket 4521 for the weekly report, please")
    hit = asyncio.run(step.lookup("t", "chat.completions", chosen, polite))
    assert hit.status == "hit-semantic"
    assert hit.hit is not None
    assert hit.hit.completion == ANSWER


def test_semantic_hits_never_cross_tenant_region_redaction_or_epoch(
    embedder: UseEmbedder,
) -> None:
    step = CacheStep(MemoryCacheStore(), SemanticCache(embedder))
    asyncio.run(_keep(step, "t", decision(cache=SEMANTIC), "Как отменить подписку?"))
    paraphrase = "Как мне отменить подписку?"
    assert _status(step, "t", decision(cache=SEMANTIC), paraphrase) == "hit-semantic"
    assert _status(step, "u", decision(cache=SEMANTIC), paraphrase) == "miss"
    assert _status(step, "t", decision(region="eu", cache=SEMANTIC), paraphrase) == "miss"
    assert _status(step, "t", decision(redaction="none", cache=SEMANTIC), paraphrase) == "miss"
    assert _status(step, "t", decision(cache={**SEMANTIC, "epoch": 2}), paraphrase) == "miss"
    assert _status(step, "t", decision(cache={**SEMANTIC, "min_similarity": 0.99}), paraphrase) == (
        "miss"
    )


def test_a_purged_answer_is_no_semantic_hit(embedder: UseEmbedder) -> None:
    store = MemoryCacheStore()
    step = CacheStep(store, SemanticCache(embedder))
    asyncio.run(_keep(step, "t", decision(cache=SEMANTIC), "How do I cancel my subscription?"))
    asyncio.run(store.purge("t"))
    assert _status(step, "t", decision(cache=SEMANTIC), "How can I cancel my subscription?") == (
        "miss"
    )


def test_exact_mode_never_loads_the_model() -> None:
    lazy = UseEmbedder()
    step = CacheStep(MemoryCacheStore(), SemanticCache(lazy))
    asyncio.run(_keep(step, "t", decision(), "How do I cancel my subscription?"))
    assert _status(step, "t", decision(), "How can I cancel my subscription?") == "miss"
    assert not lazy.loaded


def test_a_failing_model_leaves_the_exact_cache_working() -> None:
    class Broken:
        def embed(self, texts: Any) -> Any:
            raise RuntimeError("no model")

    step = CacheStep(MemoryCacheStore(), SemanticCache(Broken()))
    chosen = decision(cache=SEMANTIC)
    asyncio.run(_keep(step, "t", chosen, "How do I cancel my subscription?"))
    assert _status(step, "t", chosen, "How do I cancel my subscription?") == "hit-exact"
    assert _status(step, "t", chosen, "How can I cancel my subscription?") == "miss"
