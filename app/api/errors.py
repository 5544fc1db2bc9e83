"""Every error leaves in the OpenAI format: {"error": {"message", "type", "param", "code"}}."""

from __future__ import annotations

import logging
import traceback
from typing import cast

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.errors import KordonError

__all__ = ["error_response", "install_error_handlers", "response_for"]

log = logging.getLogger("kordon.api")

_HTTP_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}


def error_response(error: KordonError) -> Response:
    return Response(
        orjson.dumps(error.body()),
        status_code=error.status,
        media_type="application/json",
        headers=error.headers,
    )


async def _kordon(_: Request, exc: Exception) -> Response:
    return error_response(cast("KordonError", exc))


async def _http(_: Request, exc: Exception) -> Response:
    return _http_response(cast("HTTPException", exc))


async def _unexpected(request: Request, exc: Exception) -> Response:
    return _unexpected_response(request, exc)


def _http_response(http: HTTPException) -> Response:
    error = KordonError(str(http.detail), code=f"http_{http.status_code}")
    error.status = http.status_code
    error.type = _HTTP_TYPES.get(http.status_code, "invalid_request_error")
    error.headers.update(http.headers or {})
    return error_response(error)


def _unexpected_response(request: Request, exc: Exception) -> Response:
    # The exception text may hold anything, request data included: log only its type and
    # where it was raised, and answer with a fixed message.
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    log.error("unhandled %s at %s on %s", type(exc).__name__, where, request.url.path)
    return error_response(KordonError("internal error"))


def response_for(request: Request, exc: Exception) -> Response:
    """The response the handlers below give, for callers outside the app's stack."""
    if isinstance(exc, KordonError):
        return error_response(exc)
    if isinstance(exc, HTTPException):
        return _http_response(exc)
    return _unexpected_response(request, exc)


def install_error_handlers(app: Starlette) -> None:
    app.add_exception_handler(KordonError, _kordon)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
