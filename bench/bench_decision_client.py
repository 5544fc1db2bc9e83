"""The gateway's own CPU per decision call: `DecisionClient` (its wire, `app/policy/opa_wire.py`)
against an aiohttp session set up as the gateway's pools are (`app.http.pooled_session`), both
posting the same decision to the same real OPA over its Unix socket, interleaved, 8 in flight.

    taskset -c 0 .venv/bin/python bench/bench_decision_client.py [--calls 4000] [--rounds 3]

OPA (`tests/support/processes.running_opa`, as the tests run it, plus the sidecar's Unix
socket) runs pinned to core 1 and this process belongs on core 0, so
`process_time` counts only the client's side (encoding, the exchange, parsing into the contract
types). Wall time per call is OPA's pace and is printed for reference. Reported, never asserted
(docs/performance.md, "Round 5: the decision wire").
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import orjson
import uvloop

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.http import pooled_session  # noqa: E402
from app.policy.bundle import build_bundle  # noqa: E402
from app.policy.opa import DECISION_PATH, DecisionClient, PolicyResult, _parse  # noqa: E402
from app.schemas.contract import InputDocument  # noqa: E402
from tests.support.processes import opa_binary, running_opa  # noqa: E402

IN_FLIGHT = 8
# The shared harness's request as the gateway turns it into an input (internal data, a named
# model): what every memo-off request of `make bench` asks OPA.
DOCUMENT: InputDocument = orjson.loads(
    b'{"version":1,"request":{"id":"req_bench","endpoint":"chat.completions",'
    b'"model":"gpt-4o-mini","stream":false,"tokens":{"prompt":224,"max_output":null},'
    b'"features":{"tools":false,"images":false}},"principal":{"tenant":"acme-ru",'
    b'"key_id":"key_0b3ad2c1","agent":"bench-agent","roles":["analyst"]},"data":{'
    b'"categories":{},"sensitivity":"internal","subjects":[],"detectors":["beliefs",'
    b'"biometric","card","criminal","email","health","iban","inn","ip","ogrn","person_name",'
    b'"phone","race_nationality","ru_passport","sex_life","snils","trade_union"]},"context":'
    b'{"client_region":null,"time":"2026-12-04T18:44:37Z","session":null}}'
)


async def _per_call(calls: int, call: Callable[[], Awaitable[PolicyResult]]) -> tuple[float, float]:
    for _ in range(200):
        await call()

    async def worker() -> None:
        for _ in range(calls // IN_FLIGHT):
            await call()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return (time.process_time() - cpu) * 1e6 / calls, (time.perf_counter() - wall) * 1e6 / calls


async def _compare(socket: Path, calls: int, rounds: int) -> None:
    client = DecisionClient("http://opa", 5.0, pool_size=IN_FLIGHT, unix_socket=socket)
    await client.start()
    session = pooled_session(IN_FLIGHT, aiohttp.ClientTimeout(total=5.0), socket)

    async def with_aiohttp() -> PolicyResult:
        async with session.post(
            "http://opa" + DECISION_PATH,
            data=orjson.dumps({"input": DOCUMENT}),
            headers={"Content-Type": "application/json", "X-Request-ID": "req_bench"},
        ) as response:
            return _parse(await response.read())

    async def with_client() -> PolicyResult:
        return await client.decide(DOCUMENT, "req_bench")

    assert (await with_client()).decision == (await with_aiohttp()).decision
    try:
        for round_ in range(1, rounds + 1):
            for name, call in (("aiohttp session", with_aiohttp), ("DecisionClient", with_client)):
                cpu, wall = await _per_call(calls, call)
                print(f"round {round_} {name:16} client CPU {cpu:6.1f} µs/call, wall {wall:6.1f}")
    finally:
        await client.close()
        await session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        bundle, socket = Path(work) / "bundle.tar.gz", Path(work) / "opa.sock"
        build_bundle(opa_binary(), REPO, bundle)
        # Ready once its bundle is active (/health?bundles); then every OPA thread onto core 1.
        with running_opa(bundle, args=["--addr", f"unix://{socket}"], cpu=1):
            uvloop.run(_compare(socket, args.calls, args.rounds))


if __name__ == "__main__":
    main()
