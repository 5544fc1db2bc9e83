"""The `kordon` command: serve, policy build, keys."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import uvicorn
import uvloop
from aiohttp import web
from opa_client import AsyncOpaClient

from app.config import Settings
from app.keys import KeyStore
from app.main import create_app
from app.policy.bundle import build_bundle
from app.policy.sidecar import OpaSidecar
from app.providers.catalog import Catalog
from app.providers.demo import DEMO_LABEL, create_demo_app

__all__ = ["main"]

DEMO_TENANT = "acme-ru"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _opa_binary(given: str | None) -> str:
    binary = given or os.environ.get("KORDON_OPA_BINARY") or shutil.which("opa")
    if not binary:
        sys.exit("kordon: no OPA binary; run scripts/install-opa.sh or pass --opa-binary")
    return binary


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
            revision = build_bundle(_opa_binary(args.opa_binary), root, bundle)
            port = urlsplit(settings.opa_url).port or 8181
            sidecar = OpaSidecar(_opa_binary(args.opa_binary), bundle, port)
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


def _policy_build(args: argparse.Namespace) -> None:
    revision = build_bundle(_opa_binary(args.opa_binary), Path.cwd(), Path(args.out))
    print(revision)


def _keys_create(args: argparse.Namespace) -> None:
    store = KeyStore.load(Path(args.keys_file or Settings().keys_file))
    key, record = store.create(args.tenant, args.agent, tuple(args.role))
    print(f"key_id={record.key_id} tenant={record.tenant} agent={record.agent}", file=sys.stderr)
    print(key)


def _keys_list(args: argparse.Namespace) -> None:
    for record in KeyStore.load(Path(args.keys_file or Settings().keys_file)).records():
        print(f"{record.key_id}\t{record.tenant}\t{record.agent}\t{','.join(record.roles)}")


def _usage(args: argparse.Namespace) -> None:
    key = args.key or os.environ.get("KORDON_API_KEY")
    if not key:
        sys.exit("kordon usage: pass --key or set KORDON_API_KEY")
    response = httpx.get(
        f"{args.url.rstrip('/')}/v1/usage", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    body = response.json()
    if response.status_code != 200:
        sys.exit(f"kordon usage: HTTP {response.status_code}: {body['error']['message']}")
    print(f"subject {body['subject']}")
    print(f"{'limit':<24}{'unit':<10}{'used':>14}{'remaining':>14}{'of':>12}  resets in")
    for row in body["limits"]:
        print(
            f"{row['name']:<24}{row['unit']:<10}{row['used']:>14}{row['remaining']:>14}"
            f"{row['limit']:>12}  {row['reset_s']:.0f}s"
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kordon", description="Policy-as-code LLM gateway")
    commands = parser.add_subparsers(dest="command", required=True)

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

    policy = commands.add_parser("policy", help="policy bundle").add_subparsers(required=True)
    build = policy.add_parser("build", help="build the bundle; prints its revision")
    build.add_argument("--out", default="var/bundle.tar.gz")
    build.add_argument("--opa-binary")
    build.set_defaults(run=_policy_build)

    keys = commands.add_parser("keys", help="API keys").add_subparsers(required=True)
    create = keys.add_parser("create", help="make a key; prints it once")
    create.add_argument("--tenant", required=True)
    create.add_argument("--agent", required=True)
    create.add_argument("--role", action="append", default=[])
    create.add_argument("--keys-file")
    create.set_defaults(run=_keys_create)
    listing = keys.add_parser("list", help="list key ids (never the keys)")
    listing.add_argument("--keys-file")
    listing.set_defaults(run=_keys_list)

    usage = commands.add_parser("usage", help="spend and remaining quota of a key's tenant")
    usage.add_argument("--url", default="http://127.0.0.1:8080")
    usage.add_argument("--key", help="API key (default: $KORDON_API_KEY)")
    usage.set_defaults(run=_usage)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
