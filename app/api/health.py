"""Liveness and readiness. Ready only when OPA has activated its bundle."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from opa_client import AsyncOpaClient

__all__ = ["router"]

router = APIRouter()

_OK = b'{"status":"ok"}'


@router.get("/healthz")
async def healthz() -> Response:
    return Response(_OK, media_type="application/json")


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    opa: AsyncOpaClient = request.app.state.opa_admin
    if await opa.check_health(query={"bundles": True}):
        return Response(_OK, media_type="application/json")
    return Response(
        b'{"status":"not ready","reason":"policy bundle not active"}',
        status_code=503,
        media_type="application/json",
    )
