"""What the gateway's memory is made of: RSS after each layer is imported or loaded, in one fresh
interpreter, cumulative (each row's delta is what that layer adds on top of the rows above; a
library two layers share is counted where it is first imported). The last rows build every
detector the shipped data enables (the scanners of every shipped tenant, as a bundle
activation does) and scan a text that fires each of them, so lazily loaded tables count.

    .venv/bin/python bench/memory_footprint.py              # the layers, in a fresh interpreter
    .venv/bin/python bench/memory_footprint.py --running PID  # a running gateway and its OPA

With `--running`, the RSS of a running `kordon serve` (e.g. from bench/start-kordon.sh, after
warm-up) and of its OPA child, each split into anonymous and file-backed pages. Reported,
never asserted (docs/performance.md).
"""

from __future__ import annotations

import importlib
import sys
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
    importlib.import_module("pymorphy3").MorphAnalyzer()


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
        "FastAPI, Starlette, pydantic, uvicorn (httptools)",
        _imports("fastapi", "uvicorn", "httptools"),
    ),
    ("aiohttp, orjson, uvloop", _imports("aiohttp", "orjson", "uvloop")),
    ("google-re2", _imports("re2")),
    ("phonenumbers (code; metadata loads per region, below)", _imports("phonenumbers")),
    (
        "pymorphy3 + Russian dictionaries (MorphAnalyzer)",
        _morph,
    ),
    ("token counting (bpe-openai, o200k/cl100k tables)", _imports("app.quota.tokens")),
    ("audit trail (cryptography, psycopg)", _imports("app.audit.step")),
    (
        "the rest of the gateway (app.main: executor, providers, cache, CLI)",
        _imports("app.main", "app.cli.serve"),
    ),
    ("every shipped tenant's detectors built, one scan each", _detectors),
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


def main() -> None:
    if sys.argv[1:2] == ["--running"]:
        running(int(sys.argv[2]))
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
