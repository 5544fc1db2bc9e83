"""Same findings after a scanner change: this tree's scan against another tree's, text by text.

    .venv/bin/python bench/scan_equivalence.py --base DIR [--fuzz 20000]

DIR is a checkout of the version to compare with (``git archive REV | tar -x -C DIR``). Both
trees scan the same texts with every shipped tenant's scanner and with ``default_scanner()``:
the labelled corpus, the scan benchmark's text at 1, 10 and 100 KB, the gateway benchmarks'
prompts, and ``--fuzz`` random texts built from the characters the detectors care about
(digits in many scripts, separators, capitals, "@", ":", quotes). Prints how many texts were
compared; exits 1 and prints the first differences if any finding (category, start, end) or
any request profile differs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ALPHABET = (
    "0123456789" * 4
    + "٠١٢٣٤٥٦٧٨٩०१२३"  # Arabic-Indic and Devanagari digits: Python's \\d reads them
    + " \u00a0\u2009-–./:()+,;@#№\n\t'’«»\""
    + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2
    + "abcdefghijklmnopqrstuvwxyz"
    + "АБВГДЕЁЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯабвгдежзиклмнопрстуфхцчшщыьэюя"
)
WORDS = [
    "Иван",
    "Петров",
    "ИНН",
    "СНИЛС",
    "паспорт",
    "серия",
    "+7",
    "8",
    "(916)",
    "00",
    "44",
    "card",
    "IBAN",
    "DE89",
    "GB82",
    "::1",
    "10.0.0.1",
    "fe80::1",
    "Mr",
    "Dr",
    "Sarah",
    "al-Farsi",
    "ООО",
    "«Вектор»",
    "диагноз",
    "health",
    "record",
    "ВИЧ-инфицированный",
    "v1.2.3.4",
    "ул.",
    "Ленина",
    "4111",
    "1111",
    "1111",
    "1111",
    "112-233-445",
    "95",
    "4510",
    "123456",
    "order",
    "№",
    "e-mail",
    "x@y.io",
]


def texts(fuzz: int) -> list[str]:
    # The tree under test comes from PYTHONPATH; only the text sources are read from here.
    sys.path.insert(1, str(REPO / "bench"))
    from bench_scan import _text
    from load import PROMPT

    found = [json.loads(line)["text"] for line in (REPO / "tests/corpus/corpus.jsonl").open()]
    found += [_text(kb) for kb in (1, 10, 100)] + [PROMPT]
    harness = REPO.parent / "shared" / "gateway-bench" / "bench.py"
    if harness.exists():
        spec = importlib.util.spec_from_file_location("gateway_bench", harness)
        if spec is None or spec.loader is None:
            raise SystemExit(f"cannot load {harness}")
        gateway_bench = importlib.util.module_from_spec(spec)
        sys.path.insert(1, str(harness.parent))  # its own imports (mock.py)
        spec.loader.exec_module(gateway_bench)
        found += [str(gateway_bench.SYSTEM_PROMPT), str(gateway_bench.USER_PROMPT)]
    rng = random.Random(12)
    for _ in range(fuzz):
        parts = [
            rng.choice(WORDS) if rng.random() < 0.3 else rng.choice(ALPHABET)
            for _ in range(rng.randint(1, 60))
        ]
        found.append("".join(parts))
    return found


def dump(fuzz: int) -> None:
    """Print one JSON line per (scanner, text): findings, then each scanner's profile."""
    import yaml

    from app.policy.detection import DetectionPlans
    from app.protect.scan import default_scanner, profile_of

    def data(name: str) -> dict[str, object]:
        loaded = yaml.safe_load((REPO / "data" / name / "data.yaml").read_text())
        return loaded if isinstance(loaded, dict) else {}

    tenants = data("tenants")
    plans = DetectionPlans(data("detection"), tenants)
    scanners = {"default": default_scanner()}
    for tenant in sorted(tenants):
        scanners[tenant] = plans.scanner_for(tenant)
    corpus = texts(fuzz)
    out = sys.stdout
    for name, scanner in scanners.items():
        results = [scanner.scan(text) for text in corpus]
        for index, found in enumerate(results):
            spans = [[f.category, f.start, f.end] for f in found]
            out.write(json.dumps([name, index, spans], ensure_ascii=False) + "\n")
        profile = profile_of(corpus, results)
        out.write(json.dumps([name, "profile", repr(profile)], ensure_ascii=False) + "\n")


def run(tree: Path, fuzz: int) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    script = Path(__file__).resolve()
    result = subprocess.run(
        [sys.executable, str(script), "--dump", "--fuzz", str(fuzz)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the tree to compare with")
    parser.add_argument("--fuzz", type=int, default=20000)
    parser.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.fuzz)
        return 0
    if args.base is None:
        parser.error("--base is required")
    before, after = run(args.base.resolve(), args.fuzz), run(REPO, args.fuzz)
    differences = [(b, a) for b, a in zip(before, after, strict=False) if b != a]
    if len(before) != len(after):
        differences.append((f"{len(before)} lines", f"{len(after)} lines"))
    compared, differ = len(after), len(differences)
    print(f"scan_equivalence: {compared} (scanner, text) results compared, {differ} differ")
    for b, a in differences[:5]:
        print(f"  base:  {b[:300]}\n  after: {a[:300]}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
