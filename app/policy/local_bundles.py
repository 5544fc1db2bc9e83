"""Serve a local bundle (a `.tar.gz` or a bundle directory) to the OPA sidecar on loopback.

OPA's bundle plugin verifies every bundle it downloads and keeps the last good one when a new
one is refused; its `--watch` on a `--bundle` path does neither (see `sources.py`). So a local
bundle is published to OPA the same way as a remote one: OPA polls this server, which answers
with an ETag derived from the file's content and 304 while it has not changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import tarfile
from pathlib import Path

from aiohttp import web

__all__ = ["LocalBundleServer"]

_PATH = "/bundles/local.tar.gz"


class LocalBundleServer:
    """One bundle path behind `GET /bundles/local.tar.gz`, re-read when it changes."""

    def __init__(self, source: Path) -> None:
        self._source = source
        self._stamp: object = None
        self._body = b""
        self._etag = ""
        self._lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(_PATH, self._bundle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}{_PATH}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _bundle(self, request: web.Request) -> web.StreamResponse:
        async with self._lock:
            stamp = await asyncio.to_thread(_stamp, self._source)
            if stamp is None:
                return web.Response(status=404, text="bundle not found")
            if stamp != self._stamp:
                self._body = await asyncio.to_thread(_read, self._source)
                self._etag = f'"{hashlib.sha256(self._body).hexdigest()[:32]}"'
                self._stamp = stamp
        if self._etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers={"ETag": self._etag})
        return web.Response(
            body=self._body, content_type="application/gzip", headers={"ETag": self._etag}
        )


def _stamp(source: Path) -> object:
    """Changes whenever a file of the bundle is written, renamed, added or removed."""
    try:
        files = sorted(source.rglob("*")) if source.is_dir() else [source]
        return tuple((str(f), s.st_mtime_ns, s.st_size) for f in files if (s := f.stat()))
    except FileNotFoundError:
        return None


def _read(source: Path) -> bytes:
    if not source.is_dir():
        return source.read_bytes()
    # A bundle directory (`.manifest`, `.signatures.json`, policy and data) packed as
    # `opa build` lays out its tarballs, so signatures name the same paths.
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                tar.add(path, arcname="/" + path.relative_to(source).as_posix())
    return buffer.getvalue()
