"""OPA's status reports, received by the gateway: how it learns of every bundle activation of
its sidecar without asking OPA per request (the decision memo drops on each one).

`kordon serve` points its sidecar's status plugin at this receiver (`opa_args`). OPA's bundle
plugin activates a bundle, then notifies the status plugin, which posts the report at once
(trigger `periodic`, the default; OPA 1.22.2 `plugins/bundle/plugin.go` `oneShot`,
`plugins/status/plugin.go` `loop`). It also posts on every poll and plugin state change; only a
new activation (or a new OPA process) changes `Activation.identity`. OPA's REST client has no
Unix-socket transport, so the receiver listens on loopback TCP and wants a bearer token that
OPA reads from an owner-only file (never on its command line).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from aiohttp import web

__all__ = ["Activation", "StatusReceiver", "activation"]

log = logging.getLogger("kordon.policy")

_SERVICE = "kordon_status"
_MAX_REPORT_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Activation:
    """What one report says: the active revision (as provenance names it; None when the
    report names no activated bundle) and what identifies this activation."""

    revision: str | None
    identity: tuple[object, ...]


def activation(report: object) -> Activation:
    """Read a status report (OPA's `UpdateRequestV1`)."""
    if not isinstance(report, dict):
        raise ValueError("a status report is a JSON object")
    labels = report.get("labels")
    instance = labels.get("id") if isinstance(labels, dict) else None
    bundles = report.get("bundles", {})
    if bundles is None:  # OPA omits it until a bundle plugin reports
        bundles = {}
    if not isinstance(bundles, dict):
        raise ValueError("`bundles` is an object")
    active = sorted(
        (str(name), str(b.get("active_revision") or ""), str(b.get("last_successful_activation")))
        for name, b in bundles.items()
        if isinstance(b, dict)
    )
    revisions = sorted(revision for _, revision, _ in active)
    # Same form as app.policy.opa.bundle_revision gives for a decision's provenance.
    revision = ",".join(revisions) if revisions and all(revisions) else None
    return Activation(revision, (instance, tuple(active)))


class StatusReceiver:
    """Receives the sidecar's status reports between `start()` and `close()` and hands each
    one's `Activation` to the subscribers (the latest to each new subscriber at once)."""

    def __init__(self, private_dir: Path) -> None:
        self._token = secrets.token_urlsafe(32)
        self._token_file = private_dir / "status-token"
        descriptor = os.open(self._token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(self._token)
        self._subscribers: list[Callable[[Activation], None]] = []
        self.latest: Activation | None = None
        self.port = 0
        app = web.Application(client_max_size=_MAX_REPORT_BYTES)
        app.router.add_post("/status", self._report)
        app.router.add_post("/status/", self._report)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        await self._runner.cleanup()

    def opa_args(self) -> list[str]:
        """`opa run` flags that make OPA report its status here (merged into whatever
        configuration file the bundle source gives it)."""
        service = f"services.{_SERVICE}"
        return [
            "--set", f"{service}.url=http://127.0.0.1:{self.port}",
            "--set", f"{service}.credentials.bearer.token_path={self._token_file}",
            "--set", f"status.service={_SERVICE}",
        ]  # fmt: skip

    def subscribe(self, subscriber: Callable[[Activation], None]) -> None:
        self._subscribers.append(subscriber)
        if self.latest is not None:
            subscriber(self.latest)

    async def _report(self, request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self._token}".encode()):
            return web.Response(status=401)
        try:
            current = activation(orjson.loads(await request.read()))
        except (orjson.JSONDecodeError, ValueError) as exc:
            log.warning("OPA status report refused: %s", exc)
            return web.Response(status=400)
        if self.latest is None or current.identity != self.latest.identity:
            self.latest = current
            log.info("OPA reports active revision %s", current.revision)
            for subscriber in self._subscribers:
                subscriber(current)
        return web.Response(status=200)
