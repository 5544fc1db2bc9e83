"""CPU per request of the HTTP server layer alone, for each candidate server.

    .venv/bin/python bench/server_layer.py [--rounds 4 --duration 4] [uvicorn uvicorn-lean ...]

One stand-in ASGI app with the governed route's wire shape (a ~1 KB JSON POST read through
starlette's Request, a 948-byte answer with the 14 headers Kordon sends) runs under each server
in its own process on CPU 0; wrk c=32 on CPU 1 drives them in interleaved rounds and the
server's utime+stime from /proc gives its CPU per request. Servers: `uvicorn` (as shipped
before: proxy headers and server header on), `uvicorn-lean` (as `kordon serve` runs it),
`uvicorn-raw` (the same without starlette's Request/Response: a lower bound), `aiohttp`
(its low-level `web_server.Server` with a minimal ASGI bridge), `granian` (embedded in the
uvloop loop; needs `pip install granian`, not a dependency). bench/profiles/server-layer.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import uvloop
from starlette.requests import Request
from starlette.responses import Response

ROOT = Path(__file__).resolve().parents[1]
HZ = os.sysconf("SC_CLK_TCK")
SERVERS = ("uvicorn", "uvicorn-lean", "uvicorn-raw", "aiohttp", "granian")
ANSWER = b"x" * 948
HEADERS = {
    "x-ratelimit-limit-requests": "1000000000", "x-ratelimit-remaining-requests": "999999999",
    "x-ratelimit-reset-requests": "16.395s", "x-ratelimit-limit-tokens": "1000000000",
    "x-ratelimit-remaining-tokens": "999995896", "x-ratelimit-reset-tokens": "16.395s",
    "x-kordon-request-id": "req_d3aa9be7c0416be651e80f28",
    "x-kordon-decision-id": "dec_2c925b2803424f0897f7db9c0249cbc3",
    "x-kordon-policy-revision": "31295495af84cf62+git.985ba1874cae",
    "x-kordon-route": "openai-us/gpt-4o-mini", "x-kordon-cache": "off",
}  # fmt: skip
RAW_HEADERS = [(k.encode(), v.encode()) for k, v in HEADERS.items()] + [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(ANSWER)).encode()),
]
Scope = dict[str, Any]
Message = dict[str, Any]


async def _lifespan(receive: Any, send: Any) -> None:
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    request = Request(scope, receive, send)
    request.headers.get("authorization")
    orjson.loads(b"".join([chunk async for chunk in request.stream()]))
    await Response(ANSWER, headers=HEADERS, media_type="application/json")(scope, receive, send)


async def raw_app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    dict(scope["headers"]).get(b"authorization")
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    orjson.loads(b"".join(chunks))
    await send({"type": "http.response.start", "status": 200, "headers": RAW_HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


async def _serve_aiohttp(port: int) -> None:
    from aiohttp import web, web_server
    from multidict import CIMultiDict

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1", "method": request.method, "scheme": "http",
            "path": request.path, "raw_path": request.raw_path.encode(),
            "query_string": request.query_string.encode(), "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.raw_headers],
        }  # fmt: skip
        answer: dict[str, Any] = {}

        async def receive() -> Message:
            chunk = await request.content.readany()
            return {
                "type": "http.request",
                "body": chunk,
                "more_body": not request.content.at_eof(),
            }

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.update(message)
                return
            headers: CIMultiDict[str] = CIMultiDict(
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in answer["headers"]
                if k != b"content-length"
            )
            response = web.Response(status=answer["status"], headers=headers, body=message["body"])
            answer["response"] = response
            await response.prepare(request)
            await response.write_eof()

        await app(scope, receive, send)
        response: web.StreamResponse = answer["response"]
        return response

    server = web_server.Server(handler, access_log=None)
    await asyncio.get_running_loop().create_server(server, "127.0.0.1", port, backlog=2048)
    await asyncio.Event().wait()


async def _serve_granian(port: int) -> None:
    from granian.constants import HTTPModes, Interfaces  # type: ignore[import-not-found]
    from granian.server.embed import Server  # type: ignore[import-not-found]

    await Server(
        app, port=port, interface=Interfaces.ASGI, http=HTTPModes.http1, websockets=False,
        log_enabled=False,
    ).serve()  # fmt: skip


def serve(name: str, port: int) -> None:
    if name.startswith("uvicorn"):
        import uvicorn

        lean = name != "uvicorn"
        config = uvicorn.Config(
            raw_app if name == "uvicorn-raw" else app, port=port, loop="none", http="httptools",
            lifespan="on", access_log=False, log_level="warning", proxy_headers=not lean,
            server_header=not lean,
        )  # fmt: skip
        uvloop.run(uvicorn.Server(config).serve())
    elif name == "aiohttp":
        uvloop.run(_serve_aiohttp(port))
    else:
        uvloop.run(_serve_granian(port))


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _wrk(port: int, body: Path, seconds: int) -> int:
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", "-c32", f"-d{seconds}s", "-s",
         str(ROOT / "bench/wrk/post.lua"), f"http://127.0.0.1:{port}/", "--", str(body), "k"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"KORDON_RESULT (\{.*\})", out.stdout)
    if match is None or json.loads(match[1])["non2xx"]:
        raise SystemExit(f"server_layer: bad wrk run on port {port}: {out.stdout}")
    requests: int = json.loads(match[1])["requests"]
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("servers", nargs="*", choices=[*SERVERS, []], help=", ".join(SERVERS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=4)
    parser.add_argument("--serve", nargs=2, metavar=("SERVER", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    body = ROOT / "var" / "server_layer_body.json"
    body.parent.mkdir(exist_ok=True)
    body.write_bytes(
        orjson.dumps({"model": "auto", "messages": [{"role": "user", "content": "x" * 1000}]})
    )
    servers: list[str] = args.servers or list(SERVERS[:4])
    ports: dict[str, int] = {}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in servers:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                ports[name] = sock.getsockname()[1]
            processes[name] = subprocess.Popen(
                ["taskset", "-c", "0", sys.executable, __file__, "--serve", name, str(ports[name])],
                stderr=subprocess.DEVNULL,  # aiohttp logs every connection wrk drops at its end
            )
        time.sleep(4)
        for name in servers:
            _wrk(ports[name], body, 2)  # warm-up
        results: dict[str, list[float]] = {name: [] for name in servers}
        for round_ in range(args.rounds):
            for name in servers if round_ % 2 == 0 else servers[::-1]:
                pid = processes[name].pid
                t0 = _ticks(pid)
                requests = _wrk(ports[name], body, args.duration)
                results[name].append(1e6 * (_ticks(pid) - t0) / HZ / requests)
    finally:
        for process in processes.values():
            process.terminate()
            process.wait()
    print("| server | µs CPU/request, median (min-max) |\n|---|---:|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f}) |")


if __name__ == "__main__":
    main()
