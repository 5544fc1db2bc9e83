"""The one failure a route reports before its first byte: the router then falls over."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

__all__ = ["RouteFailed", "retry_after_s"]


class RouteFailed(Exception):
    """A route failed before its first byte: connection error, timeout, 429 or 5xx, refused
    credentials, a malformed answer, or a request its adapter cannot send. Fall back.

    `status` is the upstream's HTTP status when it answered; `retry_after_s` what its
    Retry-After asked for (the route cools down that long). `reason` never holds a secret.
    """

    def __init__(
        self, reason: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
