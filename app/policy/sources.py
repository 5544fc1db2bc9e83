"""Where the OPA sidecar gets its policy, as arguments for `opa run`.

Two forms reach OPA:
- the embedded default, built once from the repository's rego/ + data/: `--bundle FILE`;
- a bundle OPA polls (a service, or a local bundle the gateway serves on loopback, see
  `local_bundles.py`): OPA's own `services`/`bundles` configuration in a private file
  passed with `--config-file`. Only this form verifies signatures on every reload: OPA's
  `--watch` reloads a `--bundle` file without checking its signature (measured with OPA
  1.22.2: an unsigned replacement was activated), so a local bundle is never watched.

No secret is on OPA's command line or in the file: the bearer token is read by OPA from
`credentials.bearer.token_path`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "BUNDLE_NAME",
    "Polling",
    "Verification",
    "embedded_args",
    "opa_config",
    "polled_args",
    "private_directory",
]

# The bundle's name in OPA's configuration; `data.system.bundles` lists it under this key.
BUNDLE_NAME = "kordon"
_SERVICE = "bundles"


@dataclass(frozen=True, slots=True)
class Polling:
    min_delay_s: int
    max_delay_s: int
    long_polling_timeout_s: int | None = None


@dataclass(frozen=True, slots=True)
class Verification:
    """The public key a bundle must be signed with (RS256, ES256, …)."""

    key_file: Path
    key_id: str = "kordon"
    algorithm: str = "RS256"
    scope: str | None = None


def embedded_args(bundle: Path) -> list[str]:
    return ["--bundle", str(bundle)]


def private_directory() -> Path:
    """A new owner-only (0700) directory for OPA's configuration and persisted bundle."""
    return Path(tempfile.mkdtemp(prefix="kordon-opa-"))


def polled_args(
    bundle_url: str,
    private_dir: Path,
    *,
    polling: Polling,
    token_file: Path | None = None,
    verification: Verification | None = None,
) -> list[str]:
    """Write OPA's configuration for polling `bundle_url` into `private_dir` (owner-only)."""
    config = opa_config(
        bundle_url,
        private_dir / "persist",
        polling=polling,
        token_file=token_file,
        verification=verification,
    )
    path = private_dir / "opa-config.json"  # JSON is YAML: OPA reads either
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file was already there with another mode
    with os.fdopen(descriptor, "w") as out:
        json.dump(config, out, indent=2)
    return ["--config-file", str(path)]


def opa_config(
    bundle_url: str,
    persistence_dir: Path,
    *,
    polling: Polling,
    token_file: Path | None = None,
    verification: Verification | None = None,
) -> dict[str, object]:
    """OPA's `services`/`bundles`/`keys` configuration for one polled, persisted bundle."""
    parts = urlsplit(bundle_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the bundle URL must be http(s)://host[:port]/path")
    service: dict[str, object] = {"url": f"{parts.scheme}://{parts.netloc}"}
    if token_file is not None:
        service["credentials"] = {"bearer": {"token_path": str(token_file.resolve())}}
    timing: dict[str, int] = {
        "min_delay_seconds": polling.min_delay_s,
        "max_delay_seconds": max(polling.min_delay_s, polling.max_delay_s),
    }
    if polling.long_polling_timeout_s is not None:
        timing["long_polling_timeout_seconds"] = polling.long_polling_timeout_s
    resource = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    # persist: a restarted OPA activates the last good bundle from disk (verified again)
    # instead of waiting for the service, and keeps it if the service now has a bad one.
    bundle: dict[str, object] = {
        "service": _SERVICE,
        "resource": resource,
        "persist": True,
        "polling": timing,
    }
    config: dict[str, object] = {
        "services": {_SERVICE: service},
        "bundles": {BUNDLE_NAME: bundle},
        "persistence_directory": str(persistence_dir),
    }
    if verification is not None:
        # A `signing` block makes the signature required; keys alone only verify a signature
        # that happens to be present (OPA's plugins/bundle/config.go).
        signing: dict[str, str] = {"keyid": verification.key_id}
        if verification.scope:
            signing["scope"] = verification.scope
        bundle["signing"] = signing
        config["keys"] = {
            verification.key_id: {
                "algorithm": verification.algorithm,
                "key": verification.key_file.read_text(),
            }
        }
    return config
