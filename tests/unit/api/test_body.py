"""Bodies are read from the ASGI channel: bounded, parsed with orjson, errors in the OpenAI tree."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive

from app.api.body import read_json
from app.errors import BodyTooLarge, InvalidRequest, MalformedJSON


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
