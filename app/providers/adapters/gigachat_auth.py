"""GigaChat's OAuth tokens: client credentials, cached, refreshed before they expire.

A token request sends the authorization key as `Authorization: Basic …`, a fresh `RqUID`
(uuid4) and the configured scope (GIGACHAT_API_PERS, _B2B or _CORP). Concurrent requests that
find no fresh token wait on one refresh instead of each fetching its own. TLS is verified
against the configured CA bundle (Sber's Russian Trusted Root CA), never switched off.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import uuid
from collections.abc import Callable

import aiohttp

from app.providers.adapters.base import Malformed, json_object
from app.providers.failures import RouteFailed, retry_after_s

__all__ = ["REFRESH_MARGIN_S", "GigaChatTokens", "tls_context"]

# A token is replaced this long before it expires, so no request carries one that dies in flight.
REFRESH_MARGIN_S = 60.0


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """Verification on, against `ca_bundle` (a PEM file) when given, else the system store."""
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise RouteFailed(f"the CA bundle cannot be read ({type(exc).__name__})") from exc


class GigaChatTokens:
    def __init__(
        self,
        url: str,
        key: str,
        scope: str,
        tls: ssl.SSLContext,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = url
        self._key = key
        self._scope = scope

        self._timeout_s = timeout_s
        self._clock = clock
        self._token: str | None = None
        self._expires_at_s = 0.0
        self._refresh = asyncio.Lock()
        self.tls = tls
        self.fetched = 0  # token requests sent (the tests count them)

    async def token(self) -> str:
        if (token := self._fresh()) is not None:
            return token
        async with self._refresh:
            if (token := self._fresh()) is None:
                token, self._expires_at_s = await self._fetch()
                self._token = token
            return token

    def drop(self) -> None:
        """The API refused the token: fetch a new one next time."""
        self._token = None

    def _fresh(self) -> str | None:
        if self._token and self._clock() < self._expires_at_s - REFRESH_MARGIN_S:
            return self._token
        return None

    async def _fetch(self) -> tuple[str, float]:
        self.fetched += 1
        headers = {
            "Authorization": f"Basic {self._key}",
            "RqUID": str(uuid.uuid4()),
            "Accept": "application/json",
        }
        timeout = aiohttp.ClientTimeout(total=self._timeout_s)
        connector = aiohttp.TCPConnector(ssl=self.tls)
        try:
            async with (
                aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
                session.post(self._url, data={"scope": self._scope}, headers=headers) as answer,
            ):
                body = await answer.read()
                status, retry_after = answer.status, answer.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RouteFailed(f"GigaChat token request failed ({type(exc).__name__})") from exc
        if status != 200:
            wait = retry_after_s(retry_after)
            raise RouteFailed(f"GigaChat token request answered HTTP {status}", status, wait)
        try:
            document = json_object(body)
        except Malformed as exc:
            raise RouteFailed(f"GigaChat token answer unreadable: {exc}") from exc
        token, expires_at = document.get("access_token"), document.get("expires_at")
        if not isinstance(token, str) or not isinstance(expires_at, int):
            raise RouteFailed("GigaChat token answer lacks access_token or expires_at")
        return token, expires_at / 1000
