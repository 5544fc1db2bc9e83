"""Bundles for tests that need tenants or tiers the shipped data does not have."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from app.policy.bundle import build_bundle
from tests.support.processes import REPO, opa_binary

__all__ = ["patched_bundle"]


def patched_bundle(
    root: Path,
    *,
    tiers: Mapping[str, object] | None = None,
    tenants: Mapping[str, Mapping[str, object]] | None = None,
) -> Path:
    """Build the repository's policy with tiers and tenants added to (or replacing) its data.

    Each tenant entry is merged over the tenant named by its `base` key.
    """
    for name in ("rego", "data"):
        shutil.copytree(REPO / name, root / name)
    if tiers:
        _merge(root / "data" / "tiers" / "data.yaml", lambda data: {**data, **tiers})
    if tenants:

        def add(data: dict[str, dict[str, object]]) -> dict[str, object]:
            for name, spec in tenants.items():
                base = data[str(spec["base"])]
                data[name] = {**base, **{k: v for k, v in spec.items() if k != "base"}}
            return dict(data)

        _merge(root / "data" / "tenants" / "data.yaml", add)
    bundle = root / "bundle.tar.gz"
    build_bundle(opa_binary(), root, bundle)
    return bundle


def _merge(path: Path, change: Callable[[Any], object]) -> None:
    path.write_text(yaml.safe_dump(change(yaml.safe_load(path.read_text()))))
