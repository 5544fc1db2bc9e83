"""One pooled client for every OpenAI-compatible upstream, failing over before the first byte."""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime

import aiohttp

from app.http import PooledClient
from app.providers.catalog import Endpoint

__all__ = ["RouteFailed", "UpstreamClient", "retry_after_s"]


class RouteFailed(Exception):
    """A route failed before its first byte: connection error, timeout, 429 or 5xx. Fall back.

    `status` is the upstream's HTTP status when it answered; `retry_after_s` what its
    Retry-After asked for (the route cools down that long).
    """

    def __init__(
        self, reason: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


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
        if response.status >= 500 or response.status == 429:
            response.release()
            raise RouteFailed(
                f"upstream answered HTTP {response.status}",
                response.status,
                retry_after_s(response.headers.get("Retry-After")),
            )
        return response
