"""The OpenAI routes straight from ASGI, in front of the FastAPI app.

Every request pays for FastAPI's middleware stack (server errors, exception handlers, an exit
stack, body limits) and its dependency solver before the endpoint runs; on the hot path that
was a measurable share of the gateway's CPU (README, "Performance"). The same endpoint
functions are registered with FastAPI (OpenAPI, and any method or path not listed here), but
a listed (method, path) is dispatched here directly, errors rendered by the same handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from app.api.errors import response_for

__all__ = ["Endpoint", "HotPath"]

Endpoint = Callable[[Request], Awaitable[Response]]


class HotPath:
    def __init__(self, app: FastAPI, routes: Mapping[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self._routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self._routes.get((scope["method"], scope["path"]))
            if endpoint is not None:
                scope["app"] = self.app
                request = Request(scope, receive, send)
                try:
                    response = await endpoint(request)
                except Exception as exc:  # rendered exactly as FastAPI's handlers would
                    response = response_for(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
