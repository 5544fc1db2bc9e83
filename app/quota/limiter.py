"""The executor's view of quotas: reserve before the upstream call, settle or refund after.

A thin layer over a :class:`~app.quota.store.QuotaStore`: it turns token counts and a price
into per-limit amounts, raises :class:`~app.quota.errors.QuotaExceeded` with the headers for a
429, and renders OpenAI's ``x-ratelimit-*`` headers for successful responses.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.quota.amounts import Price, reservation_amounts, settlement_amounts
from app.quota.errors import QuotaExceeded
from app.quota.limits import REQUESTS, TOKENS, Amounts, BucketState, Limit
from app.quota.store import QuotaStore

__all__ = ["Limiter", "Reservation", "rate_limit_headers"]


@dataclass(frozen=True, slots=True, eq=False)
class Reservation:
    """An admitted request's hold on its limits, to be settled or refunded exactly once.

    Settling or refunding again is harmless (the store ignores closed reservations), and a
    reservation never closed is released when its windows expire.
    """

    id: str
    subject: str
    limits: tuple[Limit, ...]
    amounts: Amounts
    price: Price | None
    buckets: tuple[BucketState, ...]
    store: QuotaStore

    async def settle(self, usage: Mapping[str, int] | None) -> bool:
        """Charge the provider's reported ``usage``; None (no usage reported) keeps the hold.

        False if the reservation was already closed or had expired.
        """
        actual = (
            self.amounts if usage is None else settlement_amounts(self.limits, usage, self.price)
        )
        return await self.store.settle(self.subject, self.id, actual)

    async def refund(self) -> bool:
        """Give everything back (the request never reached a provider); False if closed."""
        return await self.store.refund(self.subject, self.id)

    def headers(self) -> dict[str, str]:
        """``x-ratelimit-*`` headers as they stood right after this reservation."""
        return rate_limit_headers(self.buckets)


class Limiter:
    """Reserves quota for requests against one store."""

    def __init__(self, store: QuotaStore, *, new_id: Callable[[], str] | None = None) -> None:
        self._store = store
        self._new_id = new_id or (lambda: uuid.uuid4().hex)

    async def reserve(
        self,
        subject: str,
        limits: Sequence[Limit],
        prompt_tokens: int,
        max_output_tokens: int,
        price: Price | None,
        *,
        reservation_id: str | None = None,
    ) -> Reservation:
        """Hold the most this request can cost, or raise :class:`QuotaExceeded`.

        Pass the request id as ``reservation_id`` to make a retried reserve idempotent.
        Raises :class:`~app.quota.errors.QuotaStoreUnavailable` when the store is down and
        :class:`~app.quota.errors.PriceMismatch` when a budget cannot be priced.
        """
        limits = tuple(limits)
        amounts = reservation_amounts(limits, prompt_tokens, max_output_tokens, price)
        rid = reservation_id or self._new_id()
        admission = await self._store.reserve(subject, limits, amounts, rid)
        if admission.blocked is not None:
            blocked = admission.blocked
            raise QuotaExceeded(
                blocked.limit,
                remaining=blocked.remaining,
                requested=amounts[blocked.limit.name],
                reset_s=blocked.reset_s,
                rate_headers=rate_limit_headers(admission.buckets),
            )
        return Reservation(rid, subject, limits, amounts, price, admission.buckets, self._store)


def rate_limit_headers(buckets: Sequence[BucketState]) -> dict[str, str]:
    """OpenAI's ``x-ratelimit-{limit,remaining,reset}-{requests,tokens}`` headers.

    With several limits of one unit (per minute and per day, say) the tightest one is shown:
    least remaining, and on a tie the one that resets last. Budgets have no OpenAI header.
    """
    headers: dict[str, str] = {}
    for unit, (limit, remaining, reset) in _HEADER_NAMES:
        candidates = [b for b in buckets if b.limit.unit == unit]
        if not candidates:
            continue
        tightest = min(candidates, key=_tightness) if len(candidates) > 1 else candidates[0]
        headers[limit] = str(tightest.limit.capacity)
        headers[remaining] = str(tightest.remaining)
        headers[reset] = _duration(tightest.reset_s)
    return headers


def _tightness(bucket: BucketState) -> tuple[int, float]:
    return (bucket.remaining, -bucket.reset_s)


# Per unit, in the order the headers are sent: the names, built once.
_HEADER_NAMES = tuple(
    (unit, tuple(f"x-ratelimit-{kind}-{unit}" for kind in ("limit", "remaining", "reset")))
    for unit in (REQUESTS, TOKENS)
)


def _duration(seconds: float) -> str:
    """Go-style durations as OpenAI sends them: ``17ms``, ``1.5s``, ``6m0s``, ``1h2m3s``."""
    # Rounded up so a client never retries early, but only after dropping float noise
    # (49.7 s is 49700.000000001 ms).
    ms = max(0, math.ceil(round(seconds * 1000, 3)))
    if ms < 1000:
        return f"{ms}ms" if ms else "0s"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"
