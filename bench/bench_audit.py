"""Audit trail cost: the append cost per request, and the gateway's throughput with audit on
vs off, in the same run. Reported, never asserted.

    .venv/bin/python bench/bench_audit.py [--duration 8] [--rounds 2] [--quick]

1. append, in process:
   - hot path: what one request pays (open a recording, mark the decision, reserve a place,
     hand the finished event over), p50/p99 over 20,000 requests while the writer task drains
     into a real file store (fsync on) in the same loop;
   - writer: per record, building the record dict, chaining (canonical JSON + SHA-256) and
     storing it, in batches of 1 (one fsync or commit per record, the worst case) and 32
     (a c=32 burst), for the file store and PostgreSQL.
2. throughput: `bench/load.py`'s layout (gateway and OPA on core 0; the mock upstream and wrk
   on core 1), 1 KB chat completion, wrk c=32; scenarios audit off, file store, PostgreSQL,
   interleaved over rounds so drift hits all alike. Exits 1 on any non-2xx.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import msgspec

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import load  # noqa: E402
import yaml  # noqa: E402

from app.audit.file_store import FileAuditStore  # noqa: E402
from app.audit.postgres_store import PostgresAuditStore  # noqa: E402
from app.audit.record import AuditEvent  # noqa: E402
from app.audit.signing import Signer, generate_keypair  # noqa: E402
from app.audit.step import AuditStep  # noqa: E402
from app.audit.store import AuditStore  # noqa: E402
from app.audit.trail import AuditTrail  # noqa: E402
from app.audit.writer import ChainWriter  # noqa: E402
from app.executor import Outcome  # noqa: E402
from app.keys import KeyStore, Principal  # noqa: E402
from app.policy.bundle import build_bundle  # noqa: E402
from app.policy.input import RequestFacts, build_input  # noqa: E402
from app.policy.opa import PolicyResult  # noqa: E402
from app.protect.scan import DataProfile, ScanResult  # noqa: E402
from app.quota.amounts import Price  # noqa: E402
from app.schemas.contract import Route, parse_decision  # noqa: E402
from tests.postgres_server import start_postgres  # noqa: E402
from tests.support.processes import free_port, opa_binary, running_gateway, running_opa  # noqa: E402

OUT = REPO / "var" / "bench"
PRINCIPAL = Principal("acme-ru", "key_bench", "bench-agent", ("analyst",))
ROUTE = Route(provider="onprem-vllm", model="qwen2.5-72b-instruct")
# A decision as the shipped policy gives for acme-ru personal RU data (rego_tests/…/decision).
DECISION = parse_decision(
    {
        "version": 1,
        "allow": True,
        "reasons": ["personal data of RU subjects is processed only in region ru"],
        "region": "ru",
        "routes": [msgspec.to_builtins(ROUTE), {"provider": "gigachat", "model": "GigaChat-2-Max"}],
        "redaction": "pseudonymize",
        "quota": {
            "subject": "tenant:acme-ru",
            "limits": [
                {"name": "requests_per_minute", "unit": "requests", "limit": 600, "window_s": 60},
                {"name": "budget_per_month", "unit": "usd", "limit": 20000, "window_s": 0},
            ],
            "on_store_error": "deny",
            "max_output_default": 4096,
        },
        "cache": {"mode": "off", "ttl_s": 0},
        "audit": {"level": "metadata", "on_queue_full": "deny"},
    }
)


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": round(statistics.median(ordered), 2),
        "p99_us": round(ordered[int(len(ordered) * 0.99)], 2),
    }


def _event_parts() -> tuple[Any, PolicyResult, Outcome]:
    scan = ScanResult((), DataProfile({"email": 1, "phone": 1}, "personal", ("RU",)), ("email",))
    facts = RequestFacts("req_bench", "chat.completions", "auto", max_output=300)
    document = build_input(facts, PRINCIPAL, scan, 250)
    policy = PolicyResult(DECISION, "dec_bench", "bench+git.0")
    outcome = Outcome(200, ROUTE, [], first_byte=time.perf_counter())
    outcome.price, outcome.usage = Price.of("usd", 0.15, 0.6), {"prompt_tokens": 250}
    return document, policy, outcome


async def _hot_path(directory: Path, signer: Signer, requests: int) -> dict[str, float]:
    trail = AuditTrail(
        lambda: FileAuditStore(directory),
        signer,
        capacity=100_000,
        segment_records=10_000,
        segment_seconds=60.0,
    )
    await trail.start()
    step, (document, policy, outcome) = AuditStep(trail), _event_parts()
    samples = []
    for n in range(requests):
        start = time.perf_counter()
        recording = step.begin(f"req_{n}", PRINCIPAL)
        recording.asking(document)
        recording.decided(policy)
        recording.admit()
        recording.finished(outcome)
        samples.append((time.perf_counter() - start) * 1e6)
        if n % 32 == 31:
            await asyncio.sleep(0)  # requests interleave with the writer, as under load
    await trail.close()
    return _percentiles(samples)


def _writer(open_store: Callable[[], AuditStore], signer: Signer, batch: int) -> dict[str, float]:
    document, policy, outcome = _event_parts()
    store = open_store()
    try:
        writer = ChainWriter(store, signer, 10_000)
        samples = []
        for n in range(max(200, 6400 // batch)):
            events = []
            for i in range(batch):
                event = AuditEvent(f"req_{n}_{i}", PRINCIPAL, document=document, policy=policy)
                event.route, event.usage, event.price = ROUTE, outcome.usage, outcome.price
                event.status, event.finished = 200, event.started
                events.append(event)
            start = time.perf_counter()
            writer.write(events)
            samples.append((time.perf_counter() - start) * 1e6 / batch)
        writer.seal_open()
    finally:
        store.close()
    return _percentiles(samples)


def append_costs(signer: Signer, dsn: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results: dict[str, Any] = {"hot_path": asyncio.run(_hot_path(root / "hot", signer, 20_000))}
        for batch in (1, 32):
            directory = root / f"file{batch}"
            results[f"writer_file_batch{batch}"] = _writer(
                functools.partial(FileAuditStore, directory), signer, batch
            )
            results[f"writer_postgres_batch{batch}"] = _writer(
                functools.partial(PostgresAuditStore, dsn), signer, batch
            )
    return results


def throughput(args: argparse.Namespace, signer_file: Path, dsn: str) -> list[dict[str, Any]]:
    duration, warmup = (3, 1) if args.quick else (args.duration, 2)
    OUT.mkdir(parents=True, exist_ok=True)
    body = json.dumps(load.BODY).encode()
    (body_file := OUT / "body.json").write_bytes(body)
    (keys_file := OUT / "audit-keys.json").unlink(missing_ok=True)
    key, _ = KeyStore.load(keys_file).create("acme-ru", "bench-agent", ("analyst",))
    # load.py's bench policy: limits raised (never refused), cache off; audit as shipped.
    build_bundle(opa_binary(), load.bench_policy(True), bundle := OUT / "bundle-audit.tar.gz")
    providers = yaml.safe_load((REPO / "data" / "providers" / "data.yaml").read_text())
    trails = OUT / "audit-trails"
    shutil.rmtree(trails, ignore_errors=True)
    scenarios = {
        "off": {"KORDON_AUDIT_ENABLED": "false"},
        "file": {"KORDON_AUDIT_SIGNING_KEY": str(signer_file)},
        "postgres": {"KORDON_AUDIT_SIGNING_KEY": str(signer_file), "KORDON_AUDIT_DSN": dsn},
    }
    results: list[dict[str, Any]] = []
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    with ExitStack() as stack:
        os.sched_setaffinity(0, {load.GATEWAY_CORE})
        port = free_port()
        log = stack.enter_context((OUT / "upstream.log").open("ab"))
        command = [*load.TASKSET, sys.executable, "-c", load.UPSTREAM, str(port)]
        up = stack.enter_context(subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log))
        stack.callback(up.terminate)
        upstream = f"http://127.0.0.1:{port}/v1"
        env: dict[str, str] = {}
        for spec in providers.values():
            env[spec["endpoint"]["base_url_env"]] = upstream
            env[spec["endpoint"]["api_key_env"]] = "bench-upstream-key"
        load.check(f"{upstream}/chat/completions", body, {"Content-Type": "application/json"})
        for round_ in range(args.rounds):
            for scenario, extra in scenarios.items():
                with ExitStack() as running:
                    opa_url, opa = running.enter_context(running_opa(bundle))
                    scenario_env = {
                        **env,
                        **extra,
                        "KORDON_AUDIT_DIR": str(trails / f"{scenario}-{round_}"),
                    }
                    log_file = OUT / f"gateway-audit-{scenario}.log"
                    url = running.enter_context(
                        running_gateway(opa_url, keys_file, scenario_env, log_file)
                    )
                    pids = {
                        "gateway": load.child_pid(b"app.cli"),
                        "opa": opa.pid,
                        "upstream": up.pid,
                    }
                    target = f"{url}/v1/chat/completions"
                    load.check(target, body, headers)
                    load.wrk(target, 32, warmup, body_file, key, pids)
                    result = load.wrk(target, 32, duration, body_file, key, pids)
                    results.append({"scenario": scenario, "round": round_, **result})
                    p50, p99 = result["p50_us"] / 1000, result["p99_us"] / 1000
                    print(
                        f"round {round_} {scenario:9} {result['rps']:>8.0f} req/s  "
                        f"p50 {p50:.2f} ms  p99 {p99:.2f} ms",
                        flush=True,
                    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=2, help="off/file/postgres rounds")
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, start_postgres() as dsn:
        generate_keypair(private := Path(tmp) / "audit.pem", Path(tmp) / "audit.pub.pem")
        signer = Signer.from_file(private)
        append = append_costs(signer, dsn)
        print("append cost per request (µs):", flush=True)
        for name, figures in append.items():
            print(f"  {name:26} p50 {figures['p50_us']:>8.2f}   p99 {figures['p99_us']:>8.2f}")
        runs = throughput(args, private, dsn)
    by: dict[str, list[float]] = {}
    for r in runs:
        by.setdefault(r["scenario"], []).append(r["rps"])
    off = statistics.median(by["off"])
    print("\nthroughput at c=32 (median of rounds):")
    summary = {}
    for scenario, values in by.items():
        median = statistics.median(values)
        summary[scenario] = {"rps": median, "runs": values, "cost": round(1 - median / off, 4)}
        print(f"  {scenario:9} {median:>8.0f} req/s  {values}  cost vs off {1 - median / off:+.1%}")
    out = OUT / "audit.json"
    out.write_text(json.dumps({"append": append, "throughput": summary, "runs": runs}, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    if failed := [r for r in runs if any(r[k] for k in load.ERRORS)]:
        sys.exit(f"FAIL: non-2xx answers or socket errors in {len(failed)} runs")


if __name__ == "__main__":
    main()
