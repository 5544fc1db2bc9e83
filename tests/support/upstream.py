"""Recording OpenAI-compatible upstreams on loopback: the demo server plus a tape of requests.

Each fixture server runs the same aiohttp app that `kordon serve` uses as its demo upstream,
in a thread of its own, and records every body it received so tests can prove what left.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web

from app.providers.demo import create_demo_app

__all__ = ["RecordingUpstream", "running_upstreams"]


@dataclass
class RecordingUpstream:
    name: str
    port: int = 0
    received: list[dict[str, object]] = field(default_factory=list)
    fail_status: int | None = None
    delay_s: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def hook(self, _path: str, body: dict[str, object]) -> int | None:
        self.received.append(body)
        await asyncio.sleep(self.delay_s)
        return self.fail_status

    def reset(self) -> None:
        self.received.clear()
        self.fail_status = None
        self.delay_s = 0.0


@contextmanager
def running_upstreams(names: list[str]) -> Iterator[dict[str, RecordingUpstream]]:
    """Start one recording upstream per name on free loopback ports; stop them on exit."""
    upstreams = {name: RecordingUpstream(name) for name in names}
    loop = asyncio.new_event_loop()
    runners: list[web.AppRunner] = []
    started = threading.Event()

    async def start() -> None:
        for upstream in upstreams.values():
            runner = web.AppRunner(create_demo_app(upstream.name, upstream.hook), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            upstream.port = runner.addresses[0][1]
            runners.append(runner)

    def run() -> None:
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="upstreams", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("upstream fixture servers did not start")
    try:
        yield upstreams
    finally:

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
