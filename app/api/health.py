"""Liveness and readiness. Ready only when OPA has activated its bundle, the gateway has read
that revision's data (its detection plan above all) and is not draining; the body names the
active policy revision and how often the OPA child restarted."""

from __future__ import annotations

import aiohttp
import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.drain import Drain
from app.api.routes import route
from app.policy.bundle_data import BundleViews
from app.policy.opa import bundle_revision
from app.policy.opa_admin import OpaAdmin
from app.policy.supervisor import OpaSupervisor

__all__ = ["routes"]

_OK = b'{"status":"ok"}'


async def healthz(_: Request) -> Response:
    return Response(_OK, media_type="application/json")


async def readyz(request: Request) -> Response:
    state = request.app.state
    opa: OpaAdmin = state.opa_admin
    drain: Drain = state.drain
    sidecar: OpaSupervisor | None = state.sidecar
    views: BundleViews = state.views
    body: dict[str, object] = {"status": "ready"}
    if drain.draining:
        body |= {"status": "not ready", "reason": "draining"}
    elif not await opa.healthy(bundles=True):
        body |= {"status": "not ready", "reason": "policy bundle not active"}
    body["policy_revision"] = revision = await _active_revision(opa)
    if body["status"] == "ready" and revision is not None and not await views.follow(revision):
        # Requests are scanned with the detection plan of the revision OPA decides with.
        body |= {"status": "not ready", "reason": "policy data not read"}
    if sidecar is not None:
        body["opa_restarts"] = sidecar.restarts
    status = 200 if body["status"] == "ready" else 503
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _active_revision(opa: OpaAdmin) -> str | None:
    """The revision OPA has activated, from `data.system.bundles`; None when it has none."""
    try:
        bundles = await opa.data("system/bundles")
    except (aiohttp.ClientError, TimeoutError):
        return None
    revision = bundle_revision(bundles)
    return None if revision == "unknown" else revision


routes = [route("GET", "/healthz", healthz), route("GET", "/readyz", readyz)]
