"""The quota errors, plain exceptions the API edge maps to HTTP.

QuotaError
 ├── QuotaExceeded          a limit from the Decision would be exceeded (429)
 ├── QuotaStoreUnavailable  the counter store did not answer in time; the executor applies
 │                          the Decision's failure mode (deny by default)
 └── PriceMismatch          a money limit but no price in its currency (a catalog or policy
                            bug: failing beats letting a budget go uncounted)
"""

from __future__ import annotations

import math

from app.quota.limits import MICRO, Limit

__all__ = ["PriceMismatch", "QuotaError", "QuotaExceeded", "QuotaStoreUnavailable"]


class QuotaError(Exception):
    """Base of every quota error."""


class QuotaExceeded(QuotaError):
    """The request would push ``limit`` over its bound in the current window.

    ``remaining`` and ``requested`` are in store units (micro-units for money); ``headers`` are
    ``rate_headers`` (the ``x-ratelimit-*`` ones) plus ``retry-after``, for the 429.
    """

    def __init__(
        self,
        limit: Limit,
        *,
        remaining: int,
        requested: int,
        reset_s: float,
        rate_headers: dict[str, str],
    ) -> None:
        self.limit = limit
        self.remaining = remaining
        self.requested = requested
        self.reset_s = reset_s
        self.headers = {"retry-after": str(self.retry_after_s), **rate_headers}
        super().__init__(
            f"quota {limit.name} exceeded: {_human(limit, requested)} requested, "
            f"{_human(limit, remaining)} left of {limit.limit}, resets in {math.ceil(reset_s)}s"
        )

    @property
    def retry_after_s(self) -> int:
        """Whole seconds until the window resets (at least 1, as ``Retry-After`` wants)."""
        return max(1, math.ceil(self.reset_s))

    @property
    def retryable(self) -> bool:
        """False when the request alone is larger than the limit: waiting will not help."""
        return self.requested <= self.limit.capacity


class QuotaStoreUnavailable(QuotaError):
    """The quota store failed or timed out; nothing is known about the counters."""


class PriceMismatch(QuotaError, ValueError):
    """A money limit cannot be charged: no price, or a price in another currency."""


def _human(limit: Limit, amount: int) -> str:
    if limit.is_money:
        return f"{amount / MICRO:.6f} {limit.unit}"
    return f"{amount} {limit.unit}"
