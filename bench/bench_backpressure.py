"""Decision backpressure: fail-closed 503s, latency and CPU per request under load.

    .venv/bin/python bench/bench_backpressure.py \\
        before:KORDON_OPA_POOL_SIZE=64,KORDON_OPA_QUEUE_TIMEOUT_S=3600 after: \\
        [--rounds 3 --duration 10 --conns 8,32,128 --memo]

Each variant is `name:VAR=VALUE,...`: `kordon serve` as shipped (bench/start-kordon.sh, pinned to
CPU 0 with its OPA sidecar) with those variables added to its environment (`KORDON_*` settings,
OPA's `GOMAXPROCS`/`GOMEMLIMIT`/`GODEBUG`, or `PYTHONPATH=DIR` to run another source tree). The
decision memo is off (`KORDON_DECISION_MEMO_SIZE=0`, every request a trip to OPA) unless
`--memo`. All variants run at once against a private gateway-bench mock (CPU 1, its own port:
the shared mock is left alone); every round sends the harness's 1 KB chat with wrk (CPU 1) at
each concurrency to each variant in turn, the order alternating by round. Per run: non-2xx
answers, the gateway's failed decisions by cause from its log (`ConnectionTimeoutError`: the
wait for a decision slot in the gateway ran out; `SocketTimeoutError`: OPA's answer took longer
than `KORDON_OPA_TIMEOUT_S`), wrk's p50/p99, and the CPU time (utime + stime from /proc) of the
gateway and of its OPA child per request. With `GODEBUG=gctrace=1` in a variant, OPA's GC cycles
(which the gateway logs) are counted too. Medians and spread over rounds go to stdout and
var/bench/backpressure.json. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_ab import (
    GWBENCH,
    HZ,
    ROOT,
    _free_port,
    _opa_child,
    _ready,
    _stop,
    _ticks,
    wrk_chat,
)

OUT = ROOT / "var" / "bench" / "backpressure.json"
FAILED = re.compile(rb"decision \S+ failed: (\w+)")
OPA_GC = re.compile(rb"opa: gc \d+ @")


@dataclass
class Variant:
    name: str
    env: dict[str, str]
    port: int
    pid: int = 0
    key: str = ""
    log: Path = Path()
    runs: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: collections.defaultdict(list)
    )


def _parse(spec: str) -> Variant:
    name, _, assignments = spec.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if a)
    return Variant(name, env, _free_port())


def _harness_body() -> bytes:
    """The shared harness's JSON request (its `request_body`), byte for byte."""
    sys.path.insert(0, str(GWBENCH))
    harness = importlib.import_module("bench")  # its own module: the body cannot drift from it
    body: str = harness.request_body("gpt-4o-mini", False)
    return body.encode()


def _start(variant: Variant, env: dict[str, str]) -> None:
    env = {**env, "KORDON_OPA_URL": f"http://127.0.0.1:{_free_port()}", **variant.env}
    out = subprocess.run(
        ["bash", "bench/start-kordon.sh", str(variant.port), "0"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"bench_backpressure: {variant.name} did not start: {out.stderr}")
    pid, key, work = out.stdout.split()
    variant.pid, variant.key, variant.log = int(pid), key, Path(work) / "kordon.log"


def _measure(variant: Variant, body_file: Path, conns: int, seconds: int) -> None:
    opa = _opa_child(variant.pid)
    offset = variant.log.stat().st_size
    g0, o0 = _ticks(variant.pid), _ticks(opa)
    result = wrk_chat(variant.port, variant.key, body_file, seconds, conns)
    g1, o1 = _ticks(variant.pid), _ticks(opa)
    with variant.log.open("rb") as log:
        log.seek(offset)
        logged = log.read()
    requests = result["requests"]
    run = {
        "requests": requests,
        "rps": requests / (result["duration_us"] / 1e6),
        "non2xx": result["non2xx"],
        "socket_errors": sum(
            result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        "failed": dict(collections.Counter(m.decode() for m in FAILED.findall(logged))),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "gateway_ms": 1000 * (g1 - g0) / HZ / requests,
        "opa_ms": 1000 * (o1 - o0) / HZ / requests,
        "opa_gc_cycles": len(OPA_GC.findall(logged)),
    }
    variant.runs[conns].append(run)
    print(
        f"  c={conns:<4} {variant.name:>10}: {run['rps']:.0f} req/s, non-2xx {run['non2xx']} "
        f"{run['failed'] or ''}, p50 {run['p50_ms']:.1f} p99 {run['p99_ms']:.1f} ms, CPU "
        f"gateway {run['gateway_ms']:.3f} + OPA {run['opa_ms']:.3f} ms/req"
        + (f", OPA GCs {run['opa_gc_cycles']}" if run["opa_gc_cycles"] else ""),
        flush=True,
    )


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _summary(variant: Variant) -> dict[int, dict[str, Any]]:
    summary: dict[int, dict[str, Any]] = {}
    for conns, runs in variant.runs.items():
        failed: collections.Counter[str] = collections.Counter()
        for run in runs:
            failed.update(run["failed"])
        summary[conns] = {
            "requests": sum(r["requests"] for r in runs),
            "non2xx": sum(r["non2xx"] for r in runs),
            "socket_errors": sum(r["socket_errors"] for r in runs),
            "failed": dict(failed),
            **{
                k: _spread([r[k] for r in runs])
                for k in ("rps", "p50_ms", "p99_ms", "gateway_ms", "opa_ms")
            },
            "cpu_ms": _spread([r["gateway_ms"] + r["opa_ms"] for r in runs]),
        }
    return summary


def _fmt(spread: dict[str, float], digits: int) -> str:
    return f"{spread['median']:.{digits}f} ({spread['min']:.{digits}f}-{spread['max']:.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="name:VAR=VALUE,... (environment added)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per run")
    parser.add_argument("--conns", default="8,32,128", help="wrk connection counts")
    parser.add_argument("--memo", action="store_true", help="decision memo on (as shipped)")
    args = parser.parse_args()
    variants = [_parse(spec) for spec in args.variants]
    conns_list = [int(c) for c in args.conns.split(",")]
    work = Path(tempfile.mkdtemp(prefix="backpressure."))
    body_file = work / "body.json"
    body_file.write_bytes(_harness_body())
    mock_env = {**os.environ, "GWBENCH_RUN": str(work / "mock")}
    mock = [sys.executable, str(GWBENCH / "mock.py")]
    mock_port = _free_port()
    subprocess.run([*mock, "start", "--port", str(mock_port), "--cpu", "1"], env=mock_env,
                   check=True, capture_output=True)  # fmt: skip
    env = {**os.environ, "UPSTREAM": f"http://127.0.0.1:{mock_port}/v1"}
    if not args.memo:
        env["KORDON_DECISION_MEMO_SIZE"] = "0"
    try:
        for variant in variants:
            _start(variant, env)
        for variant in variants:
            _ready(variant, body_file.read_bytes())  # type: ignore[arg-type]
            wrk_chat(variant.port, variant.key, body_file, 3, max(conns_list))  # warm-up
        for round_ in range(args.rounds):
            print(f"round {round_ + 1}", flush=True)
            for conns in conns_list:
                order = variants if round_ % 2 == 0 else variants[::-1]
                for variant in order:
                    _measure(variant, body_file, conns, args.duration)
    finally:
        for variant in variants:
            if variant.pid:
                _stop(variant.pid)
        subprocess.run([*mock, "stop"], env=mock_env, capture_output=True)
    report: dict[str, dict[str, Any]] = {
        v.name: {"env": v.env, "by_conns": _summary(v)} for v in variants
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"memo": args.memo, "rounds": args.rounds, "variants": report}))
    print(
        f"\nmemo {'on' if args.memo else 'off'}, wrk, {args.rounds} rounds x {args.duration} s; "
        "errors summed over rounds, the rest median (min-max)"
    )
    print("| c | variant | non-2xx (cause) | req/s | p50 ms | p99 ms | CPU ms/req (gw+OPA) |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for conns in conns_list:
        for v in variants:
            s = report[v.name]["by_conns"][conns]
            causes = ", ".join(f"{k} {n}" for k, n in s["failed"].items())
            print(
                f"| {conns} | {v.name} | {s['non2xx']}{f' ({causes})' if causes else ''} | "
                f"{_fmt(s['rps'], 0)} | {_fmt(s['p50_ms'], 1)} | {_fmt(s['p99_ms'], 1)} | "
                f"{_fmt(s['cpu_ms'], 3)} |"
            )


if __name__ == "__main__":
    main()
