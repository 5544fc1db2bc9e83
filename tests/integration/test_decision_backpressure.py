"""Decision backpressure: no more than the pool's size of decisions reach OPA at once, the rest
wait in the gateway, and a decision that waits past its bound fails closed (503
policy_unreachable, OpenAI format) without reaching OPA or the upstream.

A loopback proxy in front of the real OPA counts the decisions that reach it and holds each one
until the test opens its gate; everything else (health, bundle data) passes straight through.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import openai
import pytest
from aiohttp import web

from app.errors import PolicyUnavailable
from app.policy.opa import DECISION_PATH, DecisionClient, PolicyResult
from app.policy.opa_wire import PoolTimeout
from tests.integration.conftest import Stack
from tests.support.clients import openai_client
from tests.support.processes import running_gateway, running_opa
from tests.support.recorded import make_input

DOCUMENT = make_input(1, tenant="acme-ru", sensitivity="personal", categories={"email": 1})
HELD_PATH = DECISION_PATH.split("?")[0]
# Generous: only a decision that is never let through may run into it.
NEVER_S = 60.0


class HoldingProxy:
    """Forwards to `target` on its own thread and event loop; holds decisions until `open()`."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.arrived = self.in_flight = self.max_in_flight = 0
        self._counts = threading.Condition()
        self._started = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    def __enter__(self) -> HoldingProxy:
        self._thread.start()
        assert self._started.wait(NEVER_S)
        return self

    def __exit__(self, *_: object) -> None:
        self.open()  # a failed test may leave decisions held
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(NEVER_S)

    def open(self) -> None:
        self._loop.call_soon_threadsafe(self._gate.set)

    def wait_arrived(self, count: int) -> None:
        with self._counts:
            assert self._counts.wait_for(lambda: self.arrived >= count, NEVER_S)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._gate, self._stop = asyncio.Event(), asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.url = "http://{}:{}".format(*runner.addresses[0][:2])
        async with aiohttp.ClientSession() as self._session:
            self._started.set()
            await self._stop.wait()
        await runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        held = request.method == "POST" and request.path == HELD_PATH
        if held:
            with self._counts:
                self.arrived += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                self._counts.notify_all()
            await self._gate.wait()
        try:
            async with self._session.request(
                request.method,
                self.target + request.path_qs,
                data=body,
                headers={"Content-Type": request.content_type},
            ) as answer:
                return web.Response(
                    status=answer.status, body=await answer.read(), content_type=answer.content_type
                )
        finally:
            if held:
                with self._counts:
                    self.in_flight -= 1


@pytest.fixture
def proxy(bundle: tuple[Path, str]) -> Iterator[HoldingProxy]:
    with running_opa(bundle[0]) as (opa_url, _), HoldingProxy(opa_url) as holding:
        yield holding


def test_decisions_past_the_pool_wait_in_the_gateway_and_the_wait_fails_closed(
    proxy: HoldingProxy, bundle: tuple[Path, str]
) -> None:
    client = DecisionClient(proxy.url, NEVER_S, pool_size=2, queue_timeout_s=0.2)

    async def scenario() -> tuple[list[BaseException], list[PolicyResult]]:
        await client.start()
        try:
            tasks = [asyncio.create_task(client.decide(DOCUMENT, f"req_{i}")) for i in range(5)]
            # Two decisions are held at OPA's door; the other three can only end by waiting.
            done: set[asyncio.Task[PolicyResult]] = set()
            while len(done) < 3:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            waited = [task.exception() for task in done]
            assert proxy.arrived == 2
            proxy.open()
            return [e for e in waited if e is not None], await asyncio.gather(
                *(task for task in tasks if task not in done)
            )
        finally:
            await client.close()

    failures, answered = asyncio.run(scenario())
    assert len(failures) == 3
    for failure in failures:
        assert isinstance(failure, PolicyUnavailable)
        assert failure.code == "policy_unreachable"
        assert isinstance(failure.__cause__, PoolTimeout)
    assert [(r.decision.allow, r.revision) for r in answered] == [(True, bundle[1])] * 2
    assert proxy.arrived == proxy.max_in_flight == 2


def test_a_burst_queues_behind_the_pool_and_every_decision_is_answered(
    proxy: HoldingProxy, bundle: tuple[Path, str]
) -> None:
    client = DecisionClient(proxy.url, NEVER_S, pool_size=3, queue_timeout_s=NEVER_S)

    async def burst() -> list[PolicyResult]:
        await client.start()
        try:
            tasks = [asyncio.create_task(client.decide(DOCUMENT, f"req_{i}")) for i in range(12)]
            await asyncio.to_thread(proxy.wait_arrived, 3)
            proxy.open()
            return await asyncio.gather(*tasks)
        finally:
            await client.close()

    answered = asyncio.run(burst())
    assert [(r.decision.allow, r.revision) for r in answered] == [(True, bundle[1])] * 12
    assert proxy.arrived == 12
    assert proxy.max_in_flight == 3


def test_the_gateway_refuses_a_request_whose_decision_waited_too_long(
    proxy: HoldingProxy, stack: Stack, tmp_path: Path
) -> None:
    env = {
        **stack.provider_env,
        "KORDON_OPA_TIMEOUT_S": str(NEVER_S),
        "KORDON_OPA_POOL_SIZE": "1",
        "KORDON_OPA_QUEUE_TIMEOUT_S": "0.3",
    }
    with (
        running_gateway(proxy.url, stack.keys_file, env, tmp_path / "gw.log") as url,
        ThreadPoolExecutor(1) as pool,
    ):
        client = openai_client(f"{url}/v1", stack.keys["acme-ru"], timeout=NEVER_S)
        messages: list[openai.types.chat.ChatCompletionMessageParam] = [
            {"role": "user", "content": "first in line"}
        ]
        first = pool.submit(client.chat.completions.create, model="auto", messages=messages)
        proxy.wait_arrived(1)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(
                model="auto", messages=[{"role": "user", "content": "second in line"}]
            )
        assert sum(stack.received().values()) == 0
        proxy.open()
        answer = first.result(NEVER_S)
    assert caught.value.status_code == 503
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "policy_unreachable"
    assert caught.value.body["type"]
    assert answer.choices[0].message.content
    assert sum(stack.received().values()) == 1
    assert proxy.arrived == 1
