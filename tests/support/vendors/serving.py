"""Run aiohttp apps on free loopback ports in a background thread (one loop for all)."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from aiohttp import web

__all__ = ["serving"]


@contextmanager
def serving(
    apps: Mapping[str, web.Application], tls: Mapping[str, ssl.SSLContext] | None = None
) -> Iterator[dict[str, int]]:
    """Start each app (over HTTPS where `tls` has a context for it); yield its port by name;
    stop them all on exit."""
    loop = asyncio.new_event_loop()
    runners: list[web.AppRunner] = []
    ports: dict[str, int] = {}

    async def start() -> None:
        for name, app in apps.items():
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=(tls or {}).get(name))
            await site.start()
            runners.append(runner)
            ports[name] = runner.addresses[0][1]

    async def stop() -> None:
        for runner in runners:
            await runner.cleanup()
        # Handlers still sleeping (a held "hang" or "drip") end here, not as pending tasks
        # destroyed with the loop.
        leftover = asyncio.all_tasks() - {asyncio.current_task()}
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)

    thread = threading.Thread(target=loop.run_forever, name="vendor-servers", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(start(), loop).result(10)
        yield ports
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
