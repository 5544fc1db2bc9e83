"""The record says how the answer was produced: the route, and whether the cache served it."""

from __future__ import annotations

import pytest

from app.audit.record import DecisionDumps, record_body
from app.audit.step import AuditStep
from app.executor import Outcome
from app.keys import Principal
from app.policy.opa import PolicyResult
from app.providers.routing import Attempt
from app.schemas.contract import Route, decision_json
from tests.unit.cache.decisions import decision


@pytest.mark.parametrize("cache", ["hit-exact", "hit-semantic", "miss", "off"])
def test_the_record_names_the_cache_outcome(cache: str) -> None:
    recording = AuditStep(None).begin("req_1", Principal("acme-ru", "key_1", "planner", ()))
    route = Route(provider="onprem-vllm", model="qwen2.5-72b-instruct")
    recording.finished(Outcome(200, route, [], cache=cache))
    body = record_body(recording.event)
    assert body["cache"] == cache
    assert body["route"] == {"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"}
    # A hit called no upstream, so it lists no attempt; otherwise the route answered.
    called = [{**body["route"], "ok": True, "reason": None, "status": 200}]
    assert body["attempts"] == ([] if cache.startswith("hit-") else called)


def test_a_refused_request_has_no_cache_outcome() -> None:
    recording = AuditStep(None).begin("req_2", Principal("acme-ru", "key_1", "planner", ()))
    recording.failed(RuntimeError("boom"))
    body = record_body(recording.event)
    assert body["cache"] is None
    assert (body["status"], body["error"]) == (500, "internal_error")


def test_a_failed_attempt_names_its_replica() -> None:
    recording = AuditStep(None).begin("req_3", Principal("acme-ru", "key_1", "planner", ()))
    route = Route(provider="onprem-vllm", model="qwen2.5-72b-instruct")
    failed = Attempt(
        "onprem-vllm", "qwen2.5-72b-instruct", "HTTP 500", 500, 1.5, "KORDON_PROVIDER_ONPREM_VLLM_2"
    )
    recording.finished(Outcome(200, route, [failed], cache="miss"))
    first = record_body(recording.event)["attempts"]
    assert isinstance(first, list)
    assert first[0]["replica"] == "KORDON_PROVIDER_ONPREM_VLLM_2"
    assert first[0]["ok"] is False


def test_a_written_decision_is_dumped_once_and_records_stay_the_same() -> None:
    """The writer's DecisionDumps hands out the dump of a decision object it has seen (a
    memoized decision is one object for many requests); each record reads as without it."""
    dumps = DecisionDumps(size=2)
    shared, twin, other = decision(), decision(), decision(redaction="mask")
    bodies = []
    for n, chosen in enumerate((shared, shared, twin, other, shared)):
        recording = AuditStep(None).begin(f"req_{n}", Principal("acme-ru", "key_1", "bot", ()))
        recording.decided(PolicyResult(chosen, f"dec_{n}", "rev-1", memo=True))
        recording.finished(Outcome(200, Route(provider="p", model="m"), [], cache="off"))
        body, fresh = record_body(recording.event, dumps), record_body(recording.event)
        assert body == fresh
        assert body["decision"] == decision_json(chosen)
        bodies.append(body["decision"])
    assert bodies[0] is bodies[1]  # the same object: dumped once
    assert bodies[2] is not bodies[0]  # an equal decision is another object: its own dump
    assert bodies[3]["redaction"] == "mask"
    assert bodies[4] is not bodies[0]  # the bounded table was cleared in between
    assert bodies[4] == bodies[0]
