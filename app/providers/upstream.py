"""One pooled aiohttp client for every OpenAI-compatible upstream.

aiohttp, not httpx, on this path: in the same benchmark run httpx's pool cost grew with
concurrency and the gateway served a tenth of the requests (README, "Why aiohttp").
"""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from app.providers.catalog import Endpoint

__all__ = ["RouteFailed", "UpstreamClient"]


class RouteFailed(Exception):
    """A route failed before its first byte: connection error, timeout or 5xx. Fall back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UpstreamClient:
    def __init__(
        self,
        *,
        connect_timeout_s: float,
        first_byte_timeout_s: float,
        read_timeout_s: float,
        pool_size: int,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout_s, sock_read=read_timeout_s
        )
        self._first_byte_s = first_byte_timeout_s
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=60)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            json_serialize=lambda obj: orjson.dumps(obj).decode(),
            # No Accept-Encoding: bodies are relayed and restored as they arrive, which a
            # compressed body would not allow.
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
            auto_decompress=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def open(
        self, endpoint: Endpoint, path: str, body: bytes, request_id: str
    ) -> aiohttp.ClientResponse:
        """Send one request and return the response once its headers arrived.

        The caller owns the response and must release it. Raises RouteFailed for every
        failure that happens before the first byte, so the caller can try the next route.
        """
        if self._session is None:
            raise RouteFailed("upstream client is not started")
        headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        try:
            async with asyncio.timeout(self._first_byte_s):
                response = await self._session.post(
                    endpoint.base_url + path, data=body, headers=headers
                )
        except TimeoutError as exc:
            raise RouteFailed("timeout before the first byte") from exc
        except aiohttp.ClientError as exc:
            raise RouteFailed(f"connection failed ({type(exc).__name__})") from exc
        if response.status >= 500:
            response.release()
            raise RouteFailed(f"upstream answered HTTP {response.status}")
        return response
