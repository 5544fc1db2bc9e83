"""Recovery from an OPA crash under load (issue #14): a real `kordon serve` (signed bundle from a
bundle service, persisted by OPA) answers a steady load at concurrency 4; its OPA child is killed
with SIGKILL several times, and each time the bench measures how long until a request started
after the kill is answered 200 (target: under 2 s). Reported, not asserted.

Each kill is a first failure for the supervisor (its failure window is set to 2 s and kills are
4 s apart), so this measures one crash: backoff (0.05-0.1 s), OPA's start, activation of the
persisted bundle, and the gateway's first decision on a new connection. Repeated crashes back
off exponentially on purpose; that is not what is measured here.

    .venv/bin/python bench/bench_recovery.py [--kills 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from tests.support.serve_process import Serve
from tests.support.signed_serve import signed_serve

_BODY = {"model": "auto", "messages": [{"role": "user", "content": "Summarise the week."}]}
_SPACING_S = 4.0


async def _measure(serve: Serve, key: str, kills: int) -> tuple[list[float], list[int]]:
    """Per kill: seconds to the first 200 of a request started after it; non-2xx answers."""
    answers: list[tuple[float, float, int]] = []  # (started, completed, status)
    stop = asyncio.Event()

    async def client(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                async with session.post(f"{serve.url}/v1/chat/completions", json=_BODY) as r:
                    await r.read()
                    status = r.status
            except aiohttp.ClientError:
                status = 0
            answers.append((started, time.monotonic(), status))

    async def killer() -> tuple[list[float], list[int]]:
        recoveries, refused = [], []
        for _ in range(kills):
            await asyncio.sleep(_SPACING_S)
            (opa,) = await asyncio.to_thread(serve.opa_pids)
            killed = time.monotonic()
            os.kill(opa, signal.SIGKILL)
            while not any(s == 200 and b > killed for b, _, s in answers):  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            first = min(done for b, done, s in answers if s == 200 and b > killed)
            recoveries.append(first - killed)
            refused.append(sum(1 for b, _, s in answers if b > killed - 0.5 and s != 200))
        stop.set()
        return recoveries, refused

    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        clients = [asyncio.create_task(client(session)) for _ in range(4)]
        result = await killer()
        await asyncio.gather(*clients)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=8)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    env = {"KORDON_OPA_FAILURE_WINDOW_S": "2", "KORDON_OPA_MAX_FAILURES": "3"}
    with signed_serve(root, ("v1",), polling_s=1, env=env) as (serve, key, _, _):
        load = os.getloadavg()[0]
        recoveries, refused = asyncio.run(_measure(serve, key, args.kills))
        restarts = serve.readyz()[1].get("opa_restarts")
    ms = sorted(r * 1000 for r in recoveries)
    print(f"kills {len(ms)}; OPA restarts seen by /readyz {restarts}; load average {load:.1f}")
    print("time from SIGKILL to the first 200 (ms):", [round(m) for m in ms])
    print(
        f"p50 {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms (target < 2000 ms); "
        f"non-2xx per outage: {refused}"
    )


if __name__ == "__main__":
    main()
