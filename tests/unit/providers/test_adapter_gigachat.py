"""The GigaChat adapter over HTTPS (a CA made at test time) against cassettes written from
GigaChat's API reference: OAuth tokens, functions, finish reasons, streams, embeddings."""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from app.providers.adapters.base import ApiEndpoint
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed
from tests.support.vendors.cassettes import Reply, VendorServer, vendor_app
from tests.support.vendors.harness import Answer, caller
from tests.support.vendors.serving import serving
from tests.support.vendors.tls import make_ca

KEY = base64.b64encode(b"client-id-0001:client-secret-0002").decode()
TOKEN = orjson.loads(Reply.of("gigachat", "token.json").body)["access_token"]
MODEL = "GigaChat-2-Max"
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
HI: dict[str, object] = {"messages": [{"role": "user", "content": "hi"}]}


def _endpoint(port: int, ca_file: Path, scope: str = "GIGACHAT_API_B2B") -> Endpoint:
    base = f"https://127.0.0.1:{port}"
    options = (
        ("auth_url", f"{base}/api/v2/oauth"),
        ("ca_bundle", str(ca_file)),
        ("scope", scope),
    )
    return Endpoint("gigachat", f"{base}/api/v1", KEY, "gigachat", options)


@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[tuple[VendorServer, Endpoint]]:
    ca = make_ca(tmp_path)
    server = VendorServer(by_path={"/oauth": [Reply.of("gigachat", "token.json")]})
    with serving({"gigachat": vendor_app(server)}, tls={"gigachat": ca.server}) as ports:
        yield server, _endpoint(ports["gigachat"], ca.ca_file)


def _run(endpoint: Endpoint, *calls: tuple[str, dict[str, object], ApiEndpoint]) -> list[Answer]:
    async def run() -> list[Answer]:
        async with caller(endpoint) as call:
            return [await call(model, payload, kind) for model, payload, kind in calls]

    return asyncio.run(run())


def _chat(endpoint: Endpoint, payload: dict[str, object]) -> Answer:
    return _run(endpoint, (MODEL, payload, "chat.completions"))[0]


def test_token_request_then_chat_with_bearer(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "chat.json")
    first, second = _run(endpoint, (MODEL, HI, "chat.completions"), (MODEL, HI, "chat.completions"))
    assert server.paths() == [
        "/api/v2/oauth",
        "/api/v1/chat/completions",
        "/api/v1/chat/completions",
    ]
    token_request = server.received[0]
    assert token_request.headers["Authorization"] == f"Basic {KEY}"
    assert uuid.UUID(token_request.headers["RqUID"]).version == 4
    assert token_request.body == b"scope=GIGACHAT_API_B2B"
    assert server.received[1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.body["choices"][0]["message"]["content"] == "Сводка готова: три пункта."  # type: ignore[index]
    assert first.body["model"] == MODEL
    assert second.body["usage"] == {"prompt_tokens": 18, "completion_tokens": 8, "total_tokens": 26}


def test_concurrent_requests_share_one_token_refresh(
    vendor: tuple[VendorServer, Endpoint],
) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "chat.json")

    async def run() -> None:
        async with caller(endpoint) as call:
            await asyncio.gather(*(call(MODEL, HI) for _ in range(8)))

    asyncio.run(run())
    assert server.paths().count("/api/v2/oauth") == 1
    assert server.paths().count("/api/v1/chat/completions") == 8


def test_token_refreshed_before_expiry(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    soon = {"access_token": "short-lived-token", "expires_at": 1000}  # long past
    server = VendorServer(
        by_path={"/oauth": [Reply(orjson.dumps(soon)), Reply.of("gigachat", "token.json")]},
        default=Reply.of("gigachat", "chat.json"),
    )
    with serving({"g": vendor_app(server)}, tls={"g": ca.server}) as ports:
        _run(
            _endpoint(ports["g"], ca.ca_file),
            (MODEL, HI, "chat.completions"),
            (MODEL, HI, "chat.completions"),
        )
    assert server.paths().count("/api/v2/oauth") == 2


def test_rejected_token_is_dropped_and_refetched(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.plan = [Reply.of("gigachat", "error_401.json", 401)]
    server.default = Reply.of("gigachat", "chat.json")

    async def run() -> Answer:
        async with caller(endpoint) as call:
            with pytest.raises(RouteFailed, match=r"credentials \(HTTP 401\)"):
                await call(MODEL, HI)
            return await call(MODEL, HI)

    assert asyncio.run(run()).status == 200
    assert server.paths().count("/api/v2/oauth") == 2


def test_unknown_ca_is_refused(tmp_path: Path) -> None:
    trusted, stranger = make_ca(tmp_path / "trusted"), make_ca(tmp_path / "other", "Other CA")
    server = VendorServer(default=Reply.of("gigachat", "chat.json"))
    with (
        serving({"g": vendor_app(server)}, tls={"g": stranger.server}) as ports,
        pytest.raises(RouteFailed, match="token request failed"),
    ):
        _chat(_endpoint(ports["g"], trusted.ca_file), dict(HI))
    assert server.received == []  # the TLS handshake failed: nothing was sent


def test_token_endpoint_refusal_names_no_secret(
    vendor: tuple[VendorServer, Endpoint], caplog: pytest.LogCaptureFixture
) -> None:
    server, endpoint = vendor
    server.by_path["/oauth"] = [Reply.of("gigachat", "error_401.json", 401)]
    with caplog.at_level(logging.DEBUG), pytest.raises(RouteFailed) as caught:
        _chat(endpoint, dict(HI))
    assert caught.value.reason == "GigaChat token request answered HTTP 401"
    assert caught.value.status == 401
    for text in (caught.value.reason, caplog.text, repr(endpoint)):
        assert KEY not in text
        assert TOKEN not in text


def test_tools_become_functions_and_system_goes_first(
    vendor: tuple[VendorServer, Endpoint],
) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "chat.json")
    messages = [
        {"role": "user", "content": "Weather in Moscow and Kazan?"},
        {"role": "system", "content": "Be brief."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Moscow"}'},
                },
                {
                    "id": "c2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Kazan"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"t": -5}'},
        {"role": "tool", "tool_call_id": "c2", "content": "-7 C"},
    ]
    _chat(endpoint, {"messages": messages, "tools": TOOLS, "tool_choice": "auto"})
    body = orjson.loads(server.received[1].body)
    assert body["functions"] == [
        {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    assert body["function_call"] == "auto"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Moscow and Kazan?"},
        {
            "role": "assistant",
            "content": "",
            "function_call": {"name": "get_weather", "arguments": {"city": "Moscow"}},
        },
        {"role": "function", "name": "get_weather", "content": '{"t": -5}'},
        {
            "role": "assistant",
            "content": "",
            "function_call": {"name": "get_weather", "arguments": {"city": "Kazan"}},
        },
        {"role": "function", "name": "get_weather", "content": '{"result":"-7 C"}'},
    ]


def test_function_call_becomes_tool_calls(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "chat_function_call.json")
    answer = _chat(endpoint, {**HI, "tools": TOOLS})
    choice = answer.body["choices"][0]  # type: ignore[index]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert call["id"] == "77d3fb14-457a-46ba-937e-8d856156d003"
    assert orjson.loads(call["function"]["arguments"]) == {"city": "Москва", "unit": "celsius"}


def test_blacklist_finish_is_content_filter(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "chat_blacklist.json")
    answer = _chat(endpoint, dict(HI))
    assert answer.body["choices"][0]["finish_reason"] == "content_filter"  # type: ignore[index]


def test_error_finish_falls_over(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    broken = Reply.of("gigachat", "chat.json").body.replace(b'"stop"', b'"error"')
    server.default = Reply(broken)
    with pytest.raises(RouteFailed, match="GigaChat reported an error"):
        _chat(endpoint, dict(HI))


def test_stream_translated_with_usage_chunk(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "stream.sse")
    answer = _chat(endpoint, {**HI, "stream": True, "stream_options": {"include_usage": True}})
    assert "stream_options" not in orjson.loads(server.received[1].body)
    assert answer.done
    assert answer.text() == "Сводка готова."
    assert {e["object"] for e in answer.events} == {"chat.completion.chunk"}
    assert answer.events[-1]["choices"] == []
    assert answer.events[-1]["usage"] == {
        "prompt_tokens": 18,
        "completion_tokens": 4,
        "total_tokens": 22,
    }


def test_streamed_function_call(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "stream_function_call.sse")
    answer = _chat(endpoint, {**HI, "stream": True, "tools": TOOLS})
    choice = answer.events[0]["choices"][0]  # type: ignore[index]
    assert choice["finish_reason"] == "tool_calls"
    [call] = choice["delta"]["tool_calls"]
    assert call["index"] == 0
    assert call["function"]["name"] == "get_weather"
    assert orjson.loads(call["function"]["arguments"]) == {"city": "Москва"}


def test_cut_stream_is_reported(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "stream.sse", cut_at=150)
    answer = _chat(endpoint, {**HI, "stream": True})
    assert answer.broken is not None
    assert not answer.done


def test_embeddings(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "embeddings.json")
    [answer] = _run(endpoint, ("Embeddings", {"input": ["первый", "второй"]}, "embeddings"))
    assert server.paths()[-1] == "/api/v1/embeddings"
    assert orjson.loads(server.received[-1].body) == {
        "model": "Embeddings",
        "input": ["первый", "второй"],
    }
    assert answer.body["usage"] == {"prompt_tokens": 10, "total_tokens": 10}
    assert [item["index"] for item in answer.body["data"]] == [0, 1]  # type: ignore[attr-defined]
    assert "usage" not in answer.body["data"][0]  # type: ignore[index]


def test_client_error_in_openai_shape(vendor: tuple[VendorServer, Endpoint]) -> None:
    server, endpoint = vendor
    server.default = Reply.of("gigachat", "error_400.json", 400)
    answer = _chat(endpoint, dict(HI))
    assert answer.status == 400
    assert answer.body["error"]["message"].startswith("Invalid params")  # type: ignore[index]


def test_images_fall_over(vendor: tuple[VendorServer, Endpoint]) -> None:
    _, endpoint = vendor
    image = {"type": "image_url", "image_url": {"url": "https://example.org/a.png"}}
    with pytest.raises(RouteFailed, match="images"):
        _chat(endpoint, {"messages": [{"role": "user", "content": [image]}]})
