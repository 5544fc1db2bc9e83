"""The Anthropic adapter against cassettes written from the Messages API reference."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import pytest

from app.providers.adapters.anthropic import VERSION
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed
from tests.support.vendors.cassettes import Reply, VendorServer, vendor_app
from tests.support.vendors.harness import Answer, caller
from tests.support.vendors.serving import serving

KEY = "sk-ant-test-0123456789abcdef"
MODEL = "claude-sonnet-4-5"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "Weather here?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "toolu_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Moscow"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "toolu_1", "content": "-5 C"},
    {"role": "system", "content": "Answer in Russian."},
]


@pytest.fixture
def vendor() -> Iterator[tuple[VendorServer, Endpoint]]:
    server = VendorServer()
    with serving({"anthropic": vendor_app(server)}) as ports:
        base = f"http://127.0.0.1:{ports['anthropic']}/v1"
        yield server, Endpoint("anthropic-us", base, KEY, "anthropic")


def _call(endpoint: Endpoint, payload: Mapping[str, object], **options: Any) -> Answer:
    async def run() -> Answer:
        async with caller(endpoint) as call:
            return await call(MODEL, payload, **options)

    return asyncio.run(run())


def test_request_is_translated_to_messages(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "message.json")
    payload = {"model": "auto", "messages": CONVERSATION, "tools": TOOLS, "tool_choice": "required"}
    _call(endpoint, payload, max_output=512)
    sent = server.received[0]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == VERSION
    assert "Authorization" not in sent.headers
    body = orjson.loads(sent.body)
    assert body["model"] == MODEL
    assert body["max_tokens"] == 512  # the executor's bound: Anthropic requires one
    assert body["system"] == "Be brief.\n\nAnswer in Russian."
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather in a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    assert body["tool_choice"] == {"type": "any"}
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather here?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                },
            ],
        },
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Moscow"},
                }
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "-5 C"}],
        },
    ]


def test_request_max_tokens_wins_over_the_bound(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "message.json")
    payload = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 77, "stop": "END"}
    _call(endpoint, payload, max_output=512)
    body = orjson.loads(server.received[0].body)
    assert (body["max_tokens"], body["stop_sequences"]) == (77, ["END"])


def test_answer_becomes_a_chat_completion(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "message.json")
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}]})
    assert answer.status == 200
    assert answer.body["object"] == "chat.completion"
    choice = answer.body["choices"][0]  # type: ignore[index]
    assert choice["message"] == {"role": "assistant", "content": "Сводка готова: три пункта."}
    assert choice["finish_reason"] == "stop"
    # Cached input tokens count as prompt tokens.
    assert answer.body["usage"] == {"prompt_tokens": 25, "completion_tokens": 9, "total_tokens": 34}


def test_tool_use_becomes_tool_calls(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "message_tool_use.json")
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}], "tools": TOOLS})
    choice = answer.body["choices"][0]  # type: ignore[index]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "I'll check the weather."
    [call] = choice["message"]["tool_calls"]
    assert call["id"] == "toolu_01A09q90qw90lq917835lq9"
    assert call["function"]["name"] == "get_weather"
    assert orjson.loads(call["function"]["arguments"]) == {"city": "Moscow", "unit": "celsius"}


def test_stream_becomes_openai_chunks(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "stream_text.sse")
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}], "stream": True})
    assert orjson.loads(server.received[0].body)["stream"] is True
    assert answer.done
    assert answer.broken is None
    assert all(e["object"] == "chat.completion.chunk" for e in answer.events)
    assert answer.events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}  # type: ignore[index]
    assert answer.text() == "Сводка готова."
    finish = [c["finish_reason"] for e in answer.events for c in e["choices"]]  # type: ignore[attr-defined]
    assert finish[-1] == "stop"
    # message_delta's usage is cumulative: the last figure is the total.
    assert answer.events[-1]["choices"] == []
    assert answer.events[-1]["usage"] == {
        "prompt_tokens": 25,
        "completion_tokens": 15,
        "total_tokens": 40,
    }


def test_streamed_tool_use_becomes_tool_call_chunks(
    vendor: tuple[VendorServer, Endpoint],
) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "stream_tool_use.sse")
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}], "stream": True})
    calls = [
        call
        for e in answer.events
        for c in e["choices"]  # type: ignore[attr-defined]
        for call in c["delta"].get("tool_calls") or []
    ]
    assert calls[0]["id"] == "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
    assert calls[0]["function"]["name"] == "get_weather"
    assert {call["index"] for call in calls} == {0}
    arguments = "".join(call["function"]["arguments"] for call in calls)
    assert orjson.loads(arguments) == {"city": "Moscow"}
    assert answer.events[-2]["choices"][0]["finish_reason"] == "tool_calls"  # type: ignore[index]


def test_error_event_breaks_the_stream(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "stream_error.sse")
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}], "stream": True})
    assert answer.broken == "upstream reported an error: Overloaded"
    assert not answer.done


@pytest.mark.parametrize("cut_at", [40, 700])
def test_cut_stream_is_reported(vendor: tuple[VendorServer, Endpoint], cut_at: int) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "stream_text.sse", cut_at=cut_at)
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}], "stream": True})
    assert answer.broken is not None
    assert not answer.done


def test_client_error_body_in_openai_shape(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", "error_invalid_request.json", 400)
    answer = _call(endpoint, {"messages": [{"role": "user", "content": "hi"}]})
    assert answer.status == 400
    error = answer.body["error"]
    assert error["type"] == "invalid_request_error"  # type: ignore[index]
    assert "roles must alternate" in error["message"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("error_authentication.json", 401, "upstream refused the gateway's credentials (HTTP 401)"),
        ("error_rate_limit.json", 429, "upstream answered HTTP 429"),
        ("error_overloaded.json", 529, "upstream answered HTTP 529"),
    ],
)
def test_failures_fall_over(
    vendor: tuple[VendorServer, Endpoint], name: str, status: int, reason: str
) -> None:
    server, endpoint = vendor
    server.default = Reply.of("anthropic", name, status, headers={"Retry-After": "7"})
    with pytest.raises(RouteFailed) as caught:
        _call(endpoint, {"messages": [{"role": "user", "content": "hi"}]})
    assert (caught.value.reason, caught.value.status) == (reason, status)
    assert caught.value.retry_after_s == 7
    assert KEY not in caught.value.reason


def test_malformed_json_falls_over(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply(b'{"id": "msg_1", "type": "mess')
    with pytest.raises(RouteFailed, match="malformed JSON"):
        _call(endpoint, {"messages": [{"role": "user", "content": "hi"}]})
