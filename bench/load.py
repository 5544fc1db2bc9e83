"""Load benchmark: the gateway's added latency and throughput over calling the upstream directly.

    .venv/bin/python bench/load.py [--duration 10] [--quick]

One run measures every scenario with wrk against the same mock upstream (the demo
OpenAI-compatible server), each at concurrency 1 and 32:
    direct     wrk → upstream (the baseline)
    gateway    wrk → gateway → OPA decision → upstream; quotas in the in-memory store
    no-quota   the same with a bundle whose tiers set no limits (the quota step is idle)
    redis      the same as `gateway`, quota counters in Redis (reserve + settle per request)
OPA and the gateway share core 0 (the sidecar layout); the upstream, Redis and wrk share
core 1. Results: a table on stdout and var/bench/load.json. Exits 1 on any non-2xx.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import yaml  # noqa: E402

from app.keys import KeyStore  # noqa: E402
from app.policy.bundle import BUNDLE_SOURCES, build_bundle  # noqa: E402
from tests.redis_server import start_redis  # noqa: E402
from tests.support.processes import free_port, opa_binary, running_gateway, running_opa  # noqa: E402

OUT = REPO / "var" / "bench"
LUA = REPO / "bench" / "wrk" / "post.lua"
GATEWAY_CORE, CLIENT_CORE = 0, 1
TASKSET = ["taskset", "-c", str(CLIENT_CORE)]
CONCURRENCY = {1: 1, 32: 1}  # connections -> wrk threads (one wrk thread: it shares a core)
ERRORS = ("non2xx", "connect_errors", "read_errors", "write_errors", "timeouts")
UPSTREAM = """import sys, uvloop
from aiohttp import web
from app.providers.demo import create_demo_app
web.run_app(create_demo_app("bench-upstream"), host="127.0.0.1", port=int(sys.argv[1]),
            access_log=None, print=None, loop=uvloop.new_event_loop())"""
# About 1 KB of ordinary English, no personal data; `auto` lets the policy pick the route.
PROMPT = (
    "Our team is preparing the quarterly review of the warehouse management system. Please "
    "summarise the following notes in five short bullet points for a non-technical audience. "
    "The new scanning workflow reduced the average time to receive a pallet from eleven minutes "
    "to seven. Stock counts now reconcile nightly instead of weekly, and the number of manual "
    "corrections fell by about a third. Two problems remain: the label printers in the cold "
    "storage area lose their network connection several times a day, and the picking screens "
    "are slow when more than forty orders are open at once. The vendor has proposed a firmware "
    "update for the printers and a caching change for the screens; both are scheduled for the "
    "next maintenance window. Finally, suggest two questions the review board is likely to ask "
    "and a one-sentence answer to each."
)
BODY = {
    "model": "auto",
    "messages": [
        {"role": "system", "content": "You are a concise assistant for operations reports."},
        {"role": "user", "content": PROMPT},
    ],
    "max_tokens": 300,
    "temperature": 0.2,
}
Cores = dict[str, tuple[int, int]]


def bench_policy(quotas: bool) -> Path:
    """This repo's rego/ and data/ with the response cache off and, with `quotas`, every tier
    limit raised (the quota step runs on every request but never refuses one), or without,
    no limits at all (the quota step has nothing to do)."""
    shutil.rmtree(root := OUT / ("policy" if quotas else "policy-noquota"), ignore_errors=True)
    for source in BUNDLE_SOURCES:
        shutil.copytree(REPO / source, root / source)
    tiers = yaml.safe_load((path := root / "data" / "tiers" / "data.yaml").read_text())
    for tier in tiers.values():
        tier["cache"] = {"mode": "off", "ttl_s": 0}
        tier["limits"] = [{**limit, "limit": 10**9} for limit in tier["limits"]] if quotas else []
    path.write_text(yaml.safe_dump(tiers))
    return root


def check(url: str, body: bytes, headers: dict[str, str], timeout_s: float = 20.0) -> None:
    """One request must answer 200 before any load is sent; otherwise say what came back."""
    deadline, last = time.monotonic() + timeout_s, "no answer"
    while time.monotonic() < deadline:
        try:
            r = httpx.post(url, content=body, headers=headers, timeout=5.0)
            if r.status_code == 200:
                return
            last = f"HTTP {r.status_code}: {r.text[:500]}"
        except httpx.TransportError as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise SystemExit(f"FAIL: {url} did not answer 200 ({last})")


def snapshot(pids: dict[str, int]) -> tuple[Cores, dict[str, float]]:
    """(total, idle) jiffies per core; CPU seconds per process, and of waited-for children (wrk)."""
    cores, used = {}, {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            values = [int(v) for v in fields[:8]]
            cores[name] = (sum(values), values[3] + values[4])
    for name, pid in pids.items():  # all threads: utime + stime
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["wrk"] = children.ru_utime + children.ru_stime
    return cores, used


def busy(before: Cores, after: Cores) -> dict[str, float]:
    """The share of each core that was not idle between two snapshots."""
    return {
        cpu: round(1 - (idle - before[cpu][1]) / max(1, total - before[cpu][0]), 3)
        for cpu, (total, idle) in after.items()
    }


def child_pid(marker: bytes) -> int:
    """The pid of this process's child whose command line holds `marker`."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == os.getpid() and marker in (proc / "cmdline").read_bytes():
                return int(proc.name)
        except (OSError, ValueError):
            continue
    raise RuntimeError(f"no child process runs {marker!r}")


def wrk(
    url: str, connections: int, seconds: int, body_file: Path, key: str, pids: dict[str, int]
) -> dict[str, Any]:
    threads = CONCURRENCY[connections]
    flags = f"-t{threads} -c{connections} -d{seconds}s --timeout 5s --latency".split()
    command = [*TASKSET, "wrk", *flags, "-s", str(LUA), url, "--", str(body_file), key]
    cores, used = snapshot(pids)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    cores_after, used_after = snapshot(pids)
    line = next((x for x in done.stdout.splitlines() if x.startswith("KORDON_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"FAIL: wrk exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("KORDON_RESULT "))
    seconds_run, requests = result["duration_us"] / 1e6, max(1, result["requests"])
    result["rps"] = round(result["requests"] / seconds_run, 1)
    result["threads"] = threads
    result["core_busy"] = busy(cores, cores_after)
    spent = {name: t - used[name] for name, t in used_after.items()}
    result["wrk_cpu"] = round(spent.pop("wrk") / seconds_run, 3)  # 1.0 = one core fully busy
    result["cpu_ms_per_request"] = {n: round(t * 1e3 / requests, 3) for n, t in spent.items()}
    if failures := {k: result[k] for k in ERRORS if result[k]}:
        print(f"FAIL: {url} c={connections}: {failures}", file=sys.stderr, flush=True)
    return result


def interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up")
    args = parser.parse_args()
    duration, warmup = (3, 1) if args.quick else (max(1, args.duration), 2)
    if not {GATEWAY_CORE, CLIENT_CORE} <= os.sched_getaffinity(0):
        sys.exit(f"needs cores {GATEWAY_CORE} and {CLIENT_CORE}")
    for signum in (signal.SIGINT, signal.SIGTERM):  # unwind, so every process is stopped
        signal.signal(signum, interrupted)
    OUT.mkdir(parents=True, exist_ok=True)
    body = json.dumps(BODY).encode()
    (body_file := OUT / "body.json").write_bytes(body)
    (keys_file := OUT / "keys.json").unlink(missing_ok=True)
    key, _ = KeyStore.load(keys_file).create("acme-ru", "bench-agent", ("analyst",))
    revision = build_bundle(opa_binary(), bench_policy(True), bundle := OUT / "bundle.tar.gz")
    build_bundle(opa_binary(), bench_policy(False), no_quota := OUT / "bundle-noquota.tar.gz")
    providers = yaml.safe_load((REPO / "data" / "providers" / "data.yaml").read_text())
    headers = {"Content-Type": "application/json"}
    results: list[dict[str, Any]] = []
    with ExitStack() as stack:
        # Redis serves the quota counters from the client core, as a shared Redis would
        # from another machine.
        redis_url = stack.enter_context(start_redis())
        redis_pid = str(child_pid(b"redis-server"))
        subprocess.run(
            ["taskset", "-pc", str(CLIENT_CORE), redis_pid], check=True, capture_output=True
        )
        # From here this process, and what it starts without taskset, is on core 0.
        os.sched_setaffinity(0, {GATEWAY_CORE})
        port, log = free_port(), stack.enter_context((OUT / "upstream.log").open("ab"))
        command = [*TASKSET, sys.executable, "-c", UPSTREAM, str(port)]
        up = stack.enter_context(subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log))
        stack.callback(up.terminate)  # runs first; Popen's exit then waits for the process
        upstream = f"http://127.0.0.1:{port}/v1"
        env = {}
        for spec in providers.values():  # every provider is served by the one mock upstream
            env[spec["endpoint"]["base_url_env"]] = upstream
            env[spec["endpoint"]["api_key_env"]] = "bench-upstream-key"
        check(f"{upstream}/chat/completions", body, headers)
        idle = snapshot({})[0]
        time.sleep(1)  # our processes are idle now: whatever runs is someone else's
        other = busy(idle, snapshot({})[0])
        print(
            f"bundle {revision}; body {len(body)} B; {duration} s runs after {warmup} s warm-up; "
            f"gateway and OPA on core {GATEWAY_CORE}, upstream, Redis and wrk on core "
            f"{CLIENT_CORE}; busy before load: {other}",
            flush=True,
        )
        if max(other.values()) > 0.1:
            print("WARNING: other work is running on this machine; figures will be skewed")
        scenarios = {
            "direct": None,
            "gateway": (bundle, {}),
            "no-quota": (no_quota, {}),
            "redis": (bundle, {"KORDON_REDIS_URL": redis_url}),
        }
        for scenario, setup in scenarios.items():
            with ExitStack() as running:
                pids = {"upstream": up.pid}
                base, bearer = upstream, ""
                if setup is not None:
                    opa_url, opa = running.enter_context(running_opa(setup[0]))
                    log_file = OUT / f"gateway-{scenario}.log"
                    gateway = running.enter_context(
                        running_gateway(opa_url, keys_file, {**env, **setup[1]}, log_file)
                    )
                    pids |= {"gateway": child_pid(b"app.cli"), "opa": opa.pid}
                    base, bearer = f"{gateway}/v1", key
                    check(
                        f"{base}/chat/completions",
                        body,
                        {**headers, "Authorization": f"Bearer {key}"},
                    )
                for connections in CONCURRENCY:
                    url = f"{base}/chat/completions"
                    warm = wrk(url, connections, warmup, body_file, bearer, pids)
                    result = wrk(url, connections, duration, body_file, bearer, pids)
                    result["warmup_failures"] = sum(warm[k] for k in ERRORS)
                    results.append({"scenario": scenario, "concurrency": connections, **result})
    run = {"duration_s": duration, "body_bytes": len(body), "bundle_revision": revision}
    report(results, {**run, "busy_before_load": other})


def report(results: list[dict[str, Any]], run: dict[str, Any]) -> None:
    direct = {r["concurrency"]: r for r in results if r["scenario"] == "direct"}
    print(f"\n{'scenario':9}{'conc':>5}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}", end="")
    print(f"{'added p50 ms':>14}{'rps ratio':>11}{'cpu0':>6}{'cpu1':>6}{'wrk':>5}", end="")
    print(f"{'CPU ms/req: gw':>16}{'opa':>6}{'upstream':>9}")
    for r in results:
        base = direct[r["concurrency"]]
        r["added_p50_ms"] = round((r["p50_us"] - base["p50_us"]) / 1000, 3)
        r["rps_ratio"] = round(r["rps"] / base["rps"], 3)
        share, cpu = r["core_busy"], {"gateway": 0.0, "opa": 0.0, **r["cpu_ms_per_request"]}
        print(
            f"{r['scenario']:9}{r['concurrency']:>5}{r['p50_us'] / 1000:>9.2f}"
            f"{r['p99_us'] / 1000:>9.2f}{r['rps']:>9.0f}{r['added_p50_ms']:>14.2f}"
            f"{r['rps_ratio']:>11.2f}{share['cpu0']:>6.0%}{share['cpu1']:>6.0%}{r['wrk_cpu']:>5.0%}"
            f"{cpu['gateway']:>16.2f}{cpu['opa']:>6.2f}{cpu['upstream']:>9.2f}"
        )
    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "arch": platform.machine(), "python": sys.version},
        **run,
        "results": results,
    }
    (out := OUT / "load.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(REPO)}")
    if failed := [r for r in results if r["warmup_failures"] or any(r[k] for k in ERRORS)]:
        names = ", ".join(f"{r['scenario']} c={r['concurrency']}" for r in failed)
        raise SystemExit(f"FAIL: non-2xx answers or socket errors in: {names} (see {out.name})")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt as exc:
        sys.exit(f"interrupted ({exc}); every process it started is stopped")
