"""`kordon serve`: the gateway, its OPA sidecar and, without providers, the demo upstream."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
import uvicorn
import uvloop
from aiohttp import web
from starlette.types import ASGIApp

from app.api.drain import Drain
from app.cli.tools import opa_or_exit
from app.config import Settings, load_settings
from app.keys import KeyStore
from app.main import create_app
from app.policy.bundle import build_bundle
from app.policy.local_bundles import LocalBundleServer
from app.policy.opa_admin import OpaAdmin
from app.policy.opa_status import StatusReceiver
from app.policy.sidecar import MEMOIZED_OPA_ENV, OPA_ENV, OpaProcess, SidecarFailed
from app.policy.sources import (
    Polling,
    Verification,
    embedded_args,
    polled_args,
    private_directory,
)
from app.policy.supervisor import OpaSupervisor
from app.providers.catalog import Catalog
from app.providers.demo import DEMO_LABEL, create_demo_app

__all__ = ["register", "server_config"]

DEMO_TENANT = "acme-ru"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _configured_providers(opa_url: str) -> list[str]:
    """Providers of the active bundle whose base-URL variable is set in this environment."""
    async with OpaAdmin(opa_url) as opa:
        providers = await opa.data("providers") or {}
    # The catalog resolves endpoints exactly as the gateway will; without a fallback URL,
    # only providers whose variables are set get one.
    return list(Catalog.from_bundle_data("", providers, os.environ).endpoints)


def server_config(app: ASGIApp, settings: Settings, log_level: str) -> uvicorn.Config:
    """uvicorn as `kordon serve` runs it: on the running (uv)loop, httptools, no access log."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="none",
        http="httptools",
        lifespan="on",
        access_log=False,
        # Nothing in Kordon reads the client address, so uvicorn's X-Forwarded-For middleware
        # (one more ASGI layer on every request) has no job; nor has a `server: uvicorn`
        # header on every answer.
        proxy_headers=False,
        server_header=False,
        log_level=log_level,
        timeout_graceful_shutdown=max(math.ceil(settings.drain_timeout_s), 1),
    )


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after its shutdown, which would kill this process before it
    stops the OPA sidecar; `kordon serve` handles the signals itself instead (`_Shutdown`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # What startup loaded (modules, dictionaries, the bundle's detectors) lives as long as
        # the process: frozen, it is out of the cyclic GC's walk, and a full collection costs
        # what requests left behind instead of ~60 ms of CPU (bench/profiles/memory-gc.md).
        gc.freeze()
        # Open streams still hold ~100 tracked objects each: at the default thresholds,
        # 2,000 of them opening drew a full collection every few seconds, each a 25-250 ms
        # pause on the loop. A young collection every 10,000 net new objects (not 700) makes
        # full ones ~14x rarer and still frees cyclic garbage (docs/performance.md, "Streams").
        gc.set_threshold(10_000, 10, 10)


class _Shutdown:
    """The shutdown order, in one place. First signal: readiness false and new API requests
    refused with 503 (`Drain`), requests in flight and streams finish (their quota settles as
    they end) for up to the drain timeout, then uvicorn stops, the app's lifespan closes its
    clients and queues, and last `_serve`'s exit stack stops OPA. Second signal: stop now."""

    def __init__(self, server: uvicorn.Server, drain: Drain, timeout_s: float) -> None:
        self._server = server
        self._drain = drain
        self._timeout_s = timeout_s
        self._task: asyncio.Task[None] | None = None

    def signal(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drain_then_stop())
            return
        print("kordon: second signal, stopping now", file=sys.stderr, flush=True)
        self._task.cancel()
        self._server.force_exit = True
        self._server.should_exit = True

    async def _drain_then_stop(self) -> None:
        self._drain.begin()
        print(
            f"kordon: draining {self._drain.in_flight} requests (up to {self._timeout_s:g} s)",
            file=sys.stderr,
            flush=True,
        )
        if not await self._drain.wait_idle(self._timeout_s):
            print(
                f"kordon: drain timeout: stopping {self._drain.in_flight} requests",
                file=sys.stderr,
                flush=True,
            )
        self._server.should_exit = True


async def _show_what_left(path: str, body: dict[str, object]) -> None:
    """The demo upstream prints what reached it, so the quick start shows the redaction."""
    print(f"{DEMO_LABEL} {path} received: {json.dumps(body, ensure_ascii=False)}", flush=True)


async def _policy_source(
    settings: Settings, opa: str, stack: AsyncExitStack
) -> tuple[list[str], bool]:
    """`opa run` arguments for the configured bundle source; True for the embedded default."""
    key = settings.bundle_verification_key
    verification = (
        Verification(
            key, settings.bundle_verification_key_id, settings.bundle_signing_alg,
            settings.bundle_signing_scope,
        )
        if key is not None
        else None
    )  # fmt: skip
    if settings.bundle is None and settings.bundle_url is None:
        if verification is not None:
            sys.exit("kordon: a verification key needs --bundle or --bundle-url")
        root = Path.cwd()
        bundle = root / "var" / "bundle.tar.gz"
        revision = build_bundle(opa, root, bundle)
        print(f"kordon: embedded bundle from {root}, revision {revision}", flush=True)
        return embedded_args(bundle), True
    if settings.bundle is not None and settings.bundle_url is not None:
        sys.exit("kordon: give either --bundle or --bundle-url, not both")
    url = settings.bundle_url
    if settings.bundle is not None:
        if not settings.bundle.exists():
            sys.exit(f"kordon: no bundle at {settings.bundle}")
        local = LocalBundleServer(settings.bundle.resolve())
        await local.start()
        stack.push_async_callback(local.close)
        url = local.url
        print(f"kordon: bundle {settings.bundle} served to OPA at {url}", flush=True)
    assert url is not None  # one of the two is set (checked above)
    private = private_directory()
    stack.callback(shutil.rmtree, private, ignore_errors=True)
    polling = Polling(
        settings.bundle_polling_min_delay_s,
        settings.bundle_polling_max_delay_s,
        settings.bundle_long_polling_timeout_s if settings.bundle_url else None,
    )
    try:
        args = polled_args(
            url,
            private,
            polling=polling,
            token_file=settings.bundle_token_file if settings.bundle_url else None,
            verification=verification,
        )
    except (ValueError, OSError) as exc:
        sys.exit(f"kordon: bundle source: {exc}")
    return args, False


async def _start_sidecar(
    settings: Settings, args: argparse.Namespace, stack: AsyncExitStack, status: StatusReceiver
) -> tuple[OpaSupervisor, bool]:
    opa = opa_or_exit(args.opa_binary)
    source_args, embedded = await _policy_source(settings, opa, stack)
    process = OpaProcess(
        opa,
        [*source_args, *status.opa_args()],
        urlsplit(settings.opa_url).port or 8181,
        unix_socket=settings.opa_decision_socket,
        gc_env=MEMOIZED_OPA_ENV if settings.decision_memo_size else OPA_ENV,
    )
    supervisor = OpaSupervisor(
        process, max_failures=settings.opa_max_failures, window_s=settings.opa_failure_window_s
    )
    stack.push_async_callback(supervisor.stop)
    try:
        # The embedded bundle is loaded before OPA answers; a polled one may come later (or
        # be refused): the gateway then serves, fails closed and is not ready until it is.
        await supervisor.start(bundles=embedded)
    except SidecarFailed as exc:
        sys.exit(f"kordon: {exc}")
    print(f"kordon: OPA sidecar on {process.url}", flush=True)
    return supervisor, embedded


async def _serve(args: argparse.Namespace) -> None:
    flags = {
        "host": args.host,
        "port": args.port,
        "opa_url": args.opa_url,
        "bundle": args.bundle,
        "bundle_url": args.bundle_url,
        "bundle_verification_key": args.verification_key,
        "bundle_verification_key_id": args.verification_key_id,
        "bundle_signing_alg": args.signing_alg,
    }
    settings = load_settings(**{k: v for k, v in flags.items() if v is not None})
    async with AsyncExitStack() as stack:
        # Callbacks run in reverse: OPA (registered first) is stopped last.
        supervisor, embedded, status = None, False, None
        if not args.no_sidecar:
            if settings.opa_decision_socket is None:
                # Decisions to our own sidecar over a Unix socket in an owner-only directory.
                sockets = private_directory()
                stack.callback(shutil.rmtree, sockets, ignore_errors=True)
                socket_path = sockets / "decisions.sock"
                settings = msgspec.structs.replace(settings, opa_decision_socket=socket_path)
            # Before OPA: its status reports (every bundle activation) come here from the start.
            status_dir = private_directory()
            stack.callback(shutil.rmtree, status_dir, ignore_errors=True)
            status = StatusReceiver(status_dir)
            await status.start()
            stack.push_async_callback(status.close)
            supervisor, embedded = await _start_sidecar(settings, args, stack, status)
        fallback = None
        # The demo upstream belongs to the embedded default; a team's bundle names real providers.
        if (supervisor is None or embedded) and not await _configured_providers(settings.opa_url):
            demo = web.AppRunner(create_demo_app(hook=_show_what_left), access_log=None)
            await demo.setup()
            stack.push_async_callback(demo.cleanup)
            demo_port = _free_port()
            await web.TCPSite(demo, "127.0.0.1", demo_port).start()
            fallback = f"http://127.0.0.1:{demo_port}/v1"
            print(
                f"kordon: no provider configured; every provider is served by the "
                f"{DEMO_LABEL} at {fallback}"
            )
        keys = KeyStore.load(settings.keys_file)
        if fallback is not None:
            key, record = keys.create(DEMO_TENANT, "demo", ("demo",), persist=False)
            base = f"http://{settings.host}:{settings.port}"
            print(f"kordon: demo key for tenant {record.tenant} (valid while this process runs)")
            print(
                f"""\ncurl -s {base}/v1/chat/completions \\
  -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\
  -d '{{"model": "auto", "messages": [{{"role": "user", "content": "Write to ivan@example.ru"}}]}}'
""",
                flush=True,
            )
        app = create_app(
            settings, keys, fallback_base_url=fallback, sidecar=supervisor, status=status
        )
        config = server_config(app, settings, args.log_level)
        server = _Server(config)
        shutdown = _Shutdown(server, app.drain, settings.drain_timeout_s)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, shutdown.signal)
        if supervisor is not None:
            stack.push_async_callback(
                _cancelled, asyncio.create_task(_stop_on_give_up(supervisor, server))
            )
        await server.serve()
        if supervisor is not None and supervisor.gave_up.is_set():
            sys.exit(f"kordon: {supervisor.failure}")


async def _stop_on_give_up(supervisor: OpaSupervisor, server: uvicorn.Server) -> None:
    await supervisor.gave_up.wait()
    server.should_exit = True


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the gateway (with an OPA sidecar)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--opa-url", help="OPA server URL (default http://127.0.0.1:8181)")
    serve.add_argument("--opa-binary", help="OPA binary for the sidecar and bundle build")
    serve.add_argument(
        "--no-sidecar", action="store_true", help="use an OPA that is already running at --opa-url"
    )
    serve.add_argument("--bundle", type=Path, help="local bundle: a directory or .tar.gz")
    serve.add_argument("--bundle-url", help="bundle on an HTTP bundle service OPA polls")
    serve.add_argument("--verification-key", type=Path, help="public key (PEM) bundles must match")
    serve.add_argument("--verification-key-id", help="its key id (default kordon)")
    serve.add_argument("--signing-alg", help="RS256 (default), ES256, …")
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(run=lambda a: uvloop.run(_serve(a)))
