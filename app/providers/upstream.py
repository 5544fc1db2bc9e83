"""One pooled client for every upstream, failing over before the first byte.

The endpoint's adapter (by provider kind) builds the vendor request and translates the answer,
so what this returns is always in the OpenAI wire format.
"""

from __future__ import annotations

import asyncio

import aiohttp

from app.http import PooledClient
from app.providers.adapters.base import Malformed, Outbound, UpstreamRequest
from app.providers.adapters.registry import Adapters
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed, retry_after_s
from app.providers.response import UpstreamResponse
from app.schemas.contract import Route

__all__ = ["RouteFailed", "UpstreamClient", "retry_after_s"]

# The gateway's own credentials were refused: the route is misconfigured, not the request.
_REFUSED = (401, 403)


class UpstreamClient(PooledClient):
    def __init__(
        self,
        *,
        connect_timeout_s: float,
        first_byte_timeout_s: float,
        read_timeout_s: float,
        pool_size: int,
    ) -> None:
        super().__init__(
            pool_size,
            aiohttp.ClientTimeout(
                total=None, sock_connect=connect_timeout_s, sock_read=read_timeout_s
            ),
        )
        self._first_byte_s = first_byte_timeout_s
        # A stream's reads are timed by the relay's idle watch (one timer per stream,
        # app/providers/stream.py); aiohttp's read timeout would re-arm a timer on every chunk.
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout_s, sock_read=None
        )
        # A token request (GigaChat) gets the same bound as a call's first byte.
        self._adapters = Adapters(connect_timeout_s + first_byte_timeout_s)

    async def open(
        self, endpoint: Endpoint, route: Route, outbound: Outbound, request_id: str
    ) -> UpstreamResponse:
        """Send one request and return the answer once its headers (a stream) or its whole
        body arrived, translated to the OpenAI wire format.

        The caller owns the response and must release it. Raises RouteFailed for every
        failure that happens before the first byte, so the caller can try the next route.
        """
        if self._session is None:
            raise RouteFailed("upstream client is not started")
        adapter = self._adapters.get(endpoint)
        request = await adapter.prepare(route, outbound)
        response = await self._send(self._session, request, request_id, outbound.stream)
        if response.status >= 500 or response.status == 429 or response.status in _REFUSED:
            response.release()
            if response.status in _REFUSED and request.rejected is not None:
                request.rejected()
            raise RouteFailed(
                f"upstream refused the gateway's credentials (HTTP {response.status})"
                if response.status in _REFUSED
                else f"upstream answered HTTP {response.status}",
                response.status,
                retry_after_s(response.headers.get("Retry-After")),
            )
        if outbound.stream and response.status == 200:
            return UpstreamResponse(response, translator=adapter.stream(route))
        try:
            body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RouteFailed(f"response body cut short ({type(exc).__name__})") from exc
        finally:
            response.release()
        try:
            translated = adapter.translate_body(route, response.status, body)
        except Malformed as exc:
            raise RouteFailed(str(exc), response.status) from exc
        return UpstreamResponse(response, _scrubbed(translated, request))

    async def probe(self, endpoint: Endpoint) -> bool:
        """Is the endpoint up? Its adapter's probe (a model list: no tokens spent) answered 200
        within the first-byte timeout. False when it cannot be probed or its credentials
        cannot be had; a refused token is dropped, as after a call."""
        if self._session is None:
            return False
        try:
            request = await self._adapters.get(endpoint).probe()
        except RouteFailed:
            return False
        if request is None:
            return False
        try:
            async with (
                asyncio.timeout(self._first_byte_s),
                self._session.get(
                    request.url, headers=request.headers, ssl=request.ssl or True
                ) as response,
            ):
                if response.status in _REFUSED and request.rejected is not None:
                    request.rejected()
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def _send(
        self,
        session: aiohttp.ClientSession,
        request: UpstreamRequest,
        request_id: str,
        stream: bool,
    ) -> aiohttp.ClientResponse:
        headers = {**request.headers, "X-Request-ID": request_id}
        try:
            async with asyncio.timeout(self._first_byte_s):
                return await session.post(
                    request.url,
                    data=request.body,
                    headers=headers,
                    ssl=request.ssl or True,
                    timeout=self._stream_timeout if stream else self._timeout,
                )
        except TimeoutError as exc:
            raise RouteFailed("timeout before the first byte") from exc
        except aiohttp.ClientError as exc:
            raise RouteFailed(f"connection failed ({type(exc).__name__})") from exc


def _scrubbed(body: bytes, request: UpstreamRequest) -> bytes:
    """A vendor may echo a credential in an error body; it never reaches the client."""
    for name in ("Authorization", "x-api-key"):
        secret = request.headers.get(name, "").rpartition(" ")[2].encode()
        if len(secret) >= 8 and secret in body:
            body = body.replace(secret, b"[redacted]")
    return body
