"""Keys: canonical over what changes the answer, scoped by everything the decision fixed."""

from __future__ import annotations

from app.cache.keys import Scope, fingerprint, sampled
from tests.unit.cache.decisions import decision

PAYLOAD: dict[str, object] = {
    "model": "auto",
    "messages": [{"role": "user", "content": "Write to [EMAIL_1]"}],
    "temperature": 0,
}


def key(tenant: str = "t", payload: dict[str, object] = PAYLOAD, **changes: object) -> str:
    return fingerprint(Scope.of(tenant, "chat.completions", decision(**changes)), payload)


def test_field_order_does_not_change_the_key() -> None:
    assert key(payload=dict(reversed(list(PAYLOAD.items())))) == key()


def test_delivery_fields_do_not_change_the_key() -> None:
    streamed = {**PAYLOAD, "stream": True, "stream_options": {"include_usage": True}, "user": "u"}
    assert key(payload=streamed) == key()


def test_every_answer_changing_field_changes_the_key() -> None:
    for change in (
        {"messages": [{"role": "user", "content": "Write to [EMAIL_2]"}]},
        {"temperature": 0.0001},
        {"max_tokens": 5},
        {"tools": [{"type": "function", "function": {"name": "f"}}]},
        {"seed": 1},
        {"some_future_field": True},
    ):
        assert key(payload={**PAYLOAD, **change}) != key(), change


def test_scope_changes_the_key() -> None:
    assert key(tenant="other") != key()
    assert key(region="eu") != key()
    assert key(redaction="none") != key()
    assert key(cache={"epoch": 2}) != key()
    assert key(routes=[{"provider": "onprem-vllm", "model": "qwen"}]) != key()


def test_sampled_when_temperature_above_zero_or_unset() -> None:
    assert sampled({}) is True  # the upstream's default temperature is 1
    assert sampled({"temperature": None}) is True
    assert sampled({"temperature": 0.7}) is True
    assert sampled({"temperature": 0}) is False
    assert sampled({"temperature": 0.0}) is False


def _tool_turn(
    ids: tuple[str, str], results: tuple[str, str], city: str = "Kazan"
) -> dict[str, object]:
    calls = [
        {"id": ids[0], "type": "function",
         "function": {"name": "weather", "arguments": f'{{"city": "{city}"}}'}},
        {"id": ids[1], "type": "function",
         "function": {"name": "time", "arguments": '{"tz": "MSK"}'}},
    ]  # fmt: skip
    messages = [
        {"role": "user", "content": "Weather and time?"},
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": ids[0], "content": results[0]},
        {"role": "tool", "tool_call_id": ids[1], "content": results[1]},
    ]
    return {**PAYLOAD, "messages": messages}


def test_the_same_tool_calls_under_fresh_ids_share_a_key() -> None:
    first = _tool_turn(("call_a1", "call_b1"), ("+3 C", "14:00"))
    assert key(payload=_tool_turn(("call_x9", "call_y9"), ("+3 C", "14:00"))) == key(payload=first)
    # Other arguments, or the results given to the other call, are another question.
    assert key(payload=_tool_turn(("call_a1", "call_b1"), ("+3 C", "14:00"), "Omsk")) != key(
        payload=first
    )
    swapped = _tool_turn(("call_a1", "call_b1"), ("+3 C", "14:00"))
    messages = swapped["messages"]
    assert isinstance(messages, list)
    messages[2]["tool_call_id"], messages[3]["tool_call_id"] = "call_b1", "call_a1"
    assert key(payload=swapped) != key(payload=first)
