"""The reads the gateway makes of OPA off the request path: `/health` (readiness, the sidecar's
start-up wait) and `/v1/data/<path>` (the bundle's data and its active revision).

Two GETs on aiohttp, which the gateway holds anyway. opa-python-client did this before; its
package also imports its synchronous client, and with it requests and urllib3: ~6.6 MiB of the
gateway's RSS and 150 modules for these two calls (docs/performance.md, "Memory by component").
Unlike it, nothing here retries, and an answer other than 200 is an error, not missing data.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import aiohttp
import orjson

__all__ = ["OpaAdmin"]


class OpaAdmin:
    """One connection pool to OPA's REST API at `url` (e.g. `http://127.0.0.1:8181`), open
    inside `async with`; each call gives up after `timeout_s`."""

    def __init__(self, url: str, timeout_s: float = 1.0) -> None:
        self._url = url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> OpaAdmin:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("OpaAdmin used outside `async with`")
        return self._session

    async def healthy(self, *, bundles: bool = False) -> bool:
        """Whether OPA answers `/health`; with `bundles`, whether it has activated them too."""
        url = f"{self._url}/health?bundles" if bundles else f"{self._url}/health"
        try:
            async with self._client.get(url) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def data(self, path: str) -> Any:
        """The document `data.<path>` (`path` with `/` between segments); None when OPA has no
        such document. Raises aiohttp.ClientError (an answer other than 200 too) or
        TimeoutError."""
        async with self._client.get(f"{self._url}/v1/data/{path}") as response:
            response.raise_for_status()
            body = await response.json(loads=orjson.loads)
        return body.get("result") if isinstance(body, dict) else None

    async def wait_ready(
        self, timeout_s: float, *, bundles: bool, interval_s: float = 0.05
    ) -> None:
        """Poll `healthy` until it holds; TimeoutError once `timeout_s` has passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not await self.healthy(bundles=bundles):
            if loop.time() >= deadline:
                raise TimeoutError(f"OPA at {self._url} not ready within {timeout_s} s")
            await asyncio.sleep(interval_s)
