"""Admin endpoints for operators: route health and circuit state (GET /admin/health).

Guarded by KORDON_ADMIN_KEY as a bearer token, compared in constant time; unset, every admin
endpoint answers 403. The key never appears in logs or answers.
"""

from __future__ import annotations

import hmac

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.routes import route
from app.errors import AuthenticationFailed, PolicyDenied
from app.providers.health import HealthBoard

__all__ = ["routes"]


def _authorize(request: Request) -> None:
    key = request.app.state.services.settings.admin_key
    if key is None:
        raise PolicyDenied(
            "admin endpoints are disabled (KORDON_ADMIN_KEY is not set)", code="admin_disabled"
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = key.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise AuthenticationFailed("invalid admin key")


async def health(request: Request) -> Response:
    """Passive health, requests in flight and circuit state of every (provider, model,
    replica) that has seen traffic."""
    _authorize(request)
    board: HealthBoard = request.app.state.health
    return Response(orjson.dumps({"routes": board.snapshot()}), media_type="application/json")


routes = [route("GET", "/admin/health", health)]
