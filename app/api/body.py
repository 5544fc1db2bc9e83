"""Read and validate request bodies ourselves: bounded size, orjson, OpenAI-format errors."""

from __future__ import annotations

from typing import TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError

from app.errors import BodyTooLarge, InvalidRequest, MalformedJSON

__all__ = ["read_json", "validate"]

Model = TypeVar("Model", bound=BaseModel)


async def read_json(request: Request, max_bytes: int) -> dict[str, object]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"request body exceeds {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(f"request body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    try:
        payload = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise MalformedJSON(f"request body is not valid JSON: {exc.msg}") from exc
    if not isinstance(payload, dict):
        raise InvalidRequest("request body must be a JSON object")
    return payload


def validate(model: type[Model], payload: dict[str, object]) -> Model:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidRequest(
            f"invalid request: {where or 'body'}: {first['msg']}",
            code="invalid_request",
            param=where,
        ) from exc
