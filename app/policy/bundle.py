"""Build the versioned policy bundle from rego/ and data/ with the real `opa build`."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

__all__ = ["BUNDLE_SOURCES", "build_bundle", "content_revision"]

BUNDLE_SOURCES = ("rego", "data")
# JSON schemas for the bundle data are checked by the tests; they are not policy data.
_IGNORED = ("schemas",)


def content_revision(root: Path) -> str:
    """A revision that changes exactly when a policy or data file changes."""
    digest = hashlib.sha256()
    for source in BUNDLE_SOURCES:
        for path in sorted((root / source).rglob("*")):
            if path.is_file() and not set(path.relative_to(root).parts) & set(_IGNORED):
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _git_commit(root: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def build_bundle(opa: str, root: Path, out: Path) -> str:
    """Run `opa build` and return the revision stamped into the bundle's manifest.

    The revision is the content hash, suffixed with the git commit where there is one, so an
    audit record leads both to the exact policy text and to its history.
    """
    revision = content_revision(root)
    commit = _git_commit(root)
    if commit:
        revision = f"{revision}+git.{commit}"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [opa, "build", "-o", str(out.resolve()), "--revision", revision]
    for name in _IGNORED:
        command += ["--ignore", name]
    subprocess.run([*command, *BUNDLE_SOURCES], cwd=root, check=True, timeout=120)
    return revision
