"""The OpenAI routes straight from ASGI, in front of the Starlette app.

Every request through the app pays for its middleware stack (server errors, exception handlers)
and its router before the endpoint runs; on the hot path that was a measurable share of the
gateway's CPU (README, "Performance"). The same endpoint functions are routes of the app (for
any method or path not listed here), but a listed (method, path) is dispatched here directly,
errors rendered by the same handlers.

It also counts the requests in flight for a graceful shutdown and, once draining, refuses new
API requests with a 503 (health probes are still answered).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.api.drain import Drain
from app.api.errors import error_response, response_for
from app.errors import ShuttingDown

__all__ = ["Endpoint", "HotPath"]

Endpoint = Callable[[Request], Awaitable[Response]]


class HotPath:
    def __init__(
        self, app: Starlette, routes: Mapping[tuple[str, str], Endpoint], drain: Drain | None = None
    ) -> None:
        self.app = app
        self._routes = dict(routes)
        self.drain = drain or Drain()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.drain.draining and scope["path"].startswith("/v1/"):
            await _shutting_down(scope, receive, send)
            return
        self.drain.enter()
        try:
            await self._http(scope, receive, send)
        finally:
            self.drain.leave()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._routes.get((scope["method"], scope["path"]))
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:  # rendered exactly as the app's handlers would
            response = response_for(request, exc)
        await response(scope, receive, send)


async def _shutting_down(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        ShuttingDown(
            "the gateway is shutting down; retry the request",
            headers={"Connection": "close", "Retry-After": "1"},
        )
    )
    await response(scope, receive, send)
