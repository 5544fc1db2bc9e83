"""`kordon serve` freezes what startup loaded, so full collections skip it (memory-gc.md)."""

from __future__ import annotations

import asyncio
import gc
import socket

import uvicorn

from app.cli.serve import _Server


async def _app(scope: object, receive: object, send: object) -> None:
    raise AssertionError("no request is served here")


async def _start_and_stop(server: uvicorn.Server, sock: socket.socket) -> list[object]:
    server.config.load()  # what uvicorn.Server.serve does before startup
    server.lifespan = server.config.lifespan_class(server.config)
    await server.startup([sock])
    try:
        return gc.get_objects()  # the collector's generations; frozen objects are not in them
    finally:
        await server.shutdown()


def test_startup_freezes_what_was_loaded_before_it() -> None:
    loaded = [{"table": i} for i in range(1000)]  # stands in for startup's modules and tables
    server = _Server(uvicorn.Config(_app, loop="none", lifespan="off", log_level="warning"))
    gc.unfreeze()
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            collected = asyncio.run(_start_and_stop(server, sock))
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(o is loaded or o is loaded[0] for o in collected)
    finally:
        gc.unfreeze()
