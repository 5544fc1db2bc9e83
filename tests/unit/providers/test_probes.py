"""Active probes: one GET of its model list per open replica, built by its vendor's adapter,
against real servers on loopback (vendors' from cassettes written from their references); a 200
closes the circuit, anything else leaves it open."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from app.providers.catalog import Endpoint
from app.providers.health import BreakerSettings, HealthBoard
from app.providers.probes import Prober
from app.providers.upstream import UpstreamClient
from tests.support.vendors.cassettes import Reply, VendorServer, vendor_app
from tests.support.vendors.serving import serving
from tests.support.vendors.tls import make_ca


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
        assert server.seen == [None]  # no key configured, none sent; keyless anthropic not probed

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


GIGACHAT_KEY = base64.b64encode(b"client-id-0001:client-secret-0002").decode()
GIGACHAT_TOKEN = orjson.loads(Reply.of("gigachat", "token.json").body)["access_token"]


@dataclass
class Vendors:
    anthropic: VendorServer
    yandex: VendorServer
    gigachat: VendorServer
    endpoints: list[Endpoint]


@pytest.fixture
def vendors(tmp_path: Path) -> Iterator[Vendors]:
    ca = make_ca(tmp_path)
    anthropic = VendorServer(default=Reply.of("anthropic", "models.json"))
    yandex = VendorServer(default=Reply.of("yandexgpt", "models.json"))
    gigachat = VendorServer(
        by_path={"/oauth": [Reply.of("gigachat", "token.json")]},
        default=Reply.of("gigachat", "models.json"),
    )
    apps = {"a": vendor_app(anthropic), "y": vendor_app(yandex), "g": vendor_app(gigachat)}
    with serving(apps, tls={"g": ca.server}) as ports:
        giga = f"https://127.0.0.1:{ports['g']}"
        endpoints = [
            Endpoint(
                "claude", f"http://127.0.0.1:{ports['a']}/v1", "sk-ant-probe", "anthropic",
                replica="A",
            ),
            Endpoint(
                "yandex", f"http://127.0.0.1:{ports['y']}/v1", "AQVN-probe", "yandexgpt",
                (("folder", "b1gexamplefolder"),), replica="Y",
            ),
            Endpoint(
                "gigachat", f"{giga}/api/v1", GIGACHAT_KEY, "gigachat",
                (("auth_url", f"{giga}/api/v2/oauth"), ("ca_bundle", str(ca.ca_file))),
                replica="G",
            ),
        ]  # fmt: skip
        yield Vendors(anthropic, yandex, gigachat, endpoints)


def test_each_vendor_is_probed_with_the_credentials_a_call_sends(vendors: Vendors) -> None:
    async def test(prober: Prober, board: HealthBoard) -> None:
        for endpoint in vendors.endpoints:
            _open(board, endpoint)
        assert await prober.round() == 3
        assert _states(board) == {"A": "closed", "Y": "closed", "G": "closed"}

    _run(test)
    [anthropic] = vendors.anthropic.received
    assert (anthropic.method, anthropic.path, anthropic.query) == ("GET", "/v1/models", "limit=1")
    assert anthropic.headers["x-api-key"] == "sk-ant-probe"
    assert anthropic.headers["anthropic-version"] == "2023-06-01"
    [yandex] = vendors.yandex.received
    assert (yandex.method, yandex.path) == ("GET", "/v1/models")
    assert yandex.headers["Authorization"] == "Api-Key AQVN-probe"
    assert yandex.headers["x-folder-id"] == "b1gexamplefolder"
    token, models = vendors.gigachat.received  # the OAuth token first, over the test CA
    assert (token.method, token.path) == ("POST", "/api/v2/oauth")
    assert (models.method, models.path) == ("GET", "/api/v1/models")
    assert models.headers["Authorization"] == f"Bearer {GIGACHAT_TOKEN}"


def test_a_refused_gigachat_token_is_dropped_and_fetched_again(vendors: Vendors) -> None:
    vendors.gigachat.plan = [Reply.of("gigachat", "error_401.json", status=401)]

    async def test(prober: Prober, board: HealthBoard) -> None:
        gigachat = vendors.endpoints[2]
        _open(board, gigachat)
        assert await prober.round() == 0  # 401: still open, and the token is dropped
        assert await prober.round() == 1
        assert _states(board) == {"G": "closed"}

    _run(test)
    assert vendors.gigachat.paths() == [
        "/api/v2/oauth",
        "/api/v1/models",
        "/api/v2/oauth",
        "/api/v1/models",
    ]


def test_a_vendor_without_credentials_is_not_probed(vendors: Vendors) -> None:
    async def test(prober: Prober, board: HealthBoard) -> None:
        for endpoint in vendors.endpoints:
            _open(board, Endpoint(endpoint.provider, endpoint.base_url, None, endpoint.kind,
                                  endpoint.options, endpoint.replica))  # fmt: skip
        assert await prober.round() == 0
        assert _states(board) == {"A": "open", "Y": "open", "G": "open"}

    _run(test)
    assert vendors.anthropic.received == vendors.yandex.received == []
    assert vendors.gigachat.received == []
