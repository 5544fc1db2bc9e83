"""A minimal OPA bundle service over a bundle directory (`kordon policy serve-bundles`).

URL layout, shared with the sidecar's `services`/`bundles` configuration:

    GET /bundles/<name>.tar.gz   the live bundle `<dir>/<name>.tar.gz`, with a strong ETag
                                 (its SHA-256); `If-None-Match` with that ETag -> 304.
                                 Long polling: a request with `Prefer: wait=<s>` (what OPA sends
                                 with `polling.long_polling_timeout_seconds`) and a current
                                 ETag is held until a new bundle is published or the wait ends
                                 (then 304). Only such requests are answered with
                                 `Content-Type: application/vnd.openpolicyagent.bundles`, the
                                 type that tells OPA the server long-polls; OPA re-polls at once
                                 after such an answer, so a plain poll must not get it.
    PUT /bundles/<name>.tar.gz   publish: body = the tarball, `Authorization: Bearer <token>`.
                                 No header -> 401, wrong token -> 403, publishing not enabled
                                 (no token configured) -> 403, not an OPA bundle -> 400,
                                 success -> 201 {"revision", "sha256"}. Stored exactly as
                                 `kordon policy push --to <dir>` stores it (app/policy/publish.py).

GETs are not authenticated (a bundle is policy, not a secret): bind to loopback or a private
network. Signatures are not checked here: the sidecar verifies what it loads.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from app.policy.publish import PublishError, check_name, publish_to_directory

__all__ = ["LONG_POLL_CONTENT_TYPE", "bundle_app"]

LONG_POLL_CONTENT_TYPE = "application/vnd.openpolicyagent.bundles"
_PREFER_WAIT = re.compile(r"(?:^|[;,\s])wait=(\d+)")
# A publisher outside this process (`kordon policy push --to <dir>`) is noticed this fast.
_STAT_INTERVAL_S = 0.25
_MAX_BUNDLE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class _Settings:
    token: str | None  # None: publishing disabled
    max_wait_s: int


@dataclass(frozen=True)
class _Loaded:
    stamp: tuple[int, int, int]
    etag: str
    data: bytes


class _Bundles:
    """The live bundles of one directory, read once per change of the file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: dict[str, _Loaded] = {}
        self._published = asyncio.Event()
        self.closing = False

    async def load(self, name: str) -> _Loaded | None:
        path = self.directory / f"{name}.tar.gz"
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(name)
        if cached is None or cached.stamp != stamp:
            data = await asyncio.to_thread(path.read_bytes)
            cached = _Loaded(stamp, f'"{hashlib.sha256(data).hexdigest()}"', data)
            self._cache[name] = cached
        return cached

    async def changed(self, timeout_s: float) -> None:
        """Return when a bundle is published here, or after `timeout_s`."""
        try:
            await asyncio.wait_for(self._published.wait(), timeout_s)
        except TimeoutError:
            return

    def notify(self) -> None:
        published, self._published = self._published, asyncio.Event()
        published.set()

    def close(self) -> None:
        """Answer every held long poll now (304): a shutdown does not wait out their timers."""
        self.closing = True
        self.notify()


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _error(status: int, message: str, code: str) -> web.Response:
    body = {"error": {"message": message, "type": "bundle_service_error", "code": code}}
    return web.json_response(body, status=status)


def _name(request: web.Request) -> str:
    try:
        return check_name(request.match_info["name"])
    except PublishError as exc:
        raise web.HTTPNotFound() from exc


async def _get(request: web.Request) -> web.StreamResponse:
    bundles: _Bundles = request.app[_BUNDLES]
    name = _name(request)
    prefer = _PREFER_WAIT.search(request.headers.get("Prefer", ""))
    content_type = LONG_POLL_CONTENT_TYPE if prefer else "application/gzip"
    loop = asyncio.get_running_loop()
    wait_s = min(int(prefer.group(1)), request.app[_SETTINGS].max_wait_s) if prefer else 0
    deadline = loop.time() + wait_s
    since = request.headers.get("If-None-Match", "")
    while True:
        loaded = await bundles.load(name)
        if loaded is None:
            return _error(404, f"no bundle named {name}", "bundle_not_found")
        unchanged = bool(since) and _matches(since, loaded.etag)
        remaining = deadline - loop.time()
        if not unchanged or remaining <= 0 or bundles.closing:
            break
        await bundles.changed(min(remaining, _STAT_INTERVAL_S))
    headers = {"ETag": loaded.etag, "Content-Type": content_type, "Cache-Control": "no-cache"}
    if unchanged:
        return web.Response(status=304, headers=headers)
    return web.Response(body=loaded.data, headers=headers)


async def _put(request: web.Request) -> web.Response:
    token = request.app[_SETTINGS].token
    name = _name(request)
    if token is None:
        return _error(403, "publishing is not enabled on this server", "publish_disabled")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        response = _error(401, "a bearer token is required", "missing_token")
        response.headers["WWW-Authenticate"] = 'Bearer realm="kordon-bundles"'
        return response
    if not hmac.compare_digest(given.encode(), token.encode()):
        return _error(403, "the token is not valid for publishing", "invalid_token")
    data = await request.read()
    bundles: _Bundles = request.app[_BUNDLES]
    try:
        published = await asyncio.to_thread(publish_to_directory, data, bundles.directory, name)
    except PublishError as exc:
        return _error(400, str(exc), "invalid_bundle")
    bundles.notify()
    return web.json_response(
        {"revision": published.revision, "sha256": published.sha256}, status=201
    )


async def _release_long_polls(app: web.Application) -> None:
    app[_BUNDLES].close()


_BUNDLES = web.AppKey("bundles", _Bundles)
_SETTINGS = web.AppKey("settings", _Settings)


def bundle_app(directory: Path, token: str | None, max_wait_s: int = 60) -> web.Application:
    """The service for `directory`; `token` enables PUT (None: read-only)."""
    app = web.Application(client_max_size=_MAX_BUNDLE_BYTES)
    app[_BUNDLES] = _Bundles(directory)
    app[_SETTINGS] = _Settings(token, max_wait_s)
    app.on_shutdown.append(_release_long_polls)
    route = "/bundles/{name}.tar.gz"
    app.router.add_get(route, _get)
    app.router.add_put(route, _put)
    return app
