"""Try the decision's routes in order; fall back only on failures before the first byte.

Only routes the decision listed are ever called, in the decision's order. Within a route, the
provider's replicas (an executor concern: the decision never names them) are tried from the
fewest requests in flight up, ties to the fewest requests so far, open circuits last, all
before the next route. A replica whose circuit is open (or that asked to cool down with
Retry-After) is skipped without a call; every call after the first spends from the retry
budget, so fallbacks cannot multiply load in an outage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from app.errors import UpstreamUnavailable
from app.providers.adapters.base import Outbound
from app.providers.breaker import BreakerState
from app.providers.budget import RetryBudget
from app.providers.catalog import Catalog, Endpoint
from app.providers.health import HealthBoard, RouteHealth
from app.providers.response import UpstreamResponse
from app.providers.upstream import RouteFailed, UpstreamClient
from app.schemas.contract import Route

__all__ = ["Attempt", "Lease", "Opened", "Router", "RoutesExhausted"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """A route that did not serve the request: why, the upstream's status if it answered,
    how long the attempt took (None when it was skipped without a call) and which of the
    provider's replicas it was (None when none was configured)."""

    provider: str
    model: str
    reason: str
    status: int | None = None
    latency_ms: float | None = None
    replica: str | None = None


class RoutesExhausted(UpstreamUnavailable):
    """No route the decision listed could serve; `attempts` says how (for the audit record)."""

    status = 503
    code = "no_route_available"

    def __init__(
        self, message: str, attempts: list[Attempt], retry_after_s: float | None = None
    ) -> None:
        headers = {"Retry-After": str(math.ceil(retry_after_s))} if retry_after_s else None
        super().__init__(message, headers=headers)
        self.attempts = attempts


class Lease:
    """The serving route's health record: the caller reports how the response ended."""

    __slots__ = ("_clock", "_done", "_first", "_health", "_started")

    def __init__(self, health: RouteHealth, started: float, clock: Callable[[], float]) -> None:
        self._health = health
        self._started = started
        self._clock = clock
        self._first = False
        self._done = False

    def first_token(self) -> None:
        if not self._first:
            self._first = True
            self._health.first_token(self._clock() - self._started)

    def finish(self, ok: bool | None, reason: str | None = None) -> None:
        """ok=None: ended without a verdict (the client went away)."""
        if self._done:
            return
        self._done = True
        if ok is None:
            self._health.outstanding = max(0, self._health.outstanding - 1)
            self._health.breaker.release()
        else:
            self._health.ended(ok, reason)


@dataclass(frozen=True, slots=True)
class Opened:
    route: Route
    response: UpstreamResponse
    attempts: list[Attempt]
    lease: Lease


class Router:
    def __init__(
        self,
        client: UpstreamClient,
        board: HealthBoard,
        budget: RetryBudget,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._client = client
        self._board = board
        self._budget = budget
        self._clock = clock

    async def open_first(
        self,
        routes: Sequence[Route],
        catalog: Catalog,
        outbound: Outbound,
        request_id: str,
        region: str = "any",
    ) -> Opened:
        """Return the first route that answered with its open response (the caller releases
        it and finishes the lease), or raise RoutesExhausted."""
        self._budget.deposit()
        failed: list[Attempt] = []
        waits: list[float] = []
        calls = 0
        for route, endpoint, health in self._candidates(routes, catalog, failed):
            if not health.breaker.allow():
                wait = health.breaker.open_for_s()
                waits.append(wait)
                failed.append(_skipped(route, endpoint, f"circuit open ({wait:.1f}s)"))
                continue
            if calls and not self._budget.withdraw():
                health.breaker.release()
                failed.append(_skipped(route, endpoint, "retry budget exhausted"))
                break
            calls += 1
            opened = await self._call(route, endpoint, outbound, request_id, health)
            if isinstance(opened, Opened):
                return Opened(opened.route, opened.response, failed, opened.lease)
            failed.append(opened)
            if health.breaker.open_for_s():
                waits.append(health.breaker.open_for_s())
        raise RoutesExhausted(_exhausted(region, failed), failed, min(waits, default=None))

    def _candidates(
        self, routes: Sequence[Route], catalog: Catalog, failed: list[Attempt]
    ) -> Iterator[tuple[Route, Endpoint, RouteHealth]]:
        """Each route's replicas, ranked when the route's turn comes: open circuits last, then
        the fewest requests in flight, then the fewest so far (a route without any replica is
        noted in `failed`)."""
        for route in routes:
            replicas = catalog.endpoints.get(route.provider)
            if not replicas:
                failed.append(Attempt(route.provider, route.model, "provider not configured"))
                continue
            ranked = [
                (e, self._board.route(route.provider, route.model, e.replica)) for e in replicas
            ]
            if len(ranked) > 1:
                ranked.sort(key=_load)
            for endpoint, health in ranked:
                yield route, endpoint, health

    async def _call(
        self,
        route: Route,
        endpoint: Endpoint,
        outbound: Outbound,
        request_id: str,
        health: RouteHealth,
    ) -> Opened | Attempt:
        health.endpoint = endpoint
        health.started()
        started = self._clock()
        lease = Lease(health, started, self._clock)
        try:
            response = await self._client.open(endpoint, route, outbound, request_id)
        except RouteFailed as exc:
            lease.finish(False, exc.reason)
            if exc.retry_after_s:
                health.breaker.cool_down(exc.retry_after_s)
            elapsed_ms = round((self._clock() - started) * 1000, 3)
            return Attempt(
                route.provider, route.model, exc.reason, exc.status, elapsed_ms, endpoint.replica
            )
        except BaseException:
            lease.finish(None)
            raise
        health.answered(self._clock() - started)
        return Opened(route, response, [], lease)


def _load(pair: tuple[Endpoint, RouteHealth]) -> tuple[bool, int, int]:
    health = pair[1]
    return (health.breaker.state is BreakerState.OPEN, health.outstanding, health.requests)


def _skipped(route: Route, endpoint: Endpoint, reason: str) -> Attempt:
    return Attempt(route.provider, route.model, reason, replica=endpoint.replica)


def _exhausted(region: str, failed: list[Attempt]) -> str:
    summary = "; ".join(f"{a.provider}/{a.model}: {a.reason}" for a in failed) or "no routes"
    if region == "any":
        return f"no route the policy allows is available ({summary})"
    return (
        f"no route in region {region} is available and the policy keeps this request in "
        f"region {region} (data residency), so no route outside it was tried ({summary})"
    )
