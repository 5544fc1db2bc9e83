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

`--probe` traces where a stall comes from: the gateway starts with a `sitecustomize` (written to
the run's temporary directory, not shipped) that times every garbage collection by generation
and runs a loop-lag task (a 10 ms sleep that reports how late it woke). `--only kordon` skips the
direct baseline; `--cpu-per-stream` prints the gateway's and OPA's CPU (from /proc) per stream.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
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


# What `--probe` loads into the gateway: every full (gen2) collection (its CPU time) and every
# loop lag of 5 ms or more as one JSON line to $KORDON_PROBE_FILE, and every 5 s the running
# totals per generation and the number of objects the cyclic GC tracks (frozen ones excluded).
PROBE = """
import asyncio, collections, gc, json, os, time
import uvloop

_out = open(os.environ["KORDON_PROBE_FILE"], "a", buffering=1)
_totals = {0: [0, 0.0, 0.0], 1: [0, 0.0, 0.0], 2: [0, 0.0, 0.0]}  # runs, total s, max s
_started = [0.0]


def _gc(phase, info):
    # CPU time of this thread: what the collection itself cost, whatever else ran on the core.
    now = time.thread_time()
    if phase == "start":
        _started[0] = now
        return
    took, generation = now - _started[0], info["generation"]
    total = _totals[generation]
    total[0] += 1
    total[1] += took
    total[2] = max(total[2], took)
    if generation == 2:
        _out.write(json.dumps({"gen2_ms": 1000 * took, "at": time.time()}) + "\\n")


gc.callbacks.append(_gc)
if os.environ.get("KORDON_PROBE_GC_THRESHOLD"):
    gc.set_threshold(*map(int, os.environ["KORDON_PROBE_GC_THRESHOLD"].split(",")))


async def _lag():
    last_totals = time.perf_counter()
    while True:
        before, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        late = now - before - 0.01
        if late >= 0.005:
            # The loop's own CPU over the lag: near the lag, the loop was busy (a long callback,
            # a collection); far below it, the process was off the core or blocked.
            own = time.thread_time() - cpu
            _out.write(json.dumps({"lag_ms": 1000 * late, "cpu_ms": 1000 * own,
                                   "at": time.time()}) + "\\n")
        if now - last_totals >= 5:
            last_totals = now
            tracked = gc.get_objects()  # costs a few ms: every 5 s only
            kinds = collections.Counter(type(o).__qualname__ for o in tracked).most_common(12)
            _out.write(json.dumps({"totals": _totals, "tracked": len(tracked), "kinds": kinds,
                                   "at": time.time()}) + "\\n")
            del tracked


_run = uvloop.run


def _probed_run(main, **kwargs):
    async def wrapper():
        task = asyncio.create_task(_lag())
        try:
            return await main
        finally:
            task.cancel()

    return _run(wrapper(), **kwargs)


uvloop.run = _probed_run
"""


def _probe_report(path: Path, since: float) -> list[str]:
    """Summarise the probe's lines written after `since` (wall clock): lags, GC runs."""
    lags: list[float] = []
    busy: list[float] = []
    gen2: list[float] = []
    first: dict[str, list[float]] | None = None
    last: dict[str, list[float]] | None = None
    tracked: list[int] = []
    kinds: list[tuple[str, int]] = []
    for line in path.read_text().splitlines():
        record = orjson.loads(line)
        if record["at"] < since:
            continue
        if "lag_ms" in record:
            lags.append(record["lag_ms"] / 1000)
            busy.append(record["cpu_ms"] / 1000)
        elif "gen2_ms" in record:
            gen2.append(record["gen2_ms"])
        else:
            first = first or record["totals"]
            last = record["totals"]
            tracked.append(record["tracked"])
            if record["tracked"] >= max(tracked):
                kinds = record["kinds"]
    lines = [
        f"   loop lag >= 5 ms: {len(lags)} times; " + _percentiles(lags),
        f"   the loop's own CPU in those lags: {1000 * sum(busy):.0f} of {1000 * sum(lags):.0f} ms"
        " (the rest: off the core or blocked)",
    ]
    if gen2:
        lines.append(f"   full (gen2) collections: {len(gen2)}, CPU ms each "
                     f"{', '.join(f'{ms:.0f}' for ms in gen2[:16])}")  # fmt: skip
    if tracked:
        lines.append(f"   objects tracked by the GC: max {max(tracked):,}")
        lines.append("     most common then: " + ", ".join(f"{k} {n:,}" for k, n in kinds))
    if first is not None and last is not None:
        for generation in ("0", "1"):
            runs = last[generation][0] - first[generation][0]
            took = 1000 * (last[generation][1] - first[generation][1])
            lines.append(f"   gen{generation} collections: {runs}, {took:.0f} CPU ms in all, "
                         f"longest so far {1000 * last[generation][2]:.1f} ms")  # fmt: skip
    return lines


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
        _gaps, errors, _elapsed = asyncio.run(run_streams(url, headers, 1))
        if not errors:
            return
        time.sleep(0.2)
    raise SystemExit(f"FAIL: {url} never answered a stream")


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _opa_pid(gateway_pid: int) -> int:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            name, _, rest = stat.read_text().partition(") ")
            if name.endswith("(opa") and int(rest.split()[1]) == gateway_pid:
                return int(stat.parent.name)
    raise SystemExit("FAIL: the gateway has no OPA child")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds to open them over")
    parser.add_argument("--port", type=int, default=9130, help="gateway; upstream +1, OPA +2")
    parser.add_argument("--only", choices=("direct", "kordon"), help="run one side only")
    parser.add_argument("--probe", action="store_true", help="trace GC pauses and loop lag")
    parser.add_argument("--gc-threshold", default="", help="with --probe: gc.set_threshold(A,B,C)")
    parser.add_argument("--root", type=Path, default=REPO,
                        help="the source tree to run Kordon from (A/B against a copy)")  # fmt: skip
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.sched_setaffinity(0, {1})
    upstream_port = args.port + 1
    root = args.root.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="slow-streams-"))
    paths = [str(root)]
    probe_file = scratch / "probe.jsonl"
    if args.probe:
        (scratch / "sitecustomize.py").write_text(PROBE)
        paths.insert(0, str(scratch))
    env = {**os.environ, "UPSTREAM": f"http://127.0.0.1:{upstream_port}/v1",
           "KORDON_UPSTREAM_POOL_SIZE": str(args.streams + 64),
           "KORDON_OPA_URL": f"http://127.0.0.1:{args.port + 2}",
           "PYTHONPATH": os.pathsep.join(paths), "KORDON_PROBE_FILE": str(probe_file),
           "KORDON_PROBE_GC_THRESHOLD": args.gc_threshold}  # fmt: skip
    out = subprocess.run(
        ["bash", str(root / "bench/start-kordon.sh"), str(args.port), "0"],
        cwd=root, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    pid, key, _work = out.stdout.split()
    gateway_pid = int(pid)
    upstream = subprocess.Popen(
        [sys.executable, __file__, "--upstream-child", str(upstream_port), str(args.chunks),
         str(args.interval)],
        cwd=REPO,
    )  # fmt: skip
    try:
        direct = f"http://127.0.0.1:{upstream_port}/v1/chat/completions"
        gateway = f"http://127.0.0.1:{args.port}/v1/chat/completions"
        auth = {"Authorization": f"Bearer {key}"}
        _wait(direct, {})
        _wait(gateway, auth)
        opa_pid = _opa_pid(gateway_pid)
        print(f"{args.streams} streams opened over {args.ramp:.1f} s, {args.chunks} chunks each, "
              f"one every {1000 * args.interval:.0f} ms; fd limit {hard} (was {soft}); "
              f"kordon from {root}{', probed' if args.probe else ''}")  # fmt: skip
        sides: tuple[tuple[str, str, dict[str, str]], ...] = (
            ("direct", direct, {}),
            ("kordon", gateway, auth),
        )
        for name, url, headers in sides:
            if args.only not in (None, name):
                continue
            asyncio.run(_upstream_gaps(upstream_port))  # reset
            since = time.time()
            ticks = _cpu_ticks(gateway_pid), _cpu_ticks(opa_pid)
            gaps, errors, elapsed = uvloop.run(run_streams(url, headers, args.streams, args.ramp))
            spent = _cpu_ticks(gateway_pid) - ticks[0], _cpu_ticks(opa_pid) - ticks[1]
            upstream_gaps = asyncio.run(_upstream_gaps(upstream_port))
            done, ideal = args.streams - len(errors), args.ramp + args.chunks * args.interval
            print(f"== {name}: {done}/{args.streams} streams complete in {elapsed:.1f} s"
                  f" (ideal {ideal:.1f} s), {len(errors)} errors")  # fmt: skip
            print(f"   client gaps:   {_percentiles(gaps)}")
            print(f"   upstream gaps: {_percentiles(upstream_gaps)}")
            if name == "kordon":
                per_stream = 1000 / os.sysconf("SC_CLK_TCK") / args.streams
                print(f"   CPU per stream: gateway {spent[0] * per_stream:.2f} ms, "
                      f"OPA {spent[1] * per_stream:.2f} ms")  # fmt: skip
                if args.probe:
                    print("\n".join(_probe_report(probe_file, since)))
            for error in errors[:3]:
                print(f"   error: {error}")
    finally:
        with contextlib.suppress(ProcessLookupError):
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
