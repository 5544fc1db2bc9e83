"""`POST /admin/cache/purge?tenant=T`: forget every cached answer of one tenant.

Behind the admin key like the other admin endpoints. The gateway purges its own store (and its
in-process LRU); with Redis that is every replica's shared store, and other replicas' LRU copies
age out within seconds (app/cache/layered.py).
"""

from __future__ import annotations

import re

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.admin import _authorize
from app.api.routes import route
from app.cache.step import CacheStep
from app.cache.store import CacheUnavailable
from app.errors import InvalidRequest, KordonError

__all__ = ["routes"]

# Tenant ids as data/schemas/tenants.schema.json names them; nothing that globs in Redis.
_TENANT = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class CacheStoreUnavailable(KordonError):
    status = 503
    code = "cache_unavailable"


async def purge(request: Request) -> Response:
    _authorize(request)
    tenant = request.query_params.get("tenant", "")
    if not _TENANT.fullmatch(tenant):
        raise InvalidRequest("tenant must be a tenant id (a-z, 0-9, -)", param="tenant")
    cache: CacheStep = request.app.state.cache
    try:
        removed = await cache.store.purge(tenant)
    except CacheUnavailable as exc:
        raise CacheStoreUnavailable("cache store unavailable; nothing purged") from exc
    body = {"object": "cache.purge", "tenant": tenant, "removed": removed}
    return Response(orjson.dumps(body), media_type="application/json")


routes = [route("POST", "/admin/cache/purge", purge)]
