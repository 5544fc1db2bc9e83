"""The ASGI hot path answers exactly as the Starlette app behind it would."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from app.api.errors import install_error_handlers
from app.api.hotpath import HotPath
from app.api.routes import route
from app.errors import DataBlocked


async def _boom(_: Request) -> Response:
    raise RuntimeError("ivan@example.ru")  # a message that must never reach the client


async def _blocked(_: Request) -> Response:
    raise DataBlocked("categories found: email")


async def _ok(request: Request) -> Response:
    return Response(f"hot {request.app.state.title}")


def _app() -> HotPath:
    app = Starlette(routes=[route("POST", "/v1/ok", _ok)])
    app.state.title = "behind"
    install_error_handlers(app)
    return HotPath(app, {("POST", "/v1/ok"): _ok, ("POST", "/v1/boom"): _boom,
                         ("POST", "/v1/blocked"): _blocked})  # fmt: skip


def _call(method: str, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, path)

    return asyncio.run(go())


def test_listed_routes_are_served_with_the_app_in_scope() -> None:
    response = _call("POST", "/v1/ok")
    assert response.status_code == 200
    assert response.text == "hot behind"


def test_kordon_errors_keep_status_and_openai_format() -> None:
    response = _call("POST", "/v1/blocked")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "personal_data_blocked"


def test_unexpected_errors_are_500_without_their_message() -> None:
    response = _call("POST", "/v1/boom")
    assert response.status_code == 500
    assert response.json()["error"] == {
        "message": "internal error", "type": "api_error", "param": None, "code": "internal_error"
    }  # fmt: skip
    assert "ivan" not in response.text


def test_unlisted_method_or_path_falls_through_to_the_app() -> None:
    assert _call("GET", "/v1/ok").json()["error"]["code"] == "http_405"
    assert _call("POST", "/v1/none").json()["error"]["code"] == "http_404"
