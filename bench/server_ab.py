"""CPU per request of two or more gateway source trees, interleaved on the same machine.

    .venv/bin/python bench/server_ab.py base=/tmp/base new=. [--rounds 5 --duration 8 --stream]

Each variant is `name=DIR`: `kordon serve` as shipped (bench/start-kordon.sh) with the `app`
package imported from DIR (PYTHONPATH), so a snapshot of the tree before a change can run beside
the working tree. All gateways run at once (pinned to CPU 0 with their OPA sidecars); every round
sends wrk c=32 to each in turn (A, B, A, B, ...) against the gateway-bench mock (CPU 1) and reads
the utime+stime of the gateway and of its OPA child from /proc. A shared machine makes req/s
noise; CPU per request is what compares, also less the gateway's idle CPU (measured once per
variant), which a slower run spreads over fewer requests. Prints medians and ranges over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
GWBENCH = Path(os.environ.get("GWBENCH", ROOT.parent / "shared" / "gateway-bench"))
HZ = os.sysconf("SC_CLK_TCK")
PROMPT = (
    "Summarise the quarterly operations report for the logistics team: shipments were "
    "delayed by weather in the north, warehouse throughput rose, and two routes changed. "
) * 5


@dataclass
class Variant:
    name: str
    source: Path
    port: int
    pid: int = 0
    key: str = ""
    idle_ms_per_s: float = 0.0
    gateway_ms: list[float] = field(default_factory=list)
    busy_ms: list[float] = field(default_factory=list)
    opa_ms: list[float] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _opa_child(pid: int) -> int:
    out = subprocess.run(["pgrep", "-P", str(pid), "-x", "opa"], capture_output=True, text=True)
    return int(out.stdout.split()[0])


def _start(variant: Variant, env: dict[str, str]) -> None:
    env = {
        **env,
        "PYTHONPATH": str(variant.source.resolve()),
        "KORDON_OPA_URL": f"http://127.0.0.1:{_free_port()}",
    }
    out = subprocess.run(
        ["bash", "bench/start-kordon.sh", str(variant.port), "0"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"server_ab: {variant.name} did not start: {out.stderr}")
    pid, key, _ = out.stdout.split()
    variant.pid, variant.key = int(pid), key


def _ready(variant: Variant, body: bytes) -> None:
    url = f"http://127.0.0.1:{variant.port}/v1/chat/completions"
    headers = {"Authorization": f"Bearer {variant.key}", "Content-Type": "application/json"}
    answer: object = None
    for _ in range(600):
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=5)
            if response.status_code == 200:
                return
            answer = response.status_code
        except httpx.HTTPError as exc:
            answer = exc
        time.sleep(0.2)
    raise SystemExit(f"server_ab: {variant.name} never answered 200: {answer}")


def wrk_chat(
    port: int, key: str, body_file: Path, seconds: int, conns: int = 32
) -> dict[str, float]:
    """wrk (on the load core) posting `body_file` as a chat completion to the gateway on
    `port`; bench/wrk/post.lua's KORDON_RESULT line."""
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench/wrk/post.lua"),
         f"http://127.0.0.1:{port}/v1/chat/completions", "--", str(body_file), key],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"KORDON_RESULT (\{.*\})", out.stdout)
    if match is None:
        raise SystemExit(f"no wrk result from the gateway on port {port}: {out.stdout}")
    result: dict[str, float] = json.loads(match[1])
    return result


def _idle(variant: Variant, seconds: int) -> None:
    """The gateway's CPU with no requests (timers, the bundle served to OPA's polling): a fixed
    cost that a slower run spreads over fewer requests."""
    t0, g0 = time.monotonic(), _ticks(variant.pid)
    time.sleep(seconds)
    variant.idle_ms_per_s = 1000 * (_ticks(variant.pid) - g0) / HZ / (time.monotonic() - t0)


def _measure(variant: Variant, body_file: Path, seconds: int) -> None:
    opa = _opa_child(variant.pid)
    g0, o0 = _ticks(variant.pid), _ticks(opa)
    result = wrk_chat(variant.port, variant.key, body_file, seconds)
    g1, o1 = _ticks(variant.pid), _ticks(opa)
    requests = result["requests"]
    failed = {k: result[k] for k in ("non2xx", "timeouts", "read_errors") if result[k]}
    gateway_ms = 1000 * (g1 - g0) / HZ
    idle_ms = variant.idle_ms_per_s * result["duration_us"] / 1e6
    variant.gateway_ms.append(gateway_ms / requests)
    variant.busy_ms.append((gateway_ms - idle_ms) / requests)
    variant.opa_ms.append(1000 * (o1 - o0) / HZ / requests)
    variant.rps.append(requests / (result["duration_us"] / 1e6))
    print(
        f"  {variant.name:>10}: gateway {variant.gateway_ms[-1]:.3f} ms/req "
        f"({variant.busy_ms[-1]:.3f} less idle), "
        f"OPA {variant.opa_ms[-1]:.3f}, {variant.rps[-1]:.0f} req/s, failed {failed or 0}",
        flush=True,
    )


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="name=DIR, imported as `app` from DIR")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per measurement")
    parser.add_argument("--stream", action="store_true", help="streamed chat (20 chunks)")
    args = parser.parse_args()
    variants = [
        Variant(name, Path(source), _free_port())
        for name, source in (v.split("=", 1) for v in args.variants)
    ]
    work = Path(tempfile.mkdtemp(prefix="server-ab."))
    body: dict[str, object] = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a concise assistant for operations reports."},
            {"role": "user", "content": PROMPT},
        ],
        "max_tokens": 256,
    }
    if args.stream:
        body["stream"] = True
    body_file = work / "body.json"
    body_file.write_bytes(json.dumps(body).encode())
    mock_env = {**os.environ, "GWBENCH_RUN": str(work / "mock")}
    mock = [sys.executable, str(GWBENCH / "mock.py")]
    mock_port = _free_port()
    subprocess.run([*mock, "start", "--port", str(mock_port), "--cpu", "1"], env=mock_env,
                   check=True, capture_output=True)  # fmt: skip
    env = {**os.environ, "UPSTREAM": f"http://127.0.0.1:{mock_port}/v1"}
    try:
        for variant in variants:
            _start(variant, env)
        for variant in variants:
            _ready(variant, body_file.read_bytes())
            wrk_chat(variant.port, variant.key, body_file, 3)  # warm-up
        for variant in variants:
            _idle(variant, args.duration)
            print(f"  {variant.name:>10}: idle {variant.idle_ms_per_s:.2f} ms CPU/s", flush=True)
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}", flush=True)
            order = variants if round_ % 2 == 0 else variants[::-1]
            for variant in order:
                _measure(variant, body_file, args.duration)
    finally:
        for variant in variants:
            if variant.pid:
                _stop(variant.pid)
        subprocess.run([*mock, "stop"], env=mock_env, capture_output=True)
    mode = "stream" if args.stream else "json"
    print(f"\n{mode}, wrk c=32, {args.rounds} rounds x {args.duration} s; median (min-max)")
    print("| variant | gateway CPU ms/req | less idle | OPA CPU ms/req | req/s (noise) |")
    print("|---|---:|---:|---:|---:|")
    for v in variants:
        print(f"| {v.name} | {_summary(v.gateway_ms)} | {_summary(v.busy_ms)} | "
              f"{_summary(v.opa_ms)} | {statistics.median(v.rps):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
