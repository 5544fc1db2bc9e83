"""The executor's quota steps: reserve before the call, settle on real usage, refund on failure.

Everything about limits comes from the decision's `quota`; prices and context windows from the
catalog of the same bundle revision. Over a limit is a 429 with `Retry-After` and OpenAI's
`x-ratelimit-*` headers; a store outage does what the decision's `on_store_error` says.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from app.errors import PolicyUnavailable, QuotaUnavailable, RateLimited
from app.quota.amounts import Price
from app.quota.errors import PriceMismatch, QuotaExceeded, QuotaStoreUnavailable
from app.quota.limiter import Limiter, Reservation
from app.quota.limits import MICRO, Limit
from app.quota.store import QuotaStore
from app.schemas.contract import Quota, Route

__all__ = ["Hold", "ModelFacts", "PriceBook", "QuotaStep", "output_bound"]

log = logging.getLogger("kordon.quota")


class ModelFacts(Protocol):
    """What quotas need to know of one (provider, model)."""

    @property
    def price(self) -> Price | None: ...

    @property
    def context_tokens(self) -> int | None: ...


class PriceBook(Protocol):
    """Prices and context windows per (provider, model); the executor passes the catalog of
    the decision's bundle revision, so quota never reaches into the providers layer."""

    @property
    def models(self) -> Mapping[tuple[str, str], ModelFacts]: ...


@dataclass(frozen=True, slots=True)
class Hold:
    """One request's reservation (None when no limit applies or the store was skipped)."""

    reservation: Reservation | None
    catalog: PriceBook

    def headers(self) -> dict[str, str]:
        return self.reservation.headers() if self.reservation else {}

    async def settle(self, route: Route, usage: Mapping[str, int] | None) -> None:
        """Charge what the route reported; None keeps the whole reservation (never undercount)."""
        if self.reservation is None:
            return
        facts = self.catalog.models.get((route.provider, route.model))
        price = facts.price if facts else None
        reservation = self.reservation
        if price != reservation.price:  # the route that answered is priced otherwise
            reservation = dataclasses.replace(reservation, price=price)
        try:
            await reservation.settle(usage)
        except (QuotaStoreUnavailable, PriceMismatch) as exc:
            # The answer is already out; the hold stays until its window expires (overcounts).
            log.warning("quota settle failed for %s: %s", reservation.id, type(exc).__name__)

    async def refund(self) -> None:
        if self.reservation is None:
            return
        try:
            await self.reservation.refund()
        except QuotaStoreUnavailable:
            log.warning("quota refund failed for %s", self.reservation.id)


def output_bound(
    quota: Quota, routes: Sequence[Route], catalog: PriceBook, prompt_tokens: int
) -> int:
    """Output tokens to reserve when the client set no max_tokens: the policy's default, else
    the largest context window among the routes less the prompt (the true worst case)."""
    if quota.max_output_default is not None:
        return quota.max_output_default
    windows = [
        facts.context_tokens
        for route in routes
        if (facts := catalog.models.get((route.provider, route.model))) and facts.context_tokens
    ]
    if not windows:
        raise QuotaUnavailable("cannot bound the output of this request: no context window known")
    return max(1, max(windows) - prompt_tokens)


def _costliest(routes: Sequence[Route], catalog: PriceBook) -> Price | None:
    prices = [
        facts.price
        for route in routes
        if (facts := catalog.models.get((route.provider, route.model))) and facts.price
    ]
    return max(prices, key=lambda p: (p.input_per_mtok, p.output_per_mtok), default=None)


# A limit is immutable and every request of a tier names the same ones: built and checked once
# (typed: 1 and 1.0 are kept apart, as the policy wrote them).
_limit = lru_cache(maxsize=1024, typed=True)(Limit)


def _limits(quota: Quota) -> list[Limit]:
    # A scoped limit is its own bucket under the quota's subject, so one request still draws
    # from all of them in one atomic step (one Redis Cluster slot per subject).
    try:
        return [
            _limit(f"{q.name}@{q.scope}" if q.scope else q.name, q.unit, q.limit, q.window_s)
            for q in quota.limits
        ]
    except ValueError as exc:
        # A limit the stores cannot count (a unit they do not know, beyond 2**53 micro-units)
        # is an off-contract decision: refuse, as for any other.
        raise PolicyUnavailable(
            f"policy decision has an unusable quota limit ({exc}); request refused",
            code="policy_invalid",
        ) from exc


class QuotaStep:
    def __init__(self, limiter: Limiter, store: QuotaStore) -> None:
        self._limiter = limiter
        self._store = store

    async def usage(self, quota: Quota) -> list[dict[str, object]]:
        """Spend and remaining quota of the decision's subject, in the limits' own units."""
        try:
            states = await self._store.usage(quota.subject, _limits(quota))
        except QuotaStoreUnavailable as exc:
            raise QuotaUnavailable("quota store unavailable") from exc
        return [
            {
                "name": s.limit.name,
                "unit": s.limit.unit,
                "limit": s.limit.limit,
                "window_s": s.limit.window_s,
                "used": s.used / MICRO if s.limit.is_money else s.used,
                "remaining": s.remaining / MICRO if s.limit.is_money else s.remaining,
                "reset_s": round(s.reset_s, 3),
            }
            for s in states
        ]

    async def reserve(
        self,
        quota: Quota,
        routes: Sequence[Route],
        catalog: PriceBook,
        prompt_tokens: int,
        max_output: int,
        request_id: str,
    ) -> Hold:
        if not quota.limits:
            return Hold(None, catalog)
        try:
            reservation = await self._limiter.reserve(
                quota.subject,
                _limits(quota),
                prompt_tokens,
                max_output,
                _costliest(routes, catalog),
                reservation_id=request_id,
            )
        except QuotaExceeded as exc:
            if not exc.retryable:
                # The request alone is larger than the limit: waiting will not help.
                headers = {k: v for k, v in exc.headers.items() if k != "retry-after"}
                raise RateLimited(str(exc), code="request_exceeds_limit", headers=headers) from exc
            raise RateLimited(str(exc), headers=exc.headers) from exc
        except QuotaStoreUnavailable as exc:
            if quota.on_store_error == "allow":
                log.warning("quota store unavailable; policy allows the request unmetered")
                return Hold(None, catalog)
            raise QuotaUnavailable("quota store unavailable; request refused") from exc
        except PriceMismatch as exc:
            raise PolicyUnavailable(
                "a budget applies but the route has no price in its currency",
                code="quota_misconfigured",
            ) from exc
        return Hold(reservation, catalog)
