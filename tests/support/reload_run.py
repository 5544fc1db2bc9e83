"""Load on a gateway while new bundle revisions are published: every response's status and
revision, in the order they completed (used by tests/integration/test_reload.py and
bench/bench_reload.py)."""

from __future__ import annotations

import asyncio
import bisect
import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

__all__ = ["ReloadRun", "run_with_publishes"]

_BODY = {"model": "auto", "messages": [{"role": "user", "content": "Summarise the week."}]}
# A published revision that no answer names by then, or a request not answered by then, fails
# the run instead of hanging it.
_SEEN_WITHIN_S = 30.0


@dataclass
class ReloadRun:
    # (completed at, status, revision), in completion order, and when each one started
    responses: list[tuple[float, int, str]] = field(default_factory=list)
    started: list[float] = field(default_factory=list)
    published_at: dict[str, float] = field(default_factory=dict)

    def first_seen(self, revision: str) -> float | None:
        return next((t for t, _, r in self.responses if r == revision), None)

    def served(self, revision: str) -> bool:
        return self.first_seen(revision) is not None

    def served_any(self) -> bool:
        return any(200 <= status < 300 for _, status, _ in self.responses)

    def failures(self) -> list[tuple[float, int, str]]:
        return [row for row in self.responses if not 200 <= row[1] < 300]

    def regressions(self, order: Sequence[str]) -> list[int]:
        """Responses served under an older revision than one a response that had already
        completed when they started was served under (revisions only move forward)."""
        rank = {revision: i for i, revision in enumerate(order)}
        rank[""] = 0  # a failed response names none; failures() reports it
        completed = [t for t, _, _ in self.responses]
        newest: list[int] = []
        for _, _, revision in self.responses:
            newest.append(max(newest[-1] if newest else 0, rank[revision]))
        regressed = []
        for index, (started, (_, status, revision)) in enumerate(
            zip(self.started, self.responses, strict=True)
        ):
            before = bisect.bisect_left(completed, started)
            if 200 <= status < 300 and before and rank[revision] < newest[before - 1]:
                regressed.append(index)
        return regressed


async def run_with_publishes(
    url: str,
    key: str,
    publishes: Sequence[tuple[str, Callable[[], None]]],
    *,
    concurrency: int,
    min_duration_s: float,
    settle_s: float = 0.5,
    rate: float | None = None,
) -> ReloadRun:
    """Load `url` with `concurrency` clients (each as fast as it is answered, or all together
    at `rate` requests/s); publish each revision once the one before it has been seen in a
    response; stop after `min_duration_s` and once the last one has been seen for `settle_s`."""
    run = ReloadRun()
    stop = asyncio.Event()
    start = time.monotonic()
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def client(session: aiohttp.ClientSession, offset: int) -> None:
        interval = concurrency / rate if rate else 0.0
        due = offset * interval / concurrency
        while not stop.is_set():
            if interval:
                due += interval
                await asyncio.sleep(max(0.0, due - (time.monotonic() - start)))
            began = time.monotonic() - start
            async with session.post(f"{url}/v1/chat/completions", json=_BODY) as response:
                await response.read()
                revision = response.headers.get("x-kordon-policy-revision", "")
                run.responses.append((time.monotonic() - start, response.status, revision))
                run.started.append(began)

    async def within(done: Callable[[], bool], failure: str) -> None:
        """Wait until `done()`; past _SEEN_WITHIN_S stop the clients and fail, naming the last
        answers."""
        by = time.monotonic() + _SEEN_WITHIN_S
        while not done():
            if time.monotonic() > by:
                stop.set()
                raise AssertionError(
                    f"{failure} within {_SEEN_WITHIN_S} s; last answers (time, status, "
                    f"revision): {run.responses[-5:]}"
                )
            await asyncio.sleep(0.01)

    async def publisher() -> None:
        await asyncio.sleep(0.5)
        # The first revision must have answered before the next one is published: on a loaded
        # machine 0.5 s may pass before any response.
        await within(run.served_any, "no request was served")
        for revision, publish in publishes:
            run.published_at[revision] = time.monotonic() - start
            await asyncio.to_thread(publish)
            await within(
                functools.partial(run.served, revision),
                f"{revision} not served after it was published",
            )
        await asyncio.sleep(max(settle_s, min_duration_s - (time.monotonic() - start)))
        stop.set()

    timeout = aiohttp.ClientTimeout(total=_SEEN_WITHIN_S)
    async with aiohttp.ClientSession(
        headers=headers, connector=connector, timeout=timeout
    ) as session:
        await asyncio.gather(publisher(), *(client(session, i) for i in range(concurrency)))
    return run
