"""Where each provider of a bundle is reached, from the environment it names, and at what price.

The bundle's `data.providers` says, per provider, which environment variables hold its base
URL and key (`endpoint.base_url_env`, `endpoint.api_key_env`); the values themselves never
enter the bundle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.quota.amounts import Price

__all__ = ["Catalog", "Endpoint", "ModelFacts"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    provider: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What quotas need to know of one (provider, model): its price and context window."""

    price: Price | None
    context_tokens: int | None


@dataclass(frozen=True, slots=True)
class Catalog:
    revision: str
    endpoints: Mapping[str, Endpoint]
    models: Mapping[tuple[str, str], ModelFacts] = field(default_factory=dict)

    @classmethod
    def from_bundle_data(
        cls,
        revision: str,
        providers: Mapping[str, object],
        environ: Mapping[str, str],
        fallback_base_url: str | None = None,
    ) -> Catalog:
        """Resolve each provider's endpoint; `fallback_base_url` serves unconfigured ones
        (the labelled demo upstream of the embedded default, never set in production)."""
        endpoints: dict[str, Endpoint] = {}
        models: dict[tuple[str, str], ModelFacts] = {}
        for provider_id, spec in providers.items():
            if not isinstance(spec, dict):
                continue
            names = spec.get("endpoint", {})
            base_url = environ.get(str(names.get("base_url_env", ""))) or fallback_base_url
            if base_url:
                api_key = environ.get(str(names.get("api_key_env", ""))) or None
                endpoints[provider_id] = Endpoint(provider_id, base_url.rstrip("/"), api_key)
            for model, facts in (spec.get("models") or {}).items():
                models[(provider_id, model)] = _facts(facts)
        return cls(revision, endpoints, models)


def _facts(spec: Mapping[str, Any]) -> ModelFacts:
    price = spec.get("price")
    return ModelFacts(
        Price.of(price["currency"], price["input_per_mtok"], price["output_per_mtok"])
        if isinstance(price, dict)
        else None,
        spec.get("context_tokens"),
    )
