"""Active probes: one GET /models per open OpenAI-compatible replica, against a real server on
loopback; a 200 closes the circuit, anything else leaves it open."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from app.providers.catalog import Endpoint
from app.providers.health import BreakerSettings, HealthBoard
from app.providers.probes import Prober
from app.providers.upstream import UpstreamClient
from tests.support.vendors.serving import serving


@dataclass
class ModelsServer:
    status: int = 200
    seen: list[str | None] = field(default_factory=list)
    url: str = ""

    def app(self) -> web.Application:
        async def models(request: web.Request) -> web.Response:
            self.seen.append(request.headers.get("Authorization"))
            return web.json_response({"object": "list", "data": []}, status=self.status)

        app = web.Application()
        app.router.add_get("/v1/models", models)
        return app


@pytest.fixture
def server() -> Iterator[ModelsServer]:
    models = ModelsServer()
    with serving({"m": models.app()}) as ports:
        models.url = f"http://127.0.0.1:{ports['m']}/v1"
        yield models


def _open(board: HealthBoard, endpoint: Endpoint, model: str = "m") -> None:
    """What the router leaves behind after a replica failed until its circuit opened."""
    health = board.route(endpoint.provider, model, endpoint.replica)
    health.endpoint = endpoint
    for _ in range(2):
        health.started()
        health.ended(False, "upstream answered HTTP 500")


def _run(test: Callable[[Prober, HealthBoard], Awaitable[None]]) -> None:
    async def main() -> None:
        client = UpstreamClient(
            connect_timeout_s=1, first_byte_timeout_s=2, read_timeout_s=2, pool_size=4
        )
        await client.start()
        board = HealthBoard(BreakerSettings(failures=2, open_s=3600))
        try:
            await test(Prober(board, client, interval_s=0.01), board)
        finally:
            await client.close()

    asyncio.run(main())


def _states(board: HealthBoard) -> dict[str, object]:
    return {str(r["replica"]): r["state"] for r in board.snapshot()}


async def _eventually(check: Callable[[], bool]) -> None:
    """Yield to the probe loop until `check` holds (bounded: a loop that never gets there fails
    the test instead of hanging it)."""
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the probe loop never got there")


def test_a_probe_that_answers_closes_the_circuit(server: ModelsServer) -> None:
    up = Endpoint("vllm", server.url, "probe-key", replica="A")
    busy = Endpoint("vllm", server.url, "probe-key", replica="B")

    async def test(prober: Prober, board: HealthBoard) -> None:
        _open(board, up)
        _open(board, busy)
        board.route("vllm", "m", "B").breaker.cool_down(600)  # Retry-After: not probed
        assert await prober.round() == 1
        assert _states(board) == {"A": "closed", "B": "open"}
        assert server.seen == ["Bearer probe-key"]
        assert await prober.round() == 0  # a closed circuit is not probed

    _run(test)


def test_a_probe_that_fails_leaves_the_circuit_open(server: ModelsServer) -> None:
    server.status = 503

    async def test(prober: Prober, board: HealthBoard) -> None:
        _open(board, Endpoint("vllm", server.url, replica="A"))
        _open(board, Endpoint("claude", server.url, kind="anthropic", replica="C"))
        assert await prober.round() == 0
        assert _states(board) == {"A": "open", "C": "open"}
        assert server.seen == [None]  # no key configured, none sent; anthropic not probed

    _run(test)


def test_the_background_loop_probes_until_the_replica_is_back(server: ModelsServer) -> None:
    server.status = 503

    async def test(prober: Prober, board: HealthBoard) -> None:
        _open(board, Endpoint("vllm", server.url, replica="A"))
        async with prober.running():
            await _eventually(lambda: len(server.seen) >= 2)
            assert _states(board) == {"A": "open"}  # failed probes keep it open
            server.status = 200
            await _eventually(lambda: _states(board) == {"A": "closed"})

    _run(test)
