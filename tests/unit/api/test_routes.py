"""The gateway's routes on Starlette answer as they did on FastAPI: the same paths and methods,
405 (HEAD too) naming the allowed method, the OpenAI error format for every miss, and no
OpenAPI schema or docs page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from app.api.hotpath import HotPath
from app.config import Secret, load_settings
from app.keys import KeyStore
from app.main import create_app

ROUTES = {
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/embeddings"),
    ("GET", "/v1/models"),
    ("GET", "/v1/usage"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/admin/health"),
    ("POST", "/admin/cache/purge"),
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> HotPath:
    root = tmp_path_factory.mktemp("routes")
    settings = load_settings(
        keys_file=root / "keys.json",
        audit_enabled=False,
        opa_url="http://127.0.0.1:9",  # nothing listens: no route below needs a decision
        admin_key=Secret("admin-secret"),
    )
    return create_app(settings, KeyStore(path=Path(settings.keys_file)))


def _call(
    gateway: HotPath, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, path, headers=headers, content=b"{}")

    return asyncio.run(go())


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["code"]) == ("invalid_request_error", code)


def test_every_route_answers_only_its_one_method(gateway: HotPath) -> None:
    routes = [r for r in gateway.app.routes if isinstance(r, Route)]
    assert len(routes) == len(gateway.app.routes)
    assert {(m, r.path) for r in routes for m in r.methods or ()} == ROUTES


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("HEAD", "/healthz", "GET"),
        ("HEAD", "/v1/models", "GET"),
        ("POST", "/readyz", "GET"),
        ("GET", "/v1/chat/completions", "POST"),
        ("PUT", "/v1/embeddings", "POST"),
        ("GET", "/admin/cache/purge", "POST"),
    ],
)
def test_another_method_is_405_naming_the_allowed_one(
    gateway: HotPath, method: str, path: str, allowed: str
) -> None:
    response = _call(gateway, method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    if method != "HEAD":
        _error(response, 405, "http_405")


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc", "/v1/completions", "/"])
def test_no_schema_docs_or_unknown_route_is_served(gateway: HotPath, path: str) -> None:
    _error(_call(gateway, "GET", path), 404, "http_404")


def test_a_trailing_slash_redirects_to_the_route(gateway: HotPath) -> None:
    response = _call(gateway, "GET", "/healthz/")
    assert response.status_code == 307
    assert response.headers["location"] == "http://t/healthz"


def test_health_and_admin_routes_answer_through_the_app(gateway: HotPath) -> None:
    assert _call(gateway, "GET", "/healthz").json() == {"status": "ok"}
    assert _call(gateway, "GET", "/admin/health").status_code == 401
    admin = {"authorization": "Bearer admin-secret"}
    assert _call(gateway, "GET", "/admin/health", admin).json() == {"routes": []}
    purged = _call(gateway, "POST", "/admin/cache/purge?tenant=acme", admin)
    assert purged.json() == {"object": "cache.purge", "tenant": "acme", "removed": 0}
