"""Publish a built bundle: to a bundle directory (atomic, history kept) or to a bundle service.

Directory layout (what `kordon policy serve-bundles` and a sidecar reading a directory serve):

    <dir>/<name>.tar.gz                          the live bundle, replaced by rename
    <dir>/revisions/<name>/<revision>.<sha>.tar.gz   every bundle ever published, kept
    <dir>/<name>.history.jsonl                   one line per publish: time, revision, sha256

Service: `PUT <url>` with the tarball as body, `Content-Type: application/gzip` and
`Authorization: Bearer <token>`; any 2xx is success (see app/policy/bundle_server.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = [
    "PublishError",
    "Published",
    "bundle_revision",
    "bundle_url",
    "check_name",
    "publish_to_directory",
    "publish_to_service",
    "write_atomic",
]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]")


class PublishError(RuntimeError):
    """The bundle, the target or the service refused the publish."""


@dataclass(frozen=True)
class Published:
    revision: str
    sha256: str
    location: str


def write_atomic(path: Path, data: bytes) -> None:
    """Write next to `path`, fsync, then rename over it: a reader sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        try:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            os.unlink(f.name)
            raise
    os.replace(f.name, path)


def check_name(name: str) -> str:
    """A bundle name is one path segment: letters, digits, `.`, `_`, `-`."""
    if not _NAME.fullmatch(name):
        raise PublishError(f"invalid bundle name {name!r}")
    return name


def bundle_revision(data: bytes) -> str:
    """The revision in the bundle's `.manifest`; refuses anything that is not an OPA bundle."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            member = next((m for m in archive if m.name.lstrip("/") == ".manifest"), None)
            manifest = archive.extractfile(member) if member is not None else None
            if manifest is None:
                raise PublishError("not an OPA bundle: no .manifest")
            revision = json.loads(manifest.read()).get("revision")
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise PublishError(f"not an OPA bundle tarball: {exc}") from exc
    if not isinstance(revision, str) or not revision:
        raise PublishError("the bundle's .manifest names no revision")
    return revision


def publish_to_directory(data: bytes, directory: Path, name: str) -> Published:
    """Keep the bundle under revisions/, then make it the live `<name>.tar.gz` by rename."""
    revision = bundle_revision(data)
    digest = hashlib.sha256(data).hexdigest()
    kept = directory / "revisions" / check_name(name)
    kept_file = kept / f"{_UNSAFE.sub('_', revision)[:100]}.{digest[:12]}.tar.gz"
    if not kept_file.exists():
        write_atomic(kept_file, data)
    live = directory / f"{name}.tar.gz"
    write_atomic(live, data)
    line = {"time": time.time(), "revision": revision, "sha256": digest, "file": kept_file.name}
    with (directory / f"{name}.history.jsonl").open("a") as history:
        history.write(json.dumps(line) + "\n")
    return Published(revision, digest, str(live))


def bundle_url(service: str, name: str) -> str:
    """`service` as given when it names a .tar.gz, else `<service>/bundles/<name>.tar.gz`."""
    if service.endswith(".tar.gz"):
        return service
    return f"{service.rstrip('/')}/bundles/{check_name(name)}.tar.gz"


def publish_to_service(data: bytes, url: str, token: str, timeout_s: float = 30.0) -> Published:
    """PUT the bundle; the error names the status, never the token."""
    revision = bundle_revision(data)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/gzip"}
    try:
        response = httpx.put(url, content=data, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise PublishError(f"cannot reach the bundle service at {url}: {exc}") from exc
    if not response.is_success:
        raise PublishError(f"the bundle service at {url} answered {response.status_code}")
    return Published(revision, hashlib.sha256(data).hexdigest(), url)
