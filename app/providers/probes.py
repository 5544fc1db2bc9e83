"""Optional active probes: close an open circuit without spending a real request as its trial.

Every `interval_s`, each replica whose circuit opened for failures (not one that asked for a
pause with Retry-After, nor one whose half-open trial is running) gets one GET of its model
list, built by its vendor's adapter with the credentials a call sends (OpenAI-compatible and
YandexGPT `GET /models`, Anthropic `GET /models?limit=1`, GigaChat `GET /models` with its OAuth
token); a 200 closes its circuit on probation (the next failure opens it again). A replica
with no credentials to probe with keeps the half-open trial. Off unless
KORDON_PROBE_INTERVAL_S is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from app.providers.health import HealthBoard
from app.providers.upstream import UpstreamClient

__all__ = ["Prober"]

log = logging.getLogger("kordon.providers")


class Prober:
    def __init__(self, board: HealthBoard, client: UpstreamClient, interval_s: float) -> None:
        self._board = board
        self._client = client
        self._interval_s = interval_s

    async def round(self) -> int:
        """Probe every candidate once, concurrently; return how many circuits closed."""
        targets = [
            (health, endpoint)
            for health in self._board.probe_targets()
            if (endpoint := health.endpoint) is not None
        ]
        results = await asyncio.gather(*(self._client.probe(e) for _, e in targets))
        closed = 0
        for (health, endpoint), up in zip(targets, results, strict=True):
            if up:
                health.breaker.probed()
                closed += 1
                log.info(
                    "probe: %s replica %s answers again; circuit closed",
                    endpoint.provider,
                    endpoint.replica,
                )
        return closed

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Probe rounds in the background while the context is open."""
        task = asyncio.create_task(self._loop(), name="kordon-probes")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.round()
            except Exception:  # a background loop must not die silently
                log.exception("probe round failed")
