"""Where each provider of a bundle is reached, from the environment it names, and at what price.

The bundle's `data.providers` says, per provider, which environment variables hold its base
URL and key (`endpoint.base_url_env`, `endpoint.api_key_env`) and, for some kinds, more settings
(`folder_env`, `auth_url_env`, `scope_env`, `ca_bundle_env`); the values themselves never enter
the bundle. `endpoint.replicas` names further replicas of the same models, each with its own
base-URL and key variables; a replica whose base URL is unset is not configured. Each variable
may instead be given as `<NAME>_FILE`, a file holding the value (a mounted secret); the variable
itself wins when both are set. A file that cannot be read leaves its replica (or, for a shared
setting, the whole provider) unconfigured, with a log line naming the variable and the path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.quota.amounts import Price

__all__ = ["Catalog", "Endpoint", "ModelFacts"]

log = logging.getLogger("kordon.providers")

_OPTIONS = ("folder", "auth_url", "scope", "ca_bundle")
# The replica label of the demo upstream, which has no variable of its own.
_DEMO = "demo"


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
    # Which replica of the provider this is: the name of its base-URL variable (never a value).
    replica: str = _DEMO

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
    # Per configured provider, its replicas (at least one), in the bundle's order.
    endpoints: Mapping[str, tuple[Endpoint, ...]]
    models: Mapping[tuple[str, str], ModelFacts] = field(default_factory=dict)

    @classmethod
    def from_bundle_data(
        cls,
        revision: str,
        providers: Mapping[str, object],
        environ: Mapping[str, str],
        fallback_base_url: str | None = None,
    ) -> Catalog:
        """Resolve each provider's replicas; `fallback_base_url` serves unconfigured ones
        (the labelled demo upstream of the embedded default, never set in production)."""
        endpoints: dict[str, tuple[Endpoint, ...]] = {}
        models: dict[tuple[str, str], ModelFacts] = {}
        for provider_id, spec in providers.items():
            if not isinstance(spec, dict):
                continue
            replicas = _replicas(provider_id, spec, environ)
            if replicas:
                endpoints[provider_id] = replicas
            elif fallback_base_url and replicas is not None:
                endpoints[provider_id] = (Endpoint(provider_id, fallback_base_url.rstrip("/")),)
            for model, facts in (spec.get("models") or {}).items():
                models[(provider_id, model)] = _facts(facts)
        return cls(revision, endpoints, models)


class _Unreadable(Exception):
    """A `<NAME>_FILE` secret could not be read: its variable, its path and why (never the
    contents)."""

    def __init__(self, variable: str, path: str, why: str) -> None:
        super().__init__(f"cannot read {variable}={path} ({why})")

    def log(self, scope: str) -> None:
        log.error("%s: %s; left unconfigured", scope, self)


def _replicas(
    provider: str, spec: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[Endpoint, ...] | None:
    """The configured replicas; None when a secret file made the provider unusable (it then
    gets no demo fallback either: it was meant to be real)."""
    names: Mapping[str, Any] = spec.get("endpoint") or {}
    kind = str(spec.get("kind", "openai-compatible"))
    try:
        options = tuple(
            (option, value)
            for option in _OPTIONS
            if (value := _setting(environ, names.get(f"{option}_env")))
        )
    except _Unreadable as exc:
        exc.log(f"provider {provider}")
        return None
    found: list[Endpoint] = []
    broken = False
    for replica in [names, *(names.get("replicas") or ())]:
        label = replica.get("base_url_env")
        try:
            base_url = _setting(environ, label)
            api_key = _setting(environ, replica.get("api_key_env"))
        except _Unreadable as exc:
            exc.log(f"provider {provider}, replica {label}")
            broken = True
            continue
        if base_url and isinstance(label, str):
            found.append(Endpoint(provider, base_url.rstrip("/"), api_key, kind, options, label))
    return None if broken and not found else tuple(found)


def _setting(environ: Mapping[str, str], name: object) -> str | None:
    """The value of the variable `name`, else the contents of the file `<name>_FILE` names
    (_Unreadable when that file cannot be read as text)."""
    if not isinstance(name, str) or not name:
        return None
    if value := environ.get(name):
        return value
    if path := environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                why = "not UTF-8 text"
            else:
                why = exc.strerror or type(exc).__name__
            raise _Unreadable(f"{name}_FILE", path, why) from None
    return None


def _facts(spec: Mapping[str, Any]) -> ModelFacts:
    price = spec.get("price")
    return ModelFacts(
        Price.of(price["currency"], price["input_per_mtok"], price["output_per_mtok"])
        if isinstance(price, dict)
        else None,
        spec.get("context_tokens"),
    )
