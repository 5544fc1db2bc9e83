"""Build the versioned policy bundle with the real `opa build`.

The source is a directory laid out like this repository (`rego/` and `data/`), or any directory
of `.rego`, `.json` and `.yaml` files (a compliance team's own policy repository).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from app.policy.bundle_checks import BundleCheckError, check_bundle

__all__ = [
    "BUNDLE_SOURCES",
    "SOURCE_IGNORES",
    "build_bundle",
    "bundle_sources",
    "content_revision",
]

BUNDLE_SOURCES = ("rego", "data")
# JSON schemas for the bundle data are checked by the tests; they are not policy data.
_IGNORED = ("schemas",)
# Hidden files (CI configuration) are never policy; Rego tests are checked, not shipped. What
# the bundle leaves out, the revision leaves out too.
SOURCE_IGNORES = (*_IGNORED, ".*")
_NOT_SHIPPED = ("*_test.rego",)
_LOADED_SUFFIXES = (".rego", ".json", ".yaml", ".yml")


def bundle_sources(root: Path) -> tuple[str, ...]:
    """`rego/` and `data/` where the source has that layout, else the whole directory."""
    return tuple(name for name in BUNDLE_SOURCES if (root / name).is_dir()) or (".",)


def _loaded(relative: Path) -> bool:
    parts = relative.parts
    return (
        relative.suffix in _LOADED_SUFFIXES
        and not relative.name.endswith("_test.rego")
        and not any(part.startswith(".") or part in _IGNORED for part in parts)
    )


def content_revision(root: Path) -> str:
    """A revision that changes exactly when a policy or data file changes."""
    digest = hashlib.sha256()
    for source in bundle_sources(root):
        for path in sorted((root / source).rglob("*")):
            if path.is_file() and _loaded(path.relative_to(root)):
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


def build_bundle(opa: str, root: Path, out: Path, revision: str | None = None) -> str:
    """Run `opa build` and return the revision stamped into the bundle's manifest.

    The revision (unless given) is the content hash, suffixed with the git commit where there
    is one, so an audit record leads both to the exact policy text and to its history.
    """
    if revision is None:
        revision = content_revision(root)
        commit = _git_commit(root)
        if commit:
            revision = f"{revision}+git.{commit}"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [opa, "build", "-o", str(out.resolve()), "--revision", revision]
    for name in (*SOURCE_IGNORES, *_NOT_SHIPPED):
        command += ["--ignore", name]
    subprocess.run([*command, *bundle_sources(root)], cwd=root, check=True, timeout=120)
    try:
        check_bundle(opa, out)
    except BundleCheckError:
        out.unlink()  # a refused bundle is never left where it could be published
        raise
    return revision
