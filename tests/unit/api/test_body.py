"""Bodies are read from the ASGI channel (bounded, parsed with orjson, errors in the OpenAI
tree) and checked against the OpenAI schema: `param` names the field, the message never
quotes what the client sent (it may be personal data), unknown fields pass."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive

from app.api.body import read_json, validate
from app.errors import BodyTooLarge, InvalidRequest, MalformedJSON
from app.schemas.openai import ChatCompletionRequest, EmbeddingRequest

PERSONAL = "Иван Петров, ivan.petrov@mail.ru"


def _chat(**fields: object) -> dict[str, object]:
    return {"model": "auto", "messages": [{"role": "user", "content": "hi"}], **fields}


@pytest.mark.parametrize(
    ("payload", "param", "message"),
    [
        ({"model": "auto"}, "messages", "Object missing required field `messages`"),
        (_chat(messages=[]), "messages", "Expected `array` of length >= 1"),
        (_chat(model=""), "model", "Expected `str` of length >= 1"),
        (_chat(messages=[{"role": PERSONAL}]), "messages.0.role", "Invalid enum value"),
        (_chat(messages=[{"role": "user", "content": 5}]), "messages.0.content",
         "Expected `str | array | null`, got `int`"),
        (_chat(max_tokens=0), "max_tokens", "Expected `int` >= 1"),
        (_chat(stream=PERSONAL), "stream", "Expected `bool`, got `str`"),
        (_chat(messages=[{"role": "assistant", "tool_calls": [{"id": "c", "function": {}}]}]),
         "messages.0.tool_calls.0.function.name", "Object missing required field `name`"),
    ],
)  # fmt: skip
def test_a_bad_chat_request_names_the_field_and_never_the_value(
    payload: dict[str, object], param: str, message: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate(ChatCompletionRequest, payload)
    assert caught.value.param == param
    assert str(caught.value) == f"invalid request: {param}: {message}"
    assert "Иван" not in str(caught.value)


def test_unknown_fields_pass_and_numbers_are_read_as_the_api_reads_them() -> None:
    parsed = validate(
        ChatCompletionRequest, _chat(max_tokens="64", stream="true", temperature=0.2, user="u1")
    )
    assert (parsed.max_tokens, parsed.stream, parsed.max_output) == (64, True, 64)


def test_images_are_seen_in_content_parts() -> None:
    parts = [{"type": "text", "text": "what is it?"}, {"type": "image_url", "image_url": {}}]
    parsed = validate(ChatCompletionRequest, _chat(messages=[{"role": "user", "content": parts}]))
    assert parsed.has_images
    assert not validate(ChatCompletionRequest, _chat()).has_images


@pytest.mark.parametrize("given", ["text", ["a", "b"], [1, 2], [[1], [2, 3]], []])
def test_every_embedding_input_form_is_accepted(given: object) -> None:
    assert validate(EmbeddingRequest, {"model": "e", "input": given}).input == given


@pytest.mark.parametrize("given", [["a", 1], [True], [[1], "a"], [[1, "x"]], 5, None])
def test_a_mixed_or_wrong_embedding_input_is_refused(given: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate(EmbeddingRequest, {"model": "e", "input": given})
    assert caught.value.param == "input"


def _channel(*messages: Message) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    return receive


def _chunks(*parts: bytes) -> Receive:
    last = len(parts) - 1
    return _channel(
        *({"type": "http.request", "body": p, "more_body": i < last} for i, p in enumerate(parts))
    )


def _read(receive: Receive, declared: bytes | None = None, max_bytes: int = 64) -> object:
    return asyncio.run(read_json(receive, declared, max_bytes))


def test_a_body_in_one_message_or_many_is_the_same_object() -> None:
    assert _read(_chunks(b'{"model": "auto"}')) == {"model": "auto"}
    assert _read(_chunks(b'{"mod', b'el": ', b'"auto"}')) == {"model": "auto"}


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    async def never() -> Message:
        raise AssertionError("the body was read")

    with pytest.raises(BodyTooLarge):
        _read(never, declared=b"65")


def test_a_body_that_grows_past_the_limit_is_refused() -> None:
    with pytest.raises(BodyTooLarge):
        _read(_chunks(b"{" + b" " * 40, b" " * 40 + b"}"), declared=None)


def test_a_lying_declared_length_does_not_lift_the_limit() -> None:
    with pytest.raises(BodyTooLarge):
        _read(_chunks(b"{" + b" " * 80 + b"}"), declared=b"2")


def test_malformed_json_and_non_objects_are_invalid_requests() -> None:
    with pytest.raises(MalformedJSON):
        _read(_chunks(b'{"model": '))
    with pytest.raises(InvalidRequest):
        _read(_chunks(b"[1, 2]"))


def test_a_client_that_leaves_mid_body_is_a_disconnect() -> None:
    receive = _channel(
        {"type": "http.request", "body": b'{"model"', "more_body": True},
        {"type": "http.disconnect"},
    )
    with pytest.raises(ClientDisconnect):
        _read(receive)
