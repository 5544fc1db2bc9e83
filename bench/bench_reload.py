"""Hot reload under load (issue #9): a real `kordon serve` polling the bundle service every
second, loaded for 20 s at concurrency 16 while two signed revisions are published, and, in the
same invocation, a baseline run that publishes nothing (same load, same machine, minutes apart).

The load is paced at `--rate` requests/s (300: "several hundred", below what this 2-core
machine saturates at); `--rate 0` runs every client as fast as it is answered, which saturates
the machine on purpose.

Reports per run: req/s, the non-2xx answers (and how many fell inside a reload window: from a
publish to 1 s after the first response under it), OPA's own handler-time histogram for the
decision calls (its `/metrics`), how long OPA's and the gateway's threads ran and how long they
waited for a CPU (the kernel's schedstat), the machine's load average, and the time from each
publish to the first response under it.

    .venv/bin/python bench/bench_reload.py [--runs 2] [--duration 20] [--rate 300]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from tests.support.reload_run import ReloadRun, run_with_publishes
from tests.support.signed_bundles import publish
from tests.support.signed_serve import signed_serve

_REVISIONS = ("v2", "v3")
_WINDOW_S = 1.0  # a failure this long after a revision was first seen counts as "in reload"


def _opa_handler_times(opa_port: int) -> str:
    """OPA's own histogram of `POST /v1/data` handler times: how many took over 10/100 ms."""
    buckets: dict[str, float] = {}
    for line in httpx.get(f"http://127.0.0.1:{opa_port}/metrics").text.splitlines():
        decisions = 'handler="v1/data"' in line and 'method="post"' in line
        if line.startswith("http_request_duration_seconds_bucket") and decisions:
            bound = line.split('le="')[1].split('"')[0]
            buckets[bound] = buckets.get(bound, 0) + float(line.rsplit(" ", 1)[1])
    total = buckets.get("+Inf", 0)
    over = {b: total - buckets.get(b, total) for b in ("0.01", "0.1", "1")}
    return (
        f"OPA handler: {total:.0f} decisions, >10 ms {over['0.01']:.0f}, "
        f">100 ms {over['0.1']:.0f}, >1 s {over['1']:.0f}"
    )


def _cpu(pid: int) -> tuple[float, float]:
    """Seconds a process's threads ran on a CPU and waited runnable for one (schedstat)."""
    ran = waited = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that has just exited
            on_cpu, on_queue, _ = (task / "schedstat").read_text().split()
            ran, waited = ran + int(on_cpu), waited + int(on_queue)
    return ran / 1e9, waited / 1e9


def _cpu_report(name: str, before: tuple[float, float], after: tuple[float, float]) -> str:
    ran, waited = after[0] - before[0], after[1] - before[1]
    return f"{name} ran {ran:.1f} s on a CPU and waited {waited:.1f} s for one"


def _in_reload(run: ReloadRun, at: float) -> bool:
    for revision, published in run.published_at.items():
        seen = run.first_seen(revision)
        if seen is not None and published <= at <= seen + _WINDOW_S:
            return True
    return False


def _report(label: str, run: ReloadRun, opa: str, load: tuple[float, float], cpu: str) -> None:
    duration = run.responses[-1][0]
    failures = run.failures()
    in_reload = sum(_in_reload(run, t) for t, _, _ in failures)
    print(
        f"[{label}] {len(run.responses)} requests in {duration:.1f} s "
        f"= {len(run.responses) / duration:.0f} req/s; non-2xx {len(failures)} "
        f"({in_reload} inside a reload window); load average {load[0]:.1f} -> {load[1]:.1f}"
    )
    print(f"[{label}] non-2xx at (s, status):", [(round(t, 2), s) for t, s, _ in failures])
    print(f"[{label}] {opa}")
    print(f"[{label}] {cpu}")
    for revision, published in run.published_at.items():
        seen = run.first_seen(revision)
        if seen is None:
            print(f"[{label}] {revision}: published at {published:.2f} s, never seen")
            continue
        print(
            f"[{label}] {revision}: published at {published:.2f} s, first response under it "
            f"{seen - published:.2f} s later (polling interval 1 s)"
        )
    if run.published_at:
        print(f"[{label}] regressions {len(run.regressions(['v1', *_REVISIONS]))}")


def _one_run(root: Path, *, reload: bool, duration_s: float, rate: float | None) -> None:
    with signed_serve(root, ("v1", *_REVISIONS), polling_s=1) as (serve, key, bundles, live):
        publishes = (
            [(name, functools.partial(publish, bundles[name], live)) for name in _REVISIONS]
            if reload
            else []
        )
        (opa,) = serve.opa_pids()
        pids = {"OPA": opa, "the gateway": serve.process.pid}
        before, cpu = os.getloadavg()[0], {name: _cpu(pid) for name, pid in pids.items()}
        run = asyncio.run(
            run_with_publishes(
                serve.url, key, publishes, concurrency=16, min_duration_s=duration_s, rate=rate
            )
        )
        load = (before, os.getloadavg()[0])
        usage = "; ".join(_cpu_report(name, cpu[name], _cpu(pid)) for name, pid in pids.items())
        label = "reload" if reload else "baseline"
        _report(label, run, _opa_handler_times(serve.opa_port), load, usage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="pairs of reload + baseline runs")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--rate", type=float, default=300.0, help="requests/s; 0: unpaced")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-reload-"))
    for index in range(args.runs):
        for reload in (True, False):
            _one_run(
                root / f"{index}-{reload}",
                reload=reload,
                duration_s=args.duration,
                rate=args.rate or None,
            )


if __name__ == "__main__":
    main()
