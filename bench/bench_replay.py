"""Replay throughput: three ways to re-evaluate recorded inputs with a real OPA.

    .venv/bin/python bench/bench_replay.py [--count 100000] [--seed 9]

On `--count` input documents shaped like the shipped tenants' traffic
(`tests/support/recorded.py`, deterministic per seed), against the bundle built from this repo:

- `post`: one POST /v1/data/kordon/decision per input, aiohttp keep-alive, 32 in flight, to an
  `opa run --server` (the gateway's own way of asking). Its decisions become the recorded ones.
- `eval`: `opa eval` per batch of 10,000 with one comprehension over `input.docs`
  (`data.kordon.decision with input as doc`), two processes at once.
- `replay`: `app.policy.replay.replay`, what `kordon policy replay` runs: batches of 1,000
  through OPA's query API on its own server, three in flight, plus diffing and gates.

Each line gives decisions/s, the CPU time per decision of this process and its OPA children
(which does not depend on what else the machine runs; 2 cores divided by it is the rate on two
idle cores), and how many decisions differ from `post`'s (0 expected: the same policy).
Target: replay >= 5,000 decisions/s. Reported, never asserted; the figures and the load
average go to var/bench/replay.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.policy.bundle import build_bundle
from app.policy.replay import ReplayRequest, replay
from app.policy.replay_records import from_records
from app.policy.sidecar import OPA_ENV
from app.schemas.contract import InputDocument
from tests.support.processes import REPO, opa_binary, running_opa
from tests.support.recorded import make_record, recorded_inputs

TARGET = 5000
OUT = REPO / "var" / "bench" / "replay.json"
_EVAL_QUERY = "[d | some doc in input.docs; d := data.kordon.decision with input as doc]"
_EVAL_BATCH = 10_000


async def _post_all(url: str, documents: list[InputDocument]) -> list[dict[str, Any]]:
    decisions: list[dict[str, Any]] = [{} for _ in documents]
    queue = iter(enumerate(documents))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:

        async def worker() -> None:
            for index, document in queue:
                body = orjson.dumps({"input": document})
                async with session.post(f"{url}/v1/data/kordon/decision", data=body) as answer:
                    decisions[index] = orjson.loads(await answer.read())["result"]

        await asyncio.gather(*(worker() for _ in range(32)))
    return decisions


def _eval_all(bundle: Path, documents: list[InputDocument]) -> list[dict[str, Any]]:
    def batch(part: list[InputDocument]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [opa_binary(), "eval", "--bundle", str(bundle), "--stdin-input", "--format", "raw",
             _EVAL_QUERY],
            input=orjson.dumps({"docs": part}),
            capture_output=True,
            check=True,
            env={**OPA_ENV, **os.environ},
        )  # fmt: skip
        result: list[dict[str, Any]] = orjson.loads(done.stdout)
        return result

    parts = [documents[i : i + _EVAL_BATCH] for i in range(0, len(documents), _EVAL_BATCH)]
    with ThreadPoolExecutor(2) as pool:
        return [decision for part in pool.map(batch, parts) for decision in part]


class _Meter:
    """Wall time and CPU time (this process and its reaped children: the OPA processes) of one
    phase. CPU per decision does not depend on what else the machine runs, so 2 cores divided
    by it is what the phase would reach on two idle cores."""

    def __enter__(self) -> _Meter:
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = _cpu_seconds() - self._cpu

    def figures(self, count: int, differ: int) -> dict[str, int]:
        cpu_us = self.cpu / count * 1e6
        return {
            "decisions_per_s": round(count / self.wall),
            "cpu_us_per_decision": round(cpu_us),
            "two_idle_cores_per_s": round(2e6 / cpu_us),
            "differ": differ,
        }


def _cpu_seconds() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)
    work = OUT.parent / "replay"
    work.mkdir(parents=True, exist_ok=True)
    bundle = work / "bundle.tar.gz"
    revision = build_bundle(opa_binary(), REPO, bundle)
    documents = list(recorded_inputs(args.count, seed=args.seed))
    figures: dict[str, Any] = {"count": args.count, "seed": args.seed, "revision": revision}

    with _Meter() as post, running_opa(bundle) as (url, _):
        recorded = asyncio.run(_post_all(url, documents))
    figures["post"] = post.figures(args.count, differ=0)

    with _Meter() as evaluation:
        evaluated = _eval_all(bundle, documents)
    differ = sum(a != b for a, b in zip(recorded, evaluated, strict=True))
    figures["eval"] = evaluation.figures(args.count, differ)

    records = [
        make_record(i, d, r) for i, (d, r) in enumerate(zip(documents, recorded, strict=True))
    ]
    request = ReplayRequest(opa_binary=opa_binary(), candidate=bundle, gates=["region-changed"])
    # What `kordon policy replay` does, OPA's start and the bundle's activation included.
    with _Meter() as replayed:
        report = asyncio.run(replay(from_records(records), request))
    figures["replay"] = replayed.figures(args.count, report["records"]["changed"])

    # Other work on the machine shares OPA's cores: say how busy it was.
    figures["load_average_1m"] = {"start": load_before, "end": round(os.getloadavg()[0], 2)}
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"{args.count} recorded inputs, bundle {revision}, {os.cpu_count()} cores, "
          f"load average {load_before} -> {figures['load_average_1m']['end']}")  # fmt: skip
    for name in ("post", "eval", "replay"):
        line = figures[name]
        print(
            f"  {name:<7} {line['decisions_per_s']:>6} decisions/s, "
            f"{line['cpu_us_per_decision']:>4} us CPU each "
            f"(two idle cores: {line['two_idle_cores_per_s']:>6}/s), differ {line['differ']}"
        )
    measured = figures["replay"]["decisions_per_s"]
    idle = figures["replay"]["two_idle_cores_per_s"]
    print(
        f"target {TARGET}/s for replay: {'met' if measured >= TARGET else 'missed'} as measured, "
        f"{'met' if idle >= TARGET else 'missed'} on two idle cores; "
        f"figures in {OUT.relative_to(REPO)}"
    )


if __name__ == "__main__":
    main()
