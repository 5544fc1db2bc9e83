"""What the gateway's memory is made of: RSS after each layer is imported or loaded, in one fresh
interpreter, cumulative (each row's delta is what that layer adds on top of the rows above; a
library two layers share is counted where it is first imported). The last rows build every
detector the shipped data enables (the scanners of every shipped tenant, as a bundle
activation does) and scan a text that fires each of them, so lazily loaded tables count.

    .venv/bin/python bench/memory_footprint.py              # the layers, in a fresh interpreter
    .venv/bin/python bench/memory_footprint.py --running PID  # a running gateway and its OPA
    .venv/bin/python bench/memory_footprint.py --warm [SECONDS]  # start, warm up, --running
    .venv/bin/python bench/memory_footprint.py --gc     # a full collection, before/after freeze

With `--running`, the RSS of a running `kordon serve` (e.g. from bench/start-kordon.sh, after
warm-up) and of its OPA child, each split into anonymous and file-backed pages. `--warm` does
the whole run: the gateway-bench nginx mock on its own port and run directory (env GWBENCH,
default ../shared/gateway-bench), Kordon as shipped (bench/start-kordon.sh, gateway + OPA on
core 0; KORDON_*, GOGC, GOMEMLIMIT, MALLOC_* pass through), wrk at c=32 posting the 1 KB chat
body of bench/profile_gateway.sh for SECONDS (default 10), then the table and the CPU each
process spent per request. Reported, never asserted (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TEXT = (
    "Иван Петрович Сидоров, паспорт 4510 123456, СНИЛС 112-233-445 95, тел. +7 916 123-45-67, "
    "ivan@example.ru. Maria Schmidt, +49 30 1234567, IBAN DE89 3704 0044 0532 0130 00, card "
    "4111 1111 1111 1111, IP 10.0.0.7; диагноз: диабет; member of a trade union."
)

# The 1 KB chat body of bench/profile_gateway.sh (gpt-4o-mini: o200k counting).
BODY = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a concise assistant for operations reports."},
        {
            "role": "user",
            "content": (
                "Summarise the quarterly operations report for the logistics team: shipments "
                "were delayed by weather in the north, warehouse throughput rose, and two "
                "routes changed. "
            )
            * 5,
        },
    ],
    "max_tokens": 256,
}


def rss_kib(field: str = "VmRSS", pid: str = "self") -> int:
    """RSS, or its file-backed part (RssFile: library pages every worker process shares)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field}")


def _imports(*names: str) -> Callable[[], None]:
    def load() -> None:
        for name in names:
            importlib.import_module(name)

    return load


def _morph() -> None:
    # The analyzer the lexicon detectors share (built once, cached): a second one built here
    # and dropped would leave ~15 MiB of freed heap for the later rows to fill unseen.
    importlib.import_module("app.protect.detectors.morph").analyzer()


def _count_tokens() -> None:
    importlib.import_module("app.quota.tokens").count_text_tokens(TEXT, "gpt-4o-mini")


def _detectors() -> None:
    from app.policy.detection import DetectionPlans

    data = {
        p: yaml.safe_load((REPO / "data" / p / "data.yaml").read_text())
        for p in ("detection", "tenants")
    }
    plans = DetectionPlans(data["detection"], data["tenants"])
    plans.prepare()
    for tenant in data["tenants"]:
        plans.scanner_for(tenant).scan(TEXT)


STEPS: list[tuple[str, Callable[[], None]]] = [
    (
        "Starlette, msgspec (contract, request and settings types), uvicorn (httptools)",
        _imports("starlette.applications", "msgspec", "uvicorn", "httptools"),
    ),
    ("aiohttp, orjson, uvloop", _imports("aiohttp", "orjson", "uvloop")),
    ("google-re2", _imports("re2")),
    ("phonenumbers (code; metadata loads per region, below)", _imports("phonenumbers")),
    (
        "pymorphy3 + Russian dictionaries (MorphAnalyzer)",
        _morph,
    ),
    (
        "PyNaCl/libsodium (Ed25519 audit seals; the Redis vault's AES-GCM)",
        _imports("nacl.signing", "nacl.bindings"),
    ),
    (
        "the gateway's own modules (app.main, app.cli.serve: what `kordon serve` imports)",
        _imports("app.main", "app.cli.serve"),
    ),
    ("every shipped tenant's detectors built, one scan each", _detectors),
    # Last, as when it was tiktoken (whose load freed ~25 MiB of scratch that later rows would
    # have filled unseen): the numbers stay comparable with earlier tables.
    ("token counting (kordon-bpe, o200k loaded by a first count)", _count_tokens),
]


def running(pid: int) -> None:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    print("| process | RSS MiB | anonymous | file-backed |")
    print("|---|---:|---:|---:|")
    total = 0
    for name, p in [("gateway (kordon serve)", str(pid))] + [(f"child {c}", c) for c in children]:
        comm = Path(f"/proc/{p}/comm").read_text().strip()
        rss, anon, file = (rss_kib(f, p) for f in ("VmRSS", "RssAnon", "RssFile"))
        total += rss
        print(f"| {name} ({comm}) | {rss / 1024:.1f} | {anon / 1024:.1f} | {file / 1024:.1f} |")
    print(f"| total | {total / 1024:.1f} | | |")


def _ticks(pid: str) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _post(url: str, key: str, body: bytes) -> None:
    import urllib.request  # here, not at the top: ssl and email would count in the base row

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    # The gateway's loopback URL, built above: no file: or custom scheme can reach it.
    urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=5).read()  # noqa: S310


def warm(seconds: int) -> None:
    import subprocess
    import tempfile

    gwbench = Path(os.environ.get("GWBENCH", REPO.parent / "shared" / "gateway-bench"))
    mock_port, port = 18190, 9190
    run = tempfile.mkdtemp(prefix="kordon-mem-")
    env = {**os.environ, "GWBENCH_RUN": run, "UPSTREAM": f"http://127.0.0.1:{mock_port}/v1"}
    mock = [sys.executable, str(gwbench / "mock.py")]
    subprocess.run([*mock, "start", "--port", str(mock_port), "--cpu", "1"], env=env, check=True)
    started = subprocess.run(
        ["bash", str(REPO / "bench" / "start-kordon.sh"), str(port), "0"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    pid, key, work = started.stdout.split()
    try:
        body = Path(work) / "body.json"
        body.write_text(json.dumps(BODY))
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        for _ in range(150):
            try:
                _post(url, key, body.read_bytes())
                break
            except OSError:
                time.sleep(0.2)
        print("After one request:")
        running(int(pid))
        opa = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0]
        ticks = _ticks(pid), _ticks(opa)
        wrk = subprocess.run(
            [
                "taskset",
                "-c",
                "1",
                "wrk",
                "-t1",
                "-c32",
                f"-d{seconds}s",
                "-s",
                str(REPO / "bench" / "wrk" / "post.lua"),
                url,
                "--",
                str(body),
                key,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(re.findall(r"KORDON_RESULT (.*)", wrk.stdout)[0])
        hz = os.sysconf("SC_CLK_TCK")
        n = result["requests"]
        gateway_ms, opa_ms = (
            (_ticks(p) - t) / hz * 1000 / n for p, t in zip((pid, opa), ticks, strict=True)
        )
        print(
            f"After warm-up: {n} requests at c=32 ({result['non2xx']} non-2xx); CPU per request: "
            f"gateway {gateway_ms:.3f} ms, OPA {opa_ms:.3f} ms"
        )
        running(int(pid))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        subprocess.run([*mock, "stop"], env=env, check=False, capture_output=True)


def full_collection() -> None:
    """CPU of one full cyclic collection once every layer is loaded, before and after
    gc.freeze() (what `kordon serve` does when its startup is done)."""
    import gc

    for _, step in STEPS:
        step()
    gc.collect()
    for label in ("not frozen", "not frozen", "not frozen", "frozen", "frozen"):
        if label == "frozen":
            gc.freeze()
        start = time.process_time()
        gc.collect()
        print(
            f"{label}: {len(gc.get_objects())} objects tracked, "
            f"full collection {(time.process_time() - start) * 1000:.1f} ms CPU"
        )


def main() -> None:
    if sys.argv[1:2] == ["--gc"]:
        full_collection()
        return
    if sys.argv[1:2] == ["--running"]:
        running(int(sys.argv[2]))
        return
    if sys.argv[1:2] == ["--warm"]:
        warm(int(sys.argv[2]) if len(sys.argv) > 2 else 10)
        return
    base, base_file = rss_kib(), rss_kib("RssFile")
    rows = [("Python 3.11 interpreter + site + yaml", base, base_file, base)]
    for label, step in STEPS:
        before, before_file = rss_kib(), rss_kib("RssFile")
        step()
        after = rss_kib()
        rows.append((label, after - before, rss_kib("RssFile") - before_file, after))
    print("| component | adds MiB | of which file-backed | RSS MiB after |")
    print("|---|---:|---:|---:|")
    for label, delta, file_backed, total in rows:
        print(f"| {label} | {delta / 1024:.1f} | {file_backed / 1024:.1f} | {total / 1024:.1f} |")


if __name__ == "__main__":
    main()
