"""What several `kordon` commands share."""

from __future__ import annotations

import sys

from app.policy.opa_binary import OpaNotFound, find_opa

__all__ = ["opa_or_exit"]


def opa_or_exit(given: str | None) -> str:
    try:
        return find_opa(given)
    except OpaNotFound as exc:
        sys.exit(f"kordon: {exc}")
