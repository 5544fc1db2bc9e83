"""The one way the gateway opens an HTTP client pool to its upstreams.

aiohttp, not httpx: in the same benchmark run a burst of 32 concurrent decisions took 16 ms
through aiohttp and 54 ms through httpx.AsyncClient (README, "Why aiohttp"). The decision call
to OPA has a leaner pool of its own (`app/policy/opa_wire.py`).
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

__all__ = ["PooledClient", "pooled_session"]


def pooled_session(
    pool_size: int, timeout: aiohttp.ClientTimeout, unix_socket: Path | None = None
) -> aiohttp.ClientSession:
    """A keep-alive pool that sends bodies as given and relays answers as they arrive.

    At most `pool_size` requests are in flight; the others wait in the gateway for a free
    connection, for at most `timeout.connect` (which also covers opening the connection):
    backpressure without a clock running at the server (the OPA decision pool, `opa.py`).

    No User-Agent, and no Accept-Encoding: OPA would otherwise gzip every decision on the core
    it shares with the gateway, and an upstream's compressed body could not be restored or
    relayed as it streams. No cookies: a cookie one upstream answer sets (a CDN's bot cookie, a
    vendor's session) would otherwise ride along on every later request to that host, whichever
    tenant sends it. With `unix_socket`, every connection goes to that socket (the OPA
    sidecar: no TCP stack on either side; a few per cent more decisions per core,
    bench/bench_opa_socket.py).
    """
    connector: aiohttp.BaseConnector = (
        aiohttp.UnixConnector(str(unix_socket), limit=pool_size, keepalive_timeout=60)
        if unix_socket is not None
        else aiohttp.TCPConnector(limit=pool_size, keepalive_timeout=60)
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        skip_auto_headers=("User-Agent", "Accept-Encoding"),
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class PooledClient:
    """Owns one pooled session between `start()` and `close()` (the app's lifespan)."""

    def __init__(
        self, pool_size: int, timeout: aiohttp.ClientTimeout, unix_socket: Path | None = None
    ) -> None:
        self._pool_size = pool_size
        self._timeout = timeout
        self._unix_socket = unix_socket
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = pooled_session(self._pool_size, self._timeout, self._unix_socket)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
