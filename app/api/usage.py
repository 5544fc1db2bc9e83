"""`GET /v1/usage`: the caller's own tenant's spend and remaining quota; with `?savings=1`,
what the cache and routing saved this month (or `&period=YYYY-MM`), docs/cache.md."""

from __future__ import annotations

import re

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.openai import authenticate, request_id_of, services_of
from app.api.routes import route
from app.cache.savings import period_of, report
from app.cache.step import CacheStep
from app.cache.store import CacheUnavailable
from app.errors import InvalidRequest, PolicyDenied, QuotaUnavailable
from app.gateway import kordon_headers

__all__ = ["routes"]

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


async def usage(request: Request) -> Response:
    state = services_of(request)
    principal = authenticate(request, state.keys)
    rid = request_id_of(request)
    savings = request.query_params.get("savings", "") in {"1", "true"}
    period = request.query_params.get("period") or period_of()
    if savings and not _PERIOD.fullmatch(period):
        raise InvalidRequest("period must be a month, YYYY-MM", param="period")
    policy, limits = await state.gateway.usage(principal, rid)
    headers = kordon_headers(rid, policy)
    if not policy.decision.allow:
        raise PolicyDenied(
            "request denied by policy: " + "; ".join(policy.decision.reasons), headers=headers
        )
    if savings:
        cache: CacheStep = request.app.state.cache
        try:
            counters = await cache.store.counters(principal.tenant, period)
        except CacheUnavailable as exc:
            raise QuotaUnavailable("savings counters unavailable", headers=headers) from exc
        body = report(principal.tenant, period, counters)
    else:
        body = {"object": "usage", "subject": policy.decision.quota.subject, "limits": limits}
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


routes = [route("GET", "/v1/usage", usage)]
