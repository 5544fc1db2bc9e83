"""The decision round trip to OPA over loopback TCP and over a Unix socket, in the same run.

    .venv/bin/python bench/bench_opa_socket.py [--count 6000] [--rounds 3]

One OPA (`opa run --server` on CPU 0, both addresses, the sidecar's flags, GOGC=400) with the
bench bundle (bench/make_bundle.py); this client (aiohttp, as the gateway's DecisionClient:
64-connection pool, 16 decisions in flight) on CPU 1 posts one realistic allowed input
(tenant acme-ru, model auto, eight routes). Per round and transport: decisions/s, OPA's CPU
per decision (/proc) and the client's. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.policy.opa import DECISION_PATH  # noqa: E402
from app.policy.opa_binary import find_opa  # noqa: E402
from app.policy.sidecar import OPA_ENV  # noqa: E402
from tests.support.processes import free_port, wait_http  # noqa: E402
from tests.support.recorded import make_input  # noqa: E402

BODY = orjson.dumps({"input": make_input(10, tenant="acme-ru", sensitivity="public")})


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().split()
    return int(fields[13]) + int(fields[14])


async def _round(kind: str, port: int, socket: Path, opa_pid: int, count: int) -> str:
    connector: aiohttp.BaseConnector = (
        aiohttp.UnixConnector(str(socket), limit=64)
        if kind == "unix"
        else aiohttp.TCPConnector(limit=64)
    )
    host = "opa" if kind == "unix" else f"127.0.0.1:{port}"
    url = f"http://{host}{DECISION_PATH}"
    async with aiohttp.ClientSession(
        connector=connector,
        skip_auto_headers=("User-Agent", "Accept-Encoding"),
        auto_decompress=False,
    ) as session:

        async def one() -> None:
            headers = {"Content-Type": "application/json"}
            async with session.post(url, data=BODY, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"OPA answered {response.status}")

        for _ in range(200):  # warm the pool and OPA
            await one()
        in_flight = asyncio.Semaphore(16)

        async def limited() -> None:
            async with in_flight:
                await one()

        opa0, me0, t0 = _ticks(opa_pid), resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        await asyncio.gather(*(limited() for _ in range(count)))
        elapsed, opa1 = time.monotonic() - t0, _ticks(opa_pid)
        me1 = resource.getrusage(resource.RUSAGE_SELF)
    hz = os.sysconf("SC_CLK_TCK")
    client = me1.ru_utime + me1.ru_stime - me0.ru_utime - me0.ru_stime
    opa_us = 1e6 * (opa1 - opa0) / hz / count
    return (
        f"{kind}: {count / elapsed:,.0f} decisions/s, OPA CPU {opa_us:.0f} us/decision,"
        f" client CPU {1e6 * client / count:.0f} us/decision"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    opa = find_opa()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "make_bundle.py"), opa, tmp],
            check=True,
            capture_output=True,
        )
        port, socket = free_port(), Path(tmp) / "decisions.sock"
        process = subprocess.Popen(
            ["taskset", "-c", "0", opa, "run", "--server", "--addr", f"127.0.0.1:{port}",
             "--addr", f"unix://{socket}", "--skip-version-check",
             "--optimize-store-for-read-speed", "--log-level", "error",
             "--bundle", f"{tmp}/bundle.tar.gz"],
            env={**OPA_ENV, **os.environ},
        )  # fmt: skip
        try:
            wait_http(f"http://127.0.0.1:{port}/health?bundles", process=process)
            os.sched_setaffinity(0, {1})
            for _ in range(args.rounds):  # interleaved, so drift hits both alike
                for kind in ("tcp", "unix"):
                    print(uvloop.run(_round(kind, port, socket, process.pid, args.count)))
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
