"""Find the pinned OPA binary the way `make run` does, or say the one command that fixes it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["OpaNotFound", "find_opa"]

# scripts/install-opa.sh owns the pin and the cache layout; `--check` only looks, never builds.
_INSTALLER = Path(__file__).resolve().parents[2] / "scripts" / "install-opa.sh"


class OpaNotFound(RuntimeError):
    pass


def find_opa(given: str | None = None) -> str:
    """The OPA to run: `given`, `$KORDON_OPA_BINARY`, the pinned one in the cache, or `opa`."""
    binary = given or os.environ.get("KORDON_OPA_BINARY") or _installed() or shutil.which("opa")
    if not binary or not Path(binary).is_file():
        raise OpaNotFound(
            f"no OPA binary: run `bash {_INSTALLER}` (it builds the pinned OPA once and prints "
            "its path), then pass it with --opa-binary or KORDON_OPA_BINARY"
        )
    return binary


def _installed() -> str | None:
    if not _INSTALLER.is_file():
        return None
    done = subprocess.run(
        ["bash", str(_INSTALLER), "--check"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or None if done.returncode == 0 else None
