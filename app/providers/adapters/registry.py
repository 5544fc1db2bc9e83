"""Pick the adapter for an endpoint by its provider `kind`, one instance per endpoint.

Instances outlive bundle reloads (GigaChat's token cache is per endpoint): the key is the
resolved endpoint itself, so a changed URL, key or setting gets a fresh adapter.
"""

from __future__ import annotations

from collections.abc import Callable

from app.providers.adapters.anthropic import Anthropic
from app.providers.adapters.base import Adapter
from app.providers.adapters.gigachat import GigaChat
from app.providers.adapters.openai_compatible import OpenAICompatible
from app.providers.adapters.yandex import YandexGPT
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed

__all__ = ["KINDS", "Adapters"]

KINDS: dict[str, Callable[[Endpoint, float], Adapter]] = {
    "openai-compatible": lambda endpoint, _: OpenAICompatible(endpoint),
    "yandexgpt": lambda endpoint, _: YandexGPT(endpoint),
    "anthropic": lambda endpoint, _: Anthropic(endpoint),
    "gigachat": GigaChat,
}


class Adapters:
    def __init__(self, token_timeout_s: float) -> None:
        self._token_timeout_s = token_timeout_s
        self._adapters: dict[Endpoint, Adapter] = {}

    def get(self, endpoint: Endpoint) -> Adapter:
        adapter = self._adapters.get(endpoint)
        if adapter is None:
            make = KINDS.get(endpoint.kind)
            if make is None:
                raise RouteFailed(f"unknown provider kind {endpoint.kind!r}")
            adapter = self._adapters[endpoint] = make(endpoint, self._token_timeout_s)
        return adapter
