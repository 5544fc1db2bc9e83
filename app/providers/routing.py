"""Try the decision's routes in order; fall back only on failures before the first byte."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from app.errors import UpstreamUnavailable
from app.providers.catalog import Catalog
from app.providers.upstream import RouteFailed, UpstreamClient
from app.schemas.contract import Route

__all__ = ["Attempt", "open_first"]


@dataclass(frozen=True, slots=True)
class Attempt:
    provider: str
    model: str
    reason: str


async def open_first(
    routes: Sequence[Route],
    catalog: Catalog,
    client: UpstreamClient,
    path: str,
    body_for: Callable[[Route], bytes],
    request_id: str,
) -> tuple[Route, aiohttp.ClientResponse, list[Attempt]]:
    """Return the first route that answered, its open response and the failed attempts.

    Only routes the decision listed are ever called, in the decision's order.
    """
    failed: list[Attempt] = []
    for route in routes:
        endpoint = catalog.endpoints.get(route.provider)
        if endpoint is None:
            failed.append(Attempt(route.provider, route.model, "provider not configured"))
            continue
        try:
            response = await client.open(endpoint, path, body_for(route), request_id)
        except RouteFailed as exc:
            failed.append(Attempt(route.provider, route.model, exc.reason))
            continue
        return route, response, failed
    summary = "; ".join(f"{a.provider}/{a.model}: {a.reason}" for a in failed) or "no routes"
    raise UpstreamUnavailable(f"every allowed route failed ({summary})")
