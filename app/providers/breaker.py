"""A circuit breaker per route: closed, open, half-open with exactly one trial request.

Our own ~80 lines rather than `aiobreaker` or `purgatory`: both wrap one awaited call and judge
it by its exception, but a route's outcome is known in pieces (headers first, a stream's end
much later), a 429's `Retry-After` must open the circuit for exactly that long, the half-open
state must admit one trial at a time (not every caller until the first answers), and the admin
endpoint needs the state as data. aiobreaker is unmaintained since 2021.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

__all__ = ["Breaker", "BreakerState"]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Breaker:
    """Opens after `failures` consecutive failures, or when at least half of the last
    `window` outcomes failed (once `window` // 2 are known); stays open `open_s` (or as long
    as a Retry-After asked), then lets one trial through: its success closes the circuit,
    its failure opens it again."""

    __slots__ = (
        "_asked_until",
        "_clock",
        "_consecutive",
        "_failures",
        "_open_s",
        "_open_until",
        "_recent",
        "_trial",
        "_window",
    )

    def __init__(
        self,
        failures: int = 5,
        open_s: float = 30.0,
        window: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._failures = failures
        self._open_s = open_s
        self._window = window
        self._clock = clock
        self._recent: deque[bool] = deque(maxlen=window)
        self._consecutive = 0
        self._open_until: float | None = None
        # Until when the route itself asked for a pause (Retry-After): no probe overrides it.
        self._asked_until = 0.0
        self._trial = False

    @property
    def state(self) -> BreakerState:
        if self._open_until is None:
            return BreakerState.CLOSED
        if self._clock() < self._open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def open_for_s(self) -> float:
        """Seconds until a trial may go through (0 unless open)."""
        if self._open_until is None:
            return 0.0
        return max(0.0, self._open_until - self._clock())

    def allow(self) -> bool:
        """May a request go to this route now? In half-open, True once: the caller is the
        trial and must report success, failure or release."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN or self._trial:
            return False
        self._trial = True
        return True

    def success(self) -> None:
        self._recent.append(True)
        self._consecutive = 0
        self._open_until = None
        self._trial = False

    def failure(self) -> None:
        self._recent.append(False)
        self._consecutive += 1
        failed = self._recent.count(False)
        tripped = self._consecutive >= self._failures or (
            len(self._recent) >= self._window // 2 and failed * 2 >= len(self._recent)
        )
        if self._open_until is not None or tripped:
            self._open(self._open_s)

    def release(self) -> None:
        """The trial ended without a verdict (e.g. the client went away): allow another."""
        self._trial = False

    def cool_down(self, seconds: float) -> None:
        """The route asked for a pause (429/503 with Retry-After): open at least that long."""
        until = self._clock() + seconds
        self._asked_until = max(self._asked_until, until)
        if self._open_until is None or until > self._open_until:
            self._open_until = until
        self._trial = False

    def probe_wanted(self) -> bool:
        """Open for failures (not at the route's own request) and no trial running: an
        active probe may close it."""
        return (
            self._open_until is not None and not self._trial and self._clock() >= self._asked_until
        )

    def probed(self) -> None:
        """An active probe succeeded: close without spending a real request as the trial, but
        on probation: the next failure opens it again."""
        if self.probe_wanted():
            self._open_until = None
            self._recent.clear()
            self._consecutive = self._failures - 1

    def _open(self, seconds: float) -> None:
        self._open_until = self._clock() + seconds
        self._recent.clear()
        self._trial = False
