"""A real `kordon serve` (gateway + supervised OPA child) and a bundle service, for tests of
bundle sources, hot reload, supervision and shutdown."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiohttp import web

from app.policy.bundle_server import bundle_app
from tests.support.processes import REPO, free_port, opa_binary, wait_http

__all__ = [
    "BundleService",
    "Serve",
    "kordon_serve",
    "running_bundle_service",
    "serve_from_bundle_service",
]


@dataclass
class Serve:
    url: str
    opa_port: int
    process: subprocess.Popen[bytes]
    log_file: Path

    def readyz(self) -> tuple[int, dict[str, object]]:
        response = httpx.get(f"{self.url}/readyz", timeout=5)
        body: dict[str, object] = response.json()
        return response.status_code, body

    def opa_pids(self) -> list[int]:
        """The gateway's OPA server processes (`opa run`), from /proc; the one-off `opa
        capabilities` the memo's policy analysis runs is not one of them."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [pid for pid in pids if b"\0run\0" in _cmdline(pid)]

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


@contextmanager
def kordon_serve(
    args: Sequence[str],
    env: Mapping[str, str],
    log_file: Path,
    *,
    wait_ready: bool = True,
    opa: str | None = None,
) -> Iterator[Serve]:
    """`kordon serve ARGS` with its OPA sidecar on free ports; stopped (SIGTERM) on exit."""
    port, opa_port = free_port(), free_port()
    environment = {
        **os.environ,
        **env,
        "KORDON_OPA_BINARY": opa or opa_binary(),
        "PYTHONUNBUFFERED": "1",
    }
    # Its own audit trail: the default var/audit is locked by whichever gateway holds it.
    environment.setdefault("KORDON_AUDIT_DIR", str(log_file.with_suffix(".audit")))
    command = [
        sys.executable, "-m", "app.cli", "serve", "--port", str(port),
        "--opa-url", f"http://127.0.0.1:{opa_port}", "--log-level", "info", *args,
    ]  # fmt: skip
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    serve = Serve(f"http://127.0.0.1:{port}", opa_port, process, log_file)
    try:
        wait_http(f"{serve.url}/{'readyz' if wait_ready else 'healthz'}", 60, process)
        yield serve
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class BundleService:
    """The project's bundle service over `directory`, requiring a bearer token on GET."""

    directory: Path
    token: str
    url: str = ""
    authorizations: list[str] = field(default_factory=list)

    def bundle_url(self, name: str = "kordon") -> str:
        return f"{self.url}/bundles/{name}.tar.gz"


@contextmanager
def running_bundle_service(directory: Path, token: str) -> Iterator[BundleService]:
    service = BundleService(directory, token)

    @web.middleware
    async def bearer(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        service.authorizations.append(given)
        if given != f"Bearer {token}":
            return web.Response(status=401)
        return await handler(request)

    app = bundle_app(directory, token=None, max_wait_s=10)
    app.middlewares.append(bearer)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    port = free_port()
    started = threading.Event()

    def run() -> None:
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="bundle-service", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("bundle service did not start")
    service.url = f"http://127.0.0.1:{port}"
    try:
        yield service
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def serve_from_bundle_service(
    directory: Path,
    token: str,
    public_key: Path,
    env: Mapping[str, str],
    log_file: Path,
    *,
    wait_ready: bool = True,
) -> Iterator[tuple[BundleService, Serve]]:
    """`kordon serve --bundle-url` polling a bundle service that serves `directory`, its
    bundles verified with `public_key`."""
    with (
        running_bundle_service(directory, token) as service,
        kordon_serve(
            ["--bundle-url", service.bundle_url(), "--verification-key", str(public_key)],
            env,
            log_file,
            wait_ready=wait_ready,
        ) as serve,
    ):
        yield service, serve


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone since the listing
        return b""
