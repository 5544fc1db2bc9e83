"""The cache steps: where a lookup happens, what isolates entries, restore per requester,
streams served from a stored answer, and the savings each answered request records."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import msgspec
import orjson

from app.cache.memory_store import MemoryCacheStore
from app.cache.savings import period_of
from app.cache.step import CacheStep, Ticket
from app.cache.stream import assemble
from app.protect.step import Protected
from app.providers.catalog import ModelFacts
from app.quota.amounts import Price
from app.schemas.contract import Decision, Route
from app.sse import SseSplitter, event_data
from tests.unit.cache.decisions import decision

PAYLOAD: dict[str, object] = {
    "model": "auto",
    "messages": [{"role": "user", "content": "Write to [EMAIL_1]"}],
    "temperature": 0,
}
ONPREM = Route(provider="onprem-vllm", model="qwen")
ANSWER = {
    "id": "c1",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sent to [EMAIL_1]"}}],
    "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500},
}


class Prices:
    models: Mapping[tuple[str, str], ModelFacts] = {
        ("onprem-vllm", "qwen"): ModelFacts(Price.of("usd", 0.2, 0.2), 32768),
        ("gigachat", "GigaChat-2-Max"): ModelFacts(Price.of("usd", 12, 12), 131072),
    }


async def _miss_then_keep(step: CacheStep, tenant: str, chosen: Decision) -> Ticket:
    ticket = await step.lookup(tenant, "chat.completions", chosen, PAYLOAD)
    assert ticket.status == "miss"
    await step.keep(ticket, ONPREM, ANSWER["usage"], Prices(), orjson.dumps(ANSWER))  # type: ignore[arg-type]
    return ticket


def _status(step: CacheStep, tenant: str, chosen: Decision, payload: Any = PAYLOAD) -> str:
    return asyncio.run(step.lookup(tenant, "chat.completions", chosen, payload)).status


def test_second_identical_request_hits() -> None:
    step = CacheStep(MemoryCacheStore())
    asyncio.run(_miss_then_keep(step, "t", decision()))
    assert _status(step, "t", decision()) == "hit-exact"


def test_never_a_cross_tenant_hit() -> None:
    step = CacheStep(MemoryCacheStore())
    asyncio.run(_miss_then_keep(step, "tenant-a", decision()))
    assert _status(step, "tenant-b", decision()) == "miss"


def test_no_hit_across_region_redaction_routes_or_epoch() -> None:
    step = CacheStep(MemoryCacheStore())
    asyncio.run(_miss_then_keep(step, "t", decision()))
    assert _status(step, "t", decision(region="eu")) == "miss"
    assert _status(step, "t", decision(redaction="none")) == "miss"
    assert _status(step, "t", decision(routes=[msgspec.to_builtins(ONPREM)])) == "miss"
    assert _status(step, "t", decision(cache={"epoch": 2})) == "miss"  # a new policy epoch


def test_off_unless_the_decision_allows() -> None:
    step = CacheStep(MemoryCacheStore())
    asyncio.run(_miss_then_keep(step, "t", decision()))
    assert _status(step, "t", decision(cache={"mode": "off"})) == "off"
    assert _status(step, "t", decision(cache={"ttl_s": 0})) == "off"
    unset = {k: v for k, v in PAYLOAD.items() if k != "temperature"}
    assert _status(step, "t", decision(), unset) == "off"  # sampled at temperature 1
    assert _status(step, "t", decision(), {**PAYLOAD, "temperature": 0.5}) == "off"
    assert _status(step, "t", decision(cache={"sampled": True}), unset) == "miss"


def test_a_pseudonymized_entry_is_restored_with_each_requesters_own_values() -> None:
    step = CacheStep(MemoryCacheStore())

    async def run() -> tuple[bytes, bytes]:
        await _miss_then_keep(step, "t", decision())
        bodies = []
        for email in ("ivan@example.ru", "olga@example.ru"):
            ticket = await step.lookup("t", "chat.completions", decision(), PAYLOAD)
            assert ticket.hit is not None
            mine = Protected(PAYLOAD, {"[EMAIL_1]": email})
            bodies.append(step.serve(ticket.hit, False, False, mine.restore_body).body)
        return bodies[0], bodies[1]

    ivan, olga = asyncio.run(run())
    assert b"Sent to ivan@example.ru" in ivan
    assert b"olga" not in ivan
    assert b"Sent to olga@example.ru" in olga
    assert b"ivan" not in olga


def test_the_stored_entry_holds_placeholders_never_values() -> None:
    store = MemoryCacheStore()
    asyncio.run(_miss_then_keep(CacheStep(store), "t", decision()))
    stored = b"".join(value for value, _ in store._entries.values())
    assert b"[EMAIL_1]" in stored
    assert b"@" not in stored


def test_a_hit_for_a_stream_is_served_as_sse_ending_in_done() -> None:
    step = CacheStep(MemoryCacheStore())

    async def run() -> bytes:
        await _miss_then_keep(step, "t", decision())
        ticket = await step.lookup("t", "chat.completions", decision(), PAYLOAD)
        assert ticket.hit is not None
        served = step.serve(ticket.hit, True, False, Protected(PAYLOAD, {}).restore_body)
        assert served.stream is not None
        return b"".join([part async for part in served.stream])

    events = [d for e, _ in SseSplitter().feed(asyncio.run(run())) if (d := event_data(e))]
    assert events[-1] == b"[DONE]"
    completion = assemble(events)
    assert completion is not None
    assert completion["choices"][0]["message"]["content"] == "Sent to [EMAIL_1]"  # type: ignore[index]


def test_savings_count_routing_on_a_miss_and_the_whole_baseline_on_a_hit() -> None:
    store = MemoryCacheStore()
    step = CacheStep(store)

    async def run() -> dict[str, int]:
        await _miss_then_keep(step, "t", decision())
        ticket = await step.lookup("t", "chat.completions", decision(), PAYLOAD)
        assert ticket.hit is not None
        await step.keep(ticket, ONPREM, None, Prices(), b"")
        return await store.counters("t", period_of())

    # 1000 prompt + 500 completion tokens: 18000 micro-usd at 12/12, 300 at 0.2/0.2.
    assert asyncio.run(run()) == {
        "requests": 2,
        "tokens": 3000,
        "routed_tokens": 1500,
        "hits": 1,
        "hit_tokens": 1500,
        "baseline_usd": 36000,
        "spent_usd": 300,
        "routing_saved_usd": 17700,
        "cache_saved_usd": 18000,
    }
