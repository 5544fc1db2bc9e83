"""The decision round trip to OPA over loopback TCP and over a Unix socket, in the same run.

    .venv/bin/python bench/bench_opa_socket.py [--count 6000] [--rounds 3]

One OPA (`tests/support/processes.running_opa`: the sidecar's flags and GC setting, pinned to
CPU 0, on loopback TCP and a Unix socket) with the bench bundle (bench/make_bundle.py). This
client, on CPU 1, is aiohttp with a 64-connection pool and 16 decisions in flight (the gateway's
decision call before `app/policy/opa_wire.py`; the transport comparison holds for both). It
posts one realistic allowed input (tenant acme-ru, model auto, eight routes). Per round and
transport: decisions/s, OPA's CPU per decision (/proc) and the client's. Reported, never
asserted.
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
from urllib.parse import urlsplit

import aiohttp
import orjson
import uvloop

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.policy.opa import DECISION_PATH  # noqa: E402
from app.policy.opa_binary import find_opa  # noqa: E402
from tests.support.processes import running_opa  # noqa: E402
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
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "make_bundle.py"), find_opa(), tmp],
            check=True,
            capture_output=True,
        )
        socket = Path(tmp) / "decisions.sock"
        # Ready once its bundle is active (/health?bundles); then every OPA thread onto CPU 0.
        bundle, unix = Path(tmp) / "bundle.tar.gz", ["--addr", f"unix://{socket}"]
        with running_opa(bundle, args=unix, cpu=0) as (url, process):
            os.sched_setaffinity(0, {1})
            port = urlsplit(url).port
            assert port is not None
            for _ in range(args.rounds):  # interleaved, so drift hits both alike
                for kind in ("tcp", "unix"):
                    print(uvloop.run(_round(kind, port, socket, process.pid, args.count)))


if __name__ == "__main__":
    main()
