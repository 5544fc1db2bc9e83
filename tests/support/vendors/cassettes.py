"""Replay recorded vendor answers (tests/cassettes/<vendor>/) from a local aiohttp server.

Each request takes the next `Reply` of the server's plan (then `default`) and is recorded with
its path, headers and body, so a test can say what the gateway sent and in what form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

__all__ = ["CASSETTES", "Received", "Reply", "VendorServer", "cassette", "vendor_app"]

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def cassette(vendor: str, name: str) -> bytes:
    return (CASSETTES / vendor / name).read_bytes()


@dataclass(frozen=True)
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    # Send only this many bytes of the body, then drop the connection (a cut stream).
    cut_at: int | None = None

    @classmethod
    def of(cls, vendor: str, name: str, status: int = 200, **options: object) -> Reply:
        kind = "text/event-stream" if name.endswith(".sse") else "application/json"
        return cls(cassette(vendor, name), status, kind, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Received:
    path: str
    headers: Mapping[str, str]
    body: bytes
    method: str = "POST"
    query: str = ""


@dataclass
class VendorServer:
    default: Reply | None = None
    # Replies by path suffix (e.g. the OAuth endpoint) take precedence over the plan.
    by_path: dict[str, list[Reply]] = field(default_factory=dict)
    plan: list[Reply] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    def next_reply(self, path: str) -> Reply:
        for suffix, replies in self.by_path.items():
            if path.endswith(suffix) and replies:
                return replies.pop(0) if len(replies) > 1 else replies[0]
        if self.plan:
            return self.plan.pop(0)
        if self.default is None:
            raise web.HTTPNotFound()
        return self.default


def vendor_app(server: VendorServer) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        server.received.append(
            Received(
                request.path,
                dict(request.headers),
                await request.read(),
                request.method,
                request.query_string,
            )
        )
        reply = server.next_reply(request.path)
        if reply.cut_at is None:
            return web.Response(
                body=reply.body,
                status=reply.status,
                content_type=reply.content_type,
                headers=dict(reply.headers),
            )
        response = web.StreamResponse(status=reply.status, headers={**reply.headers})
        response.content_type = reply.content_type
        await response.prepare(request)
        await response.write(reply.body[: reply.cut_at])
        if request.transport is not None:
            request.transport.abort()
        return response

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handle)
    app.router.add_route("GET", "/{tail:.*}", handle)  # probes: model lists
    return app
