"""Keep the OPA child running: restart it when it exits, give up on a crash loop.

Restarts use the same command (same bundle source, same settings), after an exponential
backoff with jitter: about 0.1 s first, doubling, capped. `max_failures` exits within
`window_s` end supervision: `gave_up` is set with a message naming the last status and OPA's
last stderr lines, and `kordon serve` exits non-zero so an orchestrator restarts the pod.
Requests fail closed meanwhile: the decision client finds no OPA and answers 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable

from app.policy.sidecar import OpaProcess, SidecarFailed, wait_for_opa

__all__ = ["OpaSupervisor"]

log = logging.getLogger("kordon.opa")


class OpaSupervisor:
    def __init__(
        self,
        process: OpaProcess,
        *,
        max_failures: int,
        window_s: float,
        first_delay_s: float = 0.1,
        max_delay_s: float = 5.0,
    ) -> None:
        self.process = process
        self.restarts = 0
        self.gave_up = asyncio.Event()
        self.failure = ""
        # Called as soon as OPA exits, before any restart (the decision memo forgets).
        self.on_exit: Callable[[], None] | None = None
        self._max_failures = max_failures
        self._window_s = window_s
        self._first_delay_s = first_delay_s
        self._max_delay_s = max_delay_s
        self._exits: deque[float] = deque()
        self._task: asyncio.Task[None] | None = None

    async def start(self, timeout_s: float = 30.0, *, bundles: bool) -> None:
        """Spawn OPA and wait until it answers (with `bundles`: until its bundle is active);
        raise SidecarFailed if it never does or supervision gives up first."""
        await self.process.spawn()
        self._task = asyncio.create_task(self._supervise())
        ready = asyncio.create_task(
            wait_for_opa(self.process.host, self.process.port, timeout_s, bundles=bundles)
        )
        gave_up = asyncio.create_task(self.gave_up.wait())
        await asyncio.wait({ready, gave_up}, return_when=asyncio.FIRST_COMPLETED)
        gave_up.cancel()
        if self.gave_up.is_set():
            ready.cancel()
            raise SidecarFailed(self.failure)
        ready.result()

    async def _supervise(self) -> None:
        while True:
            status = await self.process.wait()
            if self.on_exit is not None:
                self.on_exit()
            now = time.monotonic()
            self._exits.append(now)
            while self._exits and now - self._exits[0] > self._window_s:
                self._exits.popleft()
            tail = "\n".join(self.process.stderr_tail) or "(nothing on stderr)"
            log.error("OPA (pid %s) exited with status %s; its last stderr lines:\n%s",
                      self.process.pid, status, tail)  # fmt: skip
            if len(self._exits) >= self._max_failures:
                self.failure = (
                    f"OPA exited {len(self._exits)} times within {self._window_s:g} s "
                    f"(last status {status}); giving up. Its last stderr lines:\n{tail}"
                )
                log.critical("%s", self.failure)
                self.gave_up.set()
                return
            await asyncio.sleep(self._delay(len(self._exits)))
            await self.process.spawn()
            self.restarts += 1
            log.warning("OPA restarted (restart %d)", self.restarts)

    def _delay(self, failures: int) -> float:
        # "Equal jitter": half the exponential delay fixed, half random, so restarts of many
        # replicas do not align while the first one still comes well under a second.
        delay = min(self._max_delay_s, self._first_delay_s * 2.0 ** (failures - 1))
        return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not crypto

    async def stop(self) -> None:
        """Stop supervising, then stop OPA (the last step of a shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.process.stop()
