"""A retry budget, so that fallbacks cannot multiply load on upstreams during an outage.

As in Finagle and gRPC: every request deposits `ratio` of a retry, every retry (a second or
later upstream call for one request) withdraws one; besides, `min_per_s` retries per second are
always allowed so that a quiet gateway can still fail over.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["RetryBudget"]


class RetryBudget:
    def __init__(
        self,
        ratio: float = 0.2,
        min_per_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ratio = ratio
        self._min_per_s = min_per_s
        self._clock = clock
        # Deposits are capped at what ten seconds of the floor would allow.
        self._cap = max(1.0, min_per_s * 10)
        self._balance = 0.0
        self._floor = min_per_s
        self._floor_at = clock()

    def deposit(self) -> None:
        """One request arrived."""
        self._balance = min(self._cap, self._balance + self._ratio)

    def withdraw(self) -> bool:
        """May this request call one more upstream? Spends a retry when it may."""
        now = self._clock()
        self._floor = min(self._min_per_s, self._floor + (now - self._floor_at) * self._min_per_s)
        self._floor_at = now
        if self._balance >= 1:
            self._balance -= 1
            return True
        if self._floor >= 1:
            self._floor -= 1
            return True
        return False
