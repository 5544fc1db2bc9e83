"""`kordon serve`: the gateway, its OPA sidecar and, without providers, the demo upstream."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
import uvloop
from aiohttp import web
from opa_client import AsyncOpaClient

from app.cli.tools import opa_or_exit
from app.config import Settings
from app.keys import KeyStore
from app.main import create_app
from app.policy.bundle import build_bundle
from app.policy.sidecar import OpaSidecar
from app.providers.catalog import Catalog
from app.providers.demo import DEMO_LABEL, create_demo_app

__all__ = ["register"]

DEMO_TENANT = "acme-ru"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _configured_providers(opa_url: str) -> list[str]:
    """Providers of the active bundle whose base-URL variable is set in this environment."""
    parts = urlsplit(opa_url)
    async with AsyncOpaClient(host=parts.hostname or "127.0.0.1", port=parts.port or 8181) as c:
        providers = (await c.get_data("providers")).get("result", {})
    # The catalog resolves endpoints exactly as the gateway will; without a fallback URL,
    # only providers whose variables are set get one.
    return list(Catalog.from_bundle_data("", providers, os.environ).endpoints)


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM after its shutdown, which would kill this process before it
    stops the OPA sidecar; `kordon serve` handles the signals itself instead."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def stop(self) -> None:
        self.should_exit = True


async def _show_what_left(path: str, body: dict[str, object]) -> None:
    """The demo upstream prints what reached it, so the quick start shows the redaction."""
    print(f"{DEMO_LABEL} {path} received: {json.dumps(body, ensure_ascii=False)}", flush=True)


async def _serve(args: argparse.Namespace) -> None:
    overrides = {
        k: v
        for k, v in {"host": args.host, "port": args.port, "opa_url": args.opa_url}.items()
        if v is not None
    }
    settings = Settings(**overrides)
    sidecar: OpaSidecar | None = None
    demo: web.AppRunner | None = None
    try:
        if not args.no_sidecar:
            root = Path.cwd()
            bundle = root / "var" / "bundle.tar.gz"
            opa = opa_or_exit(args.opa_binary)
            revision = build_bundle(opa, root, bundle)
            port = urlsplit(settings.opa_url).port or 8181
            sidecar = OpaSidecar(opa, bundle, port)
            await sidecar.start()
            print(f"kordon: OPA sidecar on {sidecar.url}, bundle revision {revision}")
        fallback = None
        if not await _configured_providers(settings.opa_url):
            demo = web.AppRunner(create_demo_app(hook=_show_what_left), access_log=None)
            await demo.setup()
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
        app = create_app(settings, keys, fallback_base_url=fallback)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            loop="none",
            http="httptools",
            lifespan="on",
            access_log=False,
            log_level=args.log_level,
        )
        server = _Server(config)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.stop)
        await server.serve()
    finally:
        if demo is not None:
            await demo.cleanup()
        if sidecar is not None:
            await sidecar.stop()


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the gateway (with an OPA sidecar)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--opa-url", help="OPA server URL (default http://127.0.0.1:8181)")
    serve.add_argument("--opa-binary", help="OPA binary for the sidecar and bundle build")
    serve.add_argument(
        "--no-sidecar", action="store_true", help="use an OPA that is already running at --opa-url"
    )
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(run=lambda a: uvloop.run(_serve(a)))
