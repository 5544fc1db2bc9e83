"""Read and validate request bodies ourselves: bounded size, orjson, OpenAI-format errors.

The body is read from the ASGI `receive` channel directly: starlette's `Request.stream()` is an
async generator over the same messages, a few µs a request on the hot path."""

from __future__ import annotations

from typing import TypeVar

import msgspec
import orjson
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from app.errors import BodyTooLarge, InvalidRequest, MalformedJSON
from app.schemas.validation import failure

__all__ = ["read_json", "validate"]

Model = TypeVar("Model", bound=msgspec.Struct)


async def read_json(receive: Receive, declared: bytes | None, max_bytes: int) -> dict[str, object]:
    """The body as a JSON object, read from the ASGI channel with `declared` (the
    content-length header) checked first; at most `max_bytes` are read."""
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"request body exceeds {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(f"request body exceeds {max_bytes} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        payload = orjson.loads(chunks[0] if len(chunks) == 1 else b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise MalformedJSON(f"request body is not valid JSON: {exc.msg}") from exc
    if not isinstance(payload, dict):
        raise InvalidRequest("request body must be a JSON object")
    return payload


def validate(model: type[Model], payload: dict[str, object]) -> Model:
    try:
        return msgspec.convert(payload, model, strict=False)
    except msgspec.ValidationError as exc:
        where, what = failure(exc)
        raise InvalidRequest(
            f"invalid request: {where or 'body'}: {what}", code="invalid_request", param=where
        ) from exc
