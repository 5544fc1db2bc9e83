"""YandexGPT through Yandex AI Studio's OpenAI-compatible API.

Differences from plain OpenAI-compatible: models are URIs in the folder
(`gpt://<folder>/<model>/latest`, embeddings `emb://…`), the folder goes in `x-folder-id` and
`OpenAI-Project`, the key is sent as `Api-Key` (an IAM token, which starts with `t1.`, as
Bearer), and `x-data-logging-enabled: false` is sent unless the decision's provider_logging
allows the vendor to keep request logs (compliance owns that, in Rego).
"""

from __future__ import annotations

from app.providers.adapters.base import Outbound, ProbeRequest, UpstreamRequest
from app.providers.adapters.openai_compatible import OpenAICompatible
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed
from app.schemas.contract import Route

__all__ = ["YandexGPT"]

_IAM_PREFIX = "t1."


class YandexGPT(OpenAICompatible):
    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(endpoint)
        self._folder = endpoint.option("folder")
        self._key = endpoint.api_key

    async def prepare(self, route: Route, outbound: Outbound) -> UpstreamRequest:
        if not self._folder or not self._key:
            raise RouteFailed("yandexgpt needs a folder id and a key (see docs/providers.md)")
        return await super().prepare(route, outbound)

    def model_name(self, route: Route) -> str:
        if "://" in route.model:
            return route.model
        scheme = "emb" if route.model.startswith("text-search") else "gpt"
        return f"{scheme}://{self._folder}/{route.model}/latest"

    def headers(self, outbound: Outbound) -> dict[str, str]:
        return {
            **super().headers(outbound),
            "x-data-logging-enabled": "true" if outbound.provider_logging else "false",
        }

    def credentials(self) -> dict[str, str]:
        key = self._key or ""
        scheme = "Bearer" if key.startswith(_IAM_PREFIX) else "Api-Key"
        return {
            "Authorization": f"{scheme} {key}",
            "x-folder-id": self._folder or "",
            "OpenAI-Project": self._folder or "",
        }

    async def probe(self) -> ProbeRequest | None:
        """AI Studio's OpenAI-compatible `GET /models` (listModels), with the same credentials."""
        if not self._folder or not self._key:
            return None
        return await super().probe()
