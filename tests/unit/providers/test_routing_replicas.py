"""Replicas of one provider: least outstanding requests first, a dead one skipped once its
circuit opens, every replica of a route tried before the next route. The real router and
upstream client against chaos upstreams on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from app.providers.adapters.base import Outbound
from app.providers.budget import RetryBudget
from app.providers.catalog import Catalog, Endpoint
from app.providers.health import BreakerSettings, HealthBoard
from app.providers.routing import Opened, Router, RoutesExhausted
from app.providers.upstream import UpstreamClient
from app.schemas.contract import Route
from tests.support.processes import free_port
from tests.support.vendors.chaos import ChaosUpstream, chaos_app
from tests.support.vendors.serving import serving

BODY = Outbound("chat.completions", {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
VLLM, OTHER = Route(provider="vllm", model="m"), Route(provider="other", model="m")


@dataclass
class Fleet:
    upstreams: dict[str, ChaosUpstream]
    tape: list[str]
    ports: dict[str, int]

    def catalog(self, dead: tuple[str, ...] = ()) -> Catalog:
        """vllm with replicas a, b, c; other with one replica, o."""

        def endpoint(provider: str, name: str) -> Endpoint:
            port = free_port() if name in dead else self.ports[name]
            return Endpoint(provider, f"http://127.0.0.1:{port}/v1", replica=name)

        vllm = tuple(endpoint("vllm", name) for name in "abc")
        return Catalog("r", {"vllm": vllm, "other": (endpoint("other", "o"),)})


@pytest.fixture(scope="module")
def servers() -> Iterator[Fleet]:
    tape: list[str] = []
    upstreams = {name: ChaosUpstream(name, tape) for name in "abco"}
    with serving({name: chaos_app(u) for name, u in upstreams.items()}) as ports:
        yield Fleet(upstreams, tape, ports)


@pytest.fixture
def fleet(servers: Fleet) -> Fleet:
    servers.tape.clear()
    for upstream in servers.upstreams.values():
        upstream.plan.clear()
    return servers


def _run(
    test: Callable[[Router, HealthBoard], Awaitable[None]], budget: RetryBudget | None = None
) -> None:
    async def main() -> None:
        client = UpstreamClient(
            connect_timeout_s=1, first_byte_timeout_s=5, read_timeout_s=5, pool_size=8
        )
        await client.start()
        board = HealthBoard(BreakerSettings(failures=2, open_s=3600))
        try:
            await test(Router(client, board, budget or RetryBudget()), board)
        finally:
            await client.close()

    asyncio.run(main())


def _served(opened: Opened, finish: bool = True) -> Opened:
    opened.response.release()
    if finish:
        opened.lease.finish(True)
    return opened


def _state(board: HealthBoard, replica: str) -> dict[str, object]:
    (row,) = [r for r in board.snapshot() if r["replica"] == replica]
    return row


def test_a_busy_replica_gets_no_new_request_until_it_is_free(fleet: Fleet) -> None:
    catalog = fleet.catalog()

    async def test(router: Router, board: HealthBoard) -> None:
        held = _served(await router.open_first([VLLM], catalog, BODY, "r1"), finish=False)
        assert _state(board, "a")["outstanding"] == 1
        for index in range(4):
            _served(await router.open_first([VLLM], catalog, BODY, f"r{index + 2}"))
        # a still holds its request: the others took turns (fewest requests breaks ties).
        assert fleet.tape == ["a", "b", "c", "b", "c"]
        held.lease.finish(True)
        _served(await router.open_first([VLLM], catalog, BODY, "r6"))
        assert fleet.tape[-1] == "a"
        assert [(r["replica"], r["requests"], r["outstanding"]) for r in board.snapshot()] == [
            ("a", 2, 0),
            ("b", 2, 0),
            ("c", 2, 0),
        ]

    _run(test)


def test_a_dead_replica_is_skipped_once_its_circuit_opens(fleet: Fleet) -> None:
    catalog = fleet.catalog(dead=("a",))

    async def test(router: Router, board: HealthBoard) -> None:
        first = _served(await router.open_first([VLLM], catalog, BODY, "r1"))
        # Refused by a, served by the next replica of the same route.
        assert first.route == VLLM
        (failed,) = first.attempts
        assert (failed.replica, failed.reason) == ("a", "connection failed (ClientConnectorError)")
        for index in range(8):
            _served(await router.open_first([VLLM], catalog, BODY, f"r{index + 2}"))
        dead = _state(board, "a")
        assert (dead["state"], dead["requests"], dead["failures"]) == ("open", 2, 2)
        assert set(fleet.tape) == {"b", "c"}
        assert len(fleet.tape) == 9
        # An open replica is ranked last: not even a skip to note while the others serve.
        assert _served(await router.open_first([VLLM], catalog, BODY, "r10")).attempts == []
        for name in "bc":
            fleet.upstreams[name].plan = ["http_500"]
        with pytest.raises(RoutesExhausted) as caught:
            await router.open_first([VLLM], catalog, BODY, "r11")
        assert [(a.replica, a.reason.split(" (")[0]) for a in caught.value.attempts] == [
            ("b", "upstream answered HTTP 500"),
            ("c", "upstream answered HTTP 500"),
            ("a", "circuit open"),
        ]
        assert _state(board, "a")["requests"] == 2  # no call while open

    _run(test)


def test_every_replica_of_a_route_is_tried_before_the_next_route(fleet: Fleet) -> None:
    for name in "abc":
        fleet.upstreams[name].plan = ["http_500"]
    catalog = fleet.catalog()

    async def test(router: Router, board: HealthBoard) -> None:
        opened = _served(await router.open_first([VLLM, OTHER], catalog, BODY, "r1"))
        assert opened.route == OTHER
        assert [(a.provider, a.replica, a.status) for a in opened.attempts] == [
            ("vllm", "a", 500),
            ("vllm", "b", 500),
            ("vllm", "c", 500),
        ]
        assert fleet.tape == ["a", "b", "c", "o"]

    _run(test)


def test_a_failover_to_another_replica_spends_the_retry_budget(fleet: Fleet) -> None:
    fleet.upstreams["a"].plan = ["http_500"]
    catalog = fleet.catalog()

    async def test(router: Router, board: HealthBoard) -> None:
        with pytest.raises(RoutesExhausted) as caught:
            await router.open_first([VLLM, OTHER], catalog, BODY, "r1")
        assert [(a.replica, a.reason) for a in caught.value.attempts] == [
            ("a", "upstream answered HTTP 500"),
            ("b", "retry budget exhausted"),
        ]
        assert fleet.tape == ["a"]

    _run(test, RetryBudget(ratio=0, min_per_s=0))
