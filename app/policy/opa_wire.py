"""The decision call's keep-alive HTTP/1.1 pool to OPA: one POST, one answer, nothing else.

Not aiohttp, unlike the gateway's upstream calls: its general machinery (URL objects, header
multidicts, cookie and trace hooks, per-request timers) cost 217-269 µs of the gateway's CPU
per decision call against 90-102 µs here (`bench/bench_decision_client.py`); with the decision
memo off the call was 14 % of the gateway's profile, now 4 % (`bench/profiles/opa-wire.txt`,
`round5-memooff-json.txt`). The wire
format is that of one known server answering one fixed request shape: the request is written
as bytes, the answer is parsed by httptools (llhttp, the parser uvicorn serves the gateway
with), so no HTTP parsing is hand-written.

Bounds, as the aiohttp pool had them: at most `size` exchanges at once; a caller waits for a
free connection at most `queue_timeout_s`; connecting takes at most `timeout_s`, and so does
the answer once sent. A connection idle for `keepalive_s` (60, as aiohttp's pool had it) is
closed instead of reused, so a proxy in front of an operator's OPA that drops idle connections
meets few stale ones. Nothing is retried: an exchange that fails for any reason raises
(`WireError`, `PoolTimeout`, or TimeoutError for a late answer) and its connection is closed,
never reused.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import httptools

__all__ = ["OpaWire", "PoolTimeout", "WireError"]


class WireError(Exception):
    """The exchange failed before a complete answer arrived (the message says how, no data)."""


class PoolTimeout(TimeoutError):
    """No connection of the pool came free within the queue bound; nothing was sent."""


class _Connection(asyncio.Protocol):
    """One connection; at most one exchange in flight on it."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._chunks: list[bytes] = []
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail("OPA closed the connection")

    def data_received(self, data: bytes) -> None:
        if self._answer is None:  # bytes nobody asked for: the connection is out of step
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail("OPA's answer is not HTTP/1.1")
            self.close()

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        answer, self._answer = self._answer, None
        body = b"".join(self._chunks)
        self._chunks.clear()
        if not self._parser.should_keep_alive():
            self.close()
        if answer is not None and not answer.done():
            answer.set_result((self._parser.get_status_code(), body))

    def exchange(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self._transport is not None
        assert self._answer is None
        self._answer = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return self._answer

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()

    def _fail(self, message: str) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            answer.set_exception(WireError(message))


class OpaWire:
    """POSTs to one OPA over a pool of at most `size` keep-alive connections."""

    def __init__(
        self,
        base_url: str,
        *,
        size: int,
        timeout_s: float,
        queue_timeout_s: float,
        unix_socket: Path | None = None,
        keepalive_s: float = 60.0,
    ) -> None:
        url = urlsplit(base_url)
        self._unix_socket = unix_socket
        self._host = url.hostname or "localhost"
        self._port = url.port or (443 if url.scheme == "https" else 80)
        self._ssl = ssl.create_default_context() if url.scheme == "https" else None
        # Over a Unix socket the Host header names no host; a URL's user info never leaves.
        authority = "opa" if unix_socket is not None else url.netloc.rpartition("@")[2]
        self._head = f"Host: {authority}\r\nContent-Type: application/json\r\n".encode()
        self._prefix = url.path.rstrip("/")
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Connection] = []
        self._timeout_s = timeout_s
        self._queue_timeout_s = queue_timeout_s
        self._keepalive_s = keepalive_s
        self._closed = False

    async def post(self, path: str, body: bytes, request_id: str) -> tuple[int, bytes]:
        """(status, body) of OPA's answer to one POST; WireError or TimeoutError otherwise."""
        if not (request_id.isascii() and request_id.isprintable()):  # no header injection
            raise ValueError("the request id is not a printable ASCII header value")
        request = b"".join((
            b"POST ", (self._prefix + path).encode(), b" HTTP/1.1\r\n", self._head,
            b"X-Request-ID: ", request_id.encode(), b"\r\nContent-Length: ",
            str(len(body)).encode(), b"\r\n\r\n", body,
        ))  # fmt: skip
        connection = await self._acquire()
        deadline: asyncio.TimerHandle | None = None
        try:
            answer = connection.exchange(request)
            deadline = asyncio.get_running_loop().call_later(self._timeout_s, _expire, answer)
            return await answer
        except BaseException:
            connection.close()  # mid-exchange (timeout, cancellation, error): out of step
            raise
        finally:
            if deadline is not None:
                deadline.cancel()
            self._release(connection)

    async def close(self) -> None:
        """Close the idle connections now, the busy ones as their exchanges end."""
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def _acquire(self) -> _Connection:
        if self._slots.locked():  # the queue bound runs only for a caller that has to wait
            try:
                async with asyncio.timeout(self._queue_timeout_s):
                    await self._slots.acquire()
            except TimeoutError as exc:
                raise PoolTimeout from exc
        else:
            await self._slots.acquire()
        try:
            return self._idle_connection() or await self._open()
        except BaseException:
            self._slots.release()
            raise

    def _idle_connection(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()  # the most recently used first
            if connection.closed:
                continue
            if now - connection.idle_since > self._keepalive_s:
                connection.close()
                continue
            return connection
        return None

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout_s):
                if self._unix_socket is not None:
                    _, connection = await loop.create_unix_connection(
                        _Connection, str(self._unix_socket)
                    )
                else:
                    _, connection = await loop.create_connection(
                        _Connection, self._host, self._port, ssl=self._ssl
                    )
        except OSError as exc:
            raise WireError(f"cannot connect to OPA ({type(exc).__name__})") from exc
        return connection

    def _release(self, connection: _Connection) -> None:
        if self._closed:
            connection.close()
        elif not connection.closed:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        self._slots.release()


def _expire(answer: asyncio.Future[tuple[int, bytes]]) -> None:
    if not answer.done():
        answer.set_exception(TimeoutError())
