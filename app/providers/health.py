"""Passive health per (provider, model, replica), learned from live traffic, with its breaker.

Every attempt the router makes is recorded here: its outcome, how long the upstream took to
answer (headers) and, for streams, to send its first event, and how many requests it has in
flight (the router balances replicas by it). The admin endpoint shows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.providers.breaker import Breaker
from app.providers.catalog import Endpoint

__all__ = ["BreakerSettings", "HealthBoard", "RouteHealth"]

# Weight of the newest sample in the moving averages (about the last ten requests).
_ALPHA = 0.2


def _average(current: float | None, sample: float) -> float:
    return sample if current is None else current + _ALPHA * (sample - current)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    failures: int = 5
    open_s: float = 30.0
    window: int = 20


@dataclass(slots=True)
class RouteHealth:
    breaker: Breaker
    requests: int = 0
    failures: int = 0
    outstanding: int = 0
    latency_ms: float | None = None
    first_token_ms: float | None = None
    last_error: str | None = None
    recent: list[bool] = field(default_factory=list)
    # The replica as the router last called it (what an active probe calls).
    endpoint: Endpoint | None = None

    def started(self) -> None:
        self.requests += 1
        self.outstanding += 1

    def answered(self, latency_s: float) -> None:
        self.latency_ms = _average(self.latency_ms, latency_s * 1000)

    def first_token(self, elapsed_s: float) -> None:
        self.first_token_ms = _average(self.first_token_ms, elapsed_s * 1000)

    def ended(self, ok: bool, reason: str | None = None) -> None:
        self.outstanding = max(0, self.outstanding - 1)
        self.recent = [*self.recent[-99:], ok]
        if ok:
            self.breaker.success()
        else:
            self.failures += 1
            self.last_error = reason
            self.breaker.failure()

    def snapshot(self) -> dict[str, object]:
        recent = self.recent
        return {
            "state": self.breaker.state.value,
            "open_for_s": round(self.breaker.open_for_s(), 3),
            "requests": self.requests,
            "failures": self.failures,
            "outstanding": self.outstanding,
            "error_rate": round(recent.count(False) / len(recent), 3) if recent else None,
            "latency_ms": _rounded(self.latency_ms),
            "first_token_ms": _rounded(self.first_token_ms),
            "last_error": self.last_error,
        }


class HealthBoard:
    """One RouteHealth per (provider, model, replica), created on first use."""

    def __init__(
        self, settings: BreakerSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings or BreakerSettings()
        self._clock = clock
        self._routes: dict[tuple[str, str, str], RouteHealth] = {}

    def route(self, provider: str, model: str, replica: str) -> RouteHealth:
        key = (provider, model, replica)
        health = self._routes.get(key)
        if health is None:
            s = self._settings
            health = RouteHealth(Breaker(s.failures, s.open_s, s.window, self._clock))
            self._routes[key] = health
        return health

    def probe_targets(self) -> list[RouteHealth]:
        """Routes whose circuit an active probe may close (open for failures)."""
        return [h for h in self._routes.values() if h.endpoint and h.breaker.probe_wanted()]

    def snapshot(self) -> list[dict[str, object]]:
        return [
            {"provider": provider, "model": model, "replica": replica, **health.snapshot()}
            for (provider, model, replica), health in sorted(self._routes.items())
        ]
