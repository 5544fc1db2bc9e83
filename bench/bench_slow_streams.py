"""Thousands of slow streams through one gateway instance, without a stall.

    .venv/bin/python bench/bench_slow_streams.py [--streams 2000] [--chunks 15] [--interval 0.2]

A local aiohttp upstream (its own process, CPU 1) answers every streamed chat completion with
`--chunks` SSE chunks, one every `--interval` seconds, and records the gap between its own
sends. The client (this process, CPU 1) opens `--streams` streams at once, first straight to
the upstream (the baseline: what the client and upstream alone do) and then through Kordon as
shipped (`bench/start-kordon.sh`, gateway + OPA on CPU 0), and records the gap between the
chunks it receives. A stall shows as a client gap far above the upstream's. Prints both gap
distributions per run, streams completed and errors. Reported, never asserted.

The gateway runs with `KORDON_UPSTREAM_POOL_SIZE` raised to the stream count (the default pool,
256, would queue streams beyond it before their first byte). The process's open-file limit is
raised to its hard limit (each stream holds two sockets at the gateway).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import uvloop
from aiohttp import web

REPO = Path(__file__).resolve().parents[1]
CHUNK = {
    "id": "chatcmpl-slow",
    "object": "chat.completion.chunk",
    "created": 0,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "delta": {"content": "word "}, "finish_reason": None}],
}


def _percentiles(gaps: list[float]) -> str:
    if not gaps:
        return "no gaps"
    gaps = sorted(gaps)

    def at(q: float) -> float:
        return 1000 * gaps[min(len(gaps) - 1, int(q * len(gaps)))]

    return (
        f"p50 {at(0.5):.1f} ms, p90 {at(0.9):.1f}, p99 {at(0.99):.1f}, p99.9 {at(0.999):.1f}, "
        f"max {1000 * gaps[-1]:.1f} (n={len(gaps)})"
    )


# --------------------------------------------------------------------------- upstream process
def upstream_main(port: int, chunks: int, interval: float) -> None:
    gaps: list[float] = []

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if not body.get("stream"):
            return web.json_response({"error": {"message": "stream only"}}, status=400)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        event = b"data: " + orjson.dumps(CHUNK) + b"\n\n"
        last = time.monotonic()
        for _ in range(chunks):
            await asyncio.sleep(interval)
            await response.write(event)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        await response.write(b"data: [DONE]\n\n")
        return response

    async def dump(_: web.Request) -> web.Response:
        body = orjson.dumps(gaps)
        gaps.clear()
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/gaps", dump)
    uvloop.run(web._run_app(app, host="127.0.0.1", port=port, print=None, access_log=None))


# --------------------------------------------------------------------------- client
async def _one(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> list[float]:
    body = {"model": "gpt-4o-mini", "stream": True, "max_tokens": 64,
            "messages": [{"role": "user", "content": "Tell me a slow story."}]}  # fmt: skip
    gaps: list[float] = []
    async with session.post(url, json=body, headers=headers) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
        last = None
        done = False
        async for line in response.content:
            if not line.startswith(b"data: "):
                continue
            if line.startswith(b"data: [DONE]"):
                done = True
                break
            now = time.monotonic()
            if last is not None:
                gaps.append(now - last)
            last = now
        if not done:
            raise RuntimeError("stream ended without [DONE]")
    return gaps


async def run_streams(
    url: str, headers: dict[str, str], streams: int, ramp_s: float = 0.0
) -> tuple[list[float], list[str], float]:
    """Open `streams` streams, evenly spread over `ramp_s` seconds (0: all at once)."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=300)

    async def opened_at(delay: float) -> list[float]:
        await asyncio.sleep(delay)
        return await _one(session, url, headers)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.monotonic()
        results = await asyncio.gather(
            *(opened_at(ramp_s * i / streams) for i in range(streams)), return_exceptions=True
        )
        elapsed = time.monotonic() - started
    gaps = [g for r in results if isinstance(r, list) for g in r]
    errors = [repr(r)[:200] for r in results if isinstance(r, BaseException)]
    return gaps, errors, elapsed


def _wait(url: str, headers: dict[str, str]) -> None:
    for _ in range(300):
        try:
            asyncio.run(run_streams(url, headers, 1))
            return
        except (aiohttp.ClientError, OSError, RuntimeError):
            time.sleep(0.2)
    raise SystemExit(f"FAIL: {url} never answered a stream")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds to open them over")
    parser.add_argument("--port", type=int, default=9130)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    upstream_port = args.port + 1
    upstream = subprocess.Popen(
        [sys.executable, __file__, "--upstream-child", str(upstream_port), str(args.chunks),
         str(args.interval)],
        cwd=REPO,
    )  # fmt: skip
    env = {**os.environ, "UPSTREAM": f"http://127.0.0.1:{upstream_port}/v1",
           "KORDON_UPSTREAM_POOL_SIZE": str(args.streams + 64)}  # fmt: skip
    out = subprocess.run(
        ["bash", "bench/start-kordon.sh", str(args.port), "0"],
        cwd=REPO, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    pid, key, _work = out.stdout.split()
    gateway_pid = int(pid)
    try:
        direct = f"http://127.0.0.1:{upstream_port}/v1/chat/completions"
        gateway = f"http://127.0.0.1:{args.port}/v1/chat/completions"
        auth = {"Authorization": f"Bearer {key}"}
        _wait(direct, {})
        _wait(gateway, auth)
        print(f"{args.streams} streams opened over {args.ramp:.1f} s, {args.chunks} chunks each, "
              f"one every {1000 * args.interval:.0f} ms; fd limit {hard} (was {soft})")  # fmt: skip
        for name, url, headers in (("direct", direct, {}), ("kordon", gateway, auth)):
            asyncio.run(_upstream_gaps(upstream_port))  # reset
            gaps, errors, elapsed = uvloop.run(run_streams(url, headers, args.streams, args.ramp))
            upstream_gaps = asyncio.run(_upstream_gaps(upstream_port))
            done, ideal = args.streams - len(errors), args.ramp + args.chunks * args.interval
            print(f"== {name}: {done}/{args.streams} streams complete in {elapsed:.1f} s"
                  f" (ideal {ideal:.1f} s), {len(errors)} errors")  # fmt: skip
            print(f"   client gaps:   {_percentiles(gaps)}")
            print(f"   upstream gaps: {_percentiles(upstream_gaps)}")
            for error in errors[:3]:
                print(f"   error: {error}")
    finally:
        os.kill(gateway_pid, 15)
        upstream.terminate()
        upstream.wait()


async def _upstream_gaps(port: int) -> list[float]:
    """The upstream's own send gaps since the last call (and forget them)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/gaps") as response,
    ):
        gaps: list[float] = orjson.loads(await response.read())
    return gaps


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--upstream-child":
        upstream_main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        main()
