"""The decision call's pool against a real HTTP server on loopback (asyncio streams, answering
as scripted): keep-alive reuse, its bounds, and every way an exchange can fail closed. Every
test runs on asyncio's own loop and on uvloop, the gateway's."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import TypeVar

import pytest
import uvloop

from app.policy.opa_wire import OpaWire, PoolTimeout, WireError
from tests.support.vendors.tls import make_ca

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'
T = TypeVar("T")
Script = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}
loop_factory = asyncio.new_event_loop


@pytest.fixture(autouse=True, params=sorted(LOOPS))
def _each_loop(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.loop_factory", LOOPS[request.param])


def run_loop(main: Coroutine[object, object, T]) -> T:
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main)


class Server:
    """Reads one request at a time per connection and lets `script` answer it."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                await self.script(request, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def answer_ok(_: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(OK)
    await writer.drain()


def run(
    script: Script,
    exercise: Callable[[OpaWire], Awaitable[T]],
    **bounds: float,
) -> tuple[Server, T]:
    server = Server(script)
    return server, run_on(server, exercise, bounds)


def run_on(
    server: Server,
    exercise: Callable[[OpaWire], Awaitable[T]],
    bounds: Mapping[str, float] | None = None,
    *,
    url: str = "http://127.0.0.1:{port}",
    tls: ssl.SSLContext | None = None,
) -> T:
    """`exercise` a pool of the given bounds against `server`, listening on loopback (`url`
    names its port `{port}`; `tls` makes it an HTTPS server)."""
    bounds = bounds or {}

    async def main() -> T:
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
        port = listening.sockets[0].getsockname()[1]
        wire = OpaWire(
            url.format(port=port),
            size=int(bounds.get("size", 2)),
            timeout_s=bounds.get("timeout_s", 2.0),
            queue_timeout_s=bounds.get("queue_timeout_s", 2.0),
            keepalive_s=bounds.get("keepalive_s", 60.0),
        )
        try:
            return await exercise(wire)
        finally:
            await wire.close()
            listening.close()

    return run_loop(main())


def test_sequential_calls_share_one_connection_and_send_the_request_as_given() -> None:
    async def three(wire: OpaWire) -> object:
        return [await wire.post("/v1/data/x?provenance", b'{"input":1}', "req_1") for _ in "abc"]

    server, answers = run(answer_ok, three)
    assert answers == [(200, b'{"ok":true}')] * 3
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/data/x?provenance HTTP/1.1"
    assert b"X-Request-ID: req_1" in lines
    assert b"Content-Length: 11" in lines
    assert body == b'{"input":1}'


def test_the_host_header_names_the_host_and_never_user_info() -> None:
    server = Server(answer_ok)
    run_on(
        server,
        lambda wire: wire.post("/v1/x", b"{}", "r"),
        url="http://kordon:s3cret@127.0.0.1:{port}/base",
    )
    (request,) = server.requests
    assert request.startswith(b"POST /base/v1/x HTTP/1.1\r\n")
    assert b"Host: 127.0.0.1:" in request
    assert b"s3cret" not in request
    assert b"kordon@" not in request


def test_a_chunked_answer_is_joined_and_a_status_is_passed_on() -> None:
    async def chunked(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(b'3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n')
        await writer.drain()

    _, answer = run(chunked, lambda wire: wire.post("/p", b"{}", "r"))
    assert answer == (500, b'{"a":1}')


def test_a_connection_idle_past_the_keepalive_is_replaced() -> None:
    async def apart(wire: OpaWire) -> object:
        first = await wire.post("/p", b"{}", "r")
        await asyncio.sleep(0.3)
        return [first, await wire.post("/p", b"{}", "r"), await wire.post("/p", b"{}", "r")]

    server, answers = run(answer_ok, apart, keepalive_s=0.2)
    assert answers == [(200, b'{"ok":true}')] * 3
    assert server.connections == 2  # the idle one replaced once, the new one reused at once


def test_closing_the_pool_closes_a_busy_connection_when_its_exchange_ends() -> None:
    gate = asyncio.Event()
    lost = asyncio.Event()

    async def held(_: bytes, writer: asyncio.StreamWriter) -> None:
        await gate.wait()
        writer.write(OK)
        await writer.drain()

    class Watched(Server):
        async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await super().handle(reader, writer)
            lost.set()  # the client closed its end

    async def close_while_busy(wire: OpaWire) -> object:
        call = asyncio.create_task(wire.post("/p", b"{}", "r"))
        await asyncio.sleep(0.1)
        await wire.close()
        gate.set()
        answer = await call
        await asyncio.wait_for(lost.wait(), 2.0)
        return answer

    server = Watched(held)
    assert run_on(server, close_while_busy) == (200, b'{"ok":true}')


def test_connection_close_is_honoured() -> None:
    async def closing(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(OK.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
        await writer.drain()
        writer.close()

    async def two(wire: OpaWire) -> object:
        return [await wire.post("/p", b"{}", "r") for _ in "ab"]

    server, answers = run(closing, two)
    assert answers == [(200, b'{"ok":true}')] * 2
    assert server.connections == 2


@pytest.mark.parametrize(
    "reply",
    [b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"cut', b"SMTP ready\r\n\r\n", b""],
    ids=["closed-mid-answer", "not-http", "closed-before-answer"],
)
def test_a_broken_answer_fails_and_its_connection_is_not_reused(reply: bytes) -> None:
    async def broken(_: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(reply)
        await writer.drain()
        writer.close()

    async def twice(wire: OpaWire) -> list[str]:
        failures = []
        for _ in "ab":
            with pytest.raises(WireError) as caught:
                await wire.post("/p", b"{}", "r")
            failures.append(str(caught.value))
        return failures

    server, failures = run(broken, twice)
    assert server.connections == 2
    assert all("OPA" in message for message in failures)  # and nothing the server sent


def test_an_answer_later_than_the_timeout_fails_and_the_connection_is_dropped() -> None:
    async def first_slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        if b"req_late" in request:
            await asyncio.sleep(0.5)
        writer.write(OK)
        await writer.drain()

    async def late_then_on_time(wire: OpaWire) -> object:
        with pytest.raises(TimeoutError):
            await wire.post("/p", b"{}", "req_late")
        return await wire.post("/p", b"{}", "req_next")

    server, answer = run(first_slow, late_then_on_time, timeout_s=0.1)
    assert answer == (200, b'{"ok":true}')
    assert server.connections == 2  # the late answer can never be read as the next one's


def test_no_more_than_size_exchanges_at_once_and_a_waiter_gives_up_at_its_bound() -> None:
    gate = asyncio.Event()
    in_flight = [0, 0]  # now, most

    async def held(_: bytes, writer: asyncio.StreamWriter) -> None:
        in_flight[0] += 1
        in_flight[1] = max(in_flight[1], in_flight[0])
        await gate.wait()
        in_flight[0] -= 1
        writer.write(OK)
        await writer.drain()

    async def crowd(wire: OpaWire) -> object:
        calls = [asyncio.create_task(wire.post("/p", b"{}", "r")) for _ in range(3)]
        await asyncio.sleep(0.3)  # past the queue bound: the third waiter has given up
        gate.set()
        return await asyncio.gather(*calls, return_exceptions=True)

    server, results = run(held, crowd, size=2, queue_timeout_s=0.1)
    assert isinstance(results, list)
    assert results[:2] == [(200, b'{"ok":true}')] * 2
    assert isinstance(results[2], PoolTimeout)
    assert in_flight[1] == 2
    assert len(server.requests) == 2


def test_a_waiter_gets_the_connection_the_first_one_frees() -> None:
    async def crowd(wire: OpaWire) -> object:
        return await asyncio.gather(*(wire.post("/p", b"{}", "r") for _ in range(5)))

    server, results = run(answer_ok, crowd, size=1, queue_timeout_s=2.0)
    assert results == [(200, b'{"ok":true}')] * 5
    assert server.connections == 1


def test_a_cancelled_exchange_drops_its_connection() -> None:
    async def silent(_: bytes, __: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def cancel(wire: OpaWire) -> object:
        call = asyncio.create_task(wire.post("/p", b"{}", "r"))
        await asyncio.sleep(0.1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        with pytest.raises(TimeoutError):  # a new connection, not the one out of step
            await asyncio.wait_for(wire.post("/p", b"{}", "r"), 0.2)
        return None

    server, _ = run(silent, cancel)
    assert server.connections == 2


def test_nothing_listening_fails_as_a_wire_error(tmp_path: Path) -> None:
    async def main() -> None:
        wire = OpaWire(
            "http://opa", size=1, timeout_s=1, queue_timeout_s=1, unix_socket=tmp_path / "no.sock"
        )
        with pytest.raises(WireError, match="cannot connect"):
            await wire.post("/p", b"{}", "r")

    run_loop(main())


@pytest.mark.parametrize("request_id", ["req\r\nX-Injected: 1", "req\n", "réq"])
def test_a_request_id_that_is_not_a_header_value_is_refused(request_id: str) -> None:
    async def refused(wire: OpaWire) -> object:
        with pytest.raises(ValueError, match="header value"):
            await wire.post("/p", b"{}", request_id)
        return None

    server, _ = run(answer_ok, refused)
    assert server.requests == []


def test_an_https_opa_is_reached_over_verified_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's OPA behind https (`KORDON_OPA_URL`): the system's trust store verifies
    it, here a test CA named the OpenSSL way (`SSL_CERT_FILE`); an unknown CA fails closed."""
    ca = make_ca(tmp_path)
    server = Server(answer_ok)

    def post(trusted: bool) -> tuple[int, bytes]:
        if trusted:
            monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
        else:
            monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        return run_on(
            server,
            lambda wire: wire.post("/p", b"{}", "r"),
            url="https://127.0.0.1:{port}",
            tls=ca.server,
        )

    assert post(trusted=True) == (200, b'{"ok":true}')
    with pytest.raises(WireError, match=r"cannot connect to OPA \(SSLCertVerificationError\)"):
        post(trusted=False)
    assert len(server.requests) == 1
