"""`GET /v1/usage`: the caller's own tenant's spend and remaining quota."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from app.api.openai import authenticate, request_id_of, services_of
from app.errors import PolicyDenied
from app.gateway import kordon_headers

__all__ = ["router"]

router = APIRouter()


@router.get("/v1/usage")
async def usage(request: Request) -> Response:
    state = services_of(request)
    principal = authenticate(request, state.keys)
    rid = request_id_of(request)
    policy, limits = await state.gateway.usage(principal, rid)
    headers = kordon_headers(rid, policy)
    if not policy.decision.allow:
        raise PolicyDenied(
            "request denied by policy: " + "; ".join(policy.decision.reasons), headers=headers
        )
    body = {"object": "usage", "subject": policy.decision.quota.subject, "limits": limits}
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)
