"""Where each provider of a bundle is reached, from the environment it names, and at what price.

The bundle's `data.providers` says, per provider, which environment variables hold its base
URL and key (`endpoint.base_url_env`, `endpoint.api_key_env`) and, for some kinds, more settings
(`folder_env`, `auth_url_env`, `scope_env`, `ca_bundle_env`); the values themselves never enter
the bundle. Each variable may instead be given as `<NAME>_FILE`, a file holding the value (a
mounted secret); the variable itself wins when both are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.quota.amounts import Price

__all__ = ["Catalog", "Endpoint", "ModelFacts"]


_OPTIONS = ("folder", "auth_url", "scope", "ca_bundle")


@dataclass(frozen=True, slots=True)
class Endpoint:
    provider: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    # Which adapter speaks to it (data.providers[*].kind); the demo upstream is always
    # openai-compatible.
    kind: str = "openai-compatible"
    # Kind-specific settings resolved from the environment, as sorted (name, value) pairs.
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str | None:
        return dict(self.options).get(name)


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
            base_url = _setting(environ, names.get("base_url_env"))
            if base_url:
                endpoints[provider_id] = Endpoint(
                    provider_id,
                    base_url.rstrip("/"),
                    _setting(environ, names.get("api_key_env")),
                    str(spec.get("kind", "openai-compatible")),
                    tuple(
                        (option, value)
                        for option in _OPTIONS
                        if (value := _setting(environ, names.get(f"{option}_env")))
                    ),
                )
            elif fallback_base_url:
                endpoints[provider_id] = Endpoint(provider_id, fallback_base_url.rstrip("/"))
            for model, facts in (spec.get("models") or {}).items():
                models[(provider_id, model)] = _facts(facts)
        return cls(revision, endpoints, models)


def _setting(environ: Mapping[str, str], name: object) -> str | None:
    """The value of the variable `name`, else the contents of the file `<name>_FILE` names."""
    if not isinstance(name, str) or not name:
        return None
    if value := environ.get(name):
        return value
    if path := environ.get(f"{name}_FILE"):
        return Path(path).read_text(encoding="utf-8").strip() or None
    return None


def _facts(spec: Mapping[str, Any]) -> ModelFacts:
    price = spec.get("price")
    return ModelFacts(
        Price.of(price["currency"], price["input_per_mtok"], price["output_per_mtok"])
        if isinstance(price, dict)
        else None,
        spec.get("context_tokens"),
    )
