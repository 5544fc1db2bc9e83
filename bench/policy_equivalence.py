"""Same decisions before and after a policy change: evaluate a fixed set of input documents with
the real OPA against a baseline Rego (`--base`: a git revision, default HEAD, or a directory
holding a copy of rego/) and against the working tree's, both with the working tree's data,
and compare each decision's JSON byte for byte.

    .venv/bin/python bench/policy_equivalence.py [--base HEAD] [--count 4000] [--rounds 3]

The inputs: `--count` documents shaped like the shipped tenants' traffic
(`tests/support/recorded.py`, seed 9) plus malformed and edge cases that reach every deny
reason. Also prints OPA's evaluation time per decision for both (best of `--rounds` batches in
one `opa eval` each), so a Rego change for speed shows its gain next to its proof. Exits 1 when
any decision differs (and prints the first few).
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.policy.opa_binary import find_opa  # noqa: E402
from tests.support.recorded import make_input, recorded_inputs  # noqa: E402

QUERY = "{i: d | some i, doc in input.docs; d := data.kordon.decision with input as doc}"


def _edge_cases() -> list[Any]:
    """Documents the generated traffic does not produce: every input and model deny reason."""
    base: Any = make_input(0, tenant="acme-ru", model="gpt-4o-mini")
    patches: list[tuple[tuple[str, ...], Any]] = [
        (("version",), 2),
        (("principal", "tenant"), None),
        (("principal", "tenant"), "nobody"),
        (("data", "sensitivity"), "secret"),
        (("request", "endpoint"), "completions"),
        (("request", "tokens", "prompt"), -1),
        (("request", "tokens", "max_output"), 1.5),
        (("request", "model"), 7),
        (("request", "model"), "gpt-4o"),
        (("request", "model"), "no-such-model"),
        (("request", "tokens", "prompt"), 10**7),
        (("request", "features", "images"), True),
        (("data", "detectors"), ["email"]),
        (("data", "detectors"), None),
        (("data", "subjects"), ["de", "FR", 3]),
    ]
    docs: list[Any] = []
    for tenant in ("acme-ru", "eu-bank", "gulf-retail"):
        for path, value in patches:
            for sensitivity, subjects in (("personal", ["RU"]), ("special", []), ("public", [])):
                doc = copy.deepcopy(base)
                doc["principal"]["tenant"] = tenant
                doc["data"]["sensitivity"], doc["data"]["subjects"] = sensitivity, subjects
                target = doc
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = value
                docs.append(doc)
    docs.append("not an object")
    return docs


def _evaluate(opa: str, root: Path, batch: Path) -> tuple[dict[str, str], float]:
    """Decision JSON per document index, and OPA's evaluation ns per decision."""
    out = subprocess.run(
        [
            opa,
            "eval",
            "--ignore",
            "schemas",
            "-d",
            str(root / "rego"),
            "-d",
            str(REPO / "data"),
            "-i",
            str(batch),
            "--metrics",
            "--format",
            "json",
            QUERY,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout)
    decisions = result["result"][0]["expressions"][0]["value"]
    count = len(json.loads(batch.read_text())["docs"])
    per_decision = result["metrics"]["timer_rego_query_eval_ns"] / count
    return {k: json.dumps(v, separators=(",", ":")) for k, v in decisions.items()}, per_decision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="git revision, or directory holding rego/")
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    opa = find_opa()
    docs = [*recorded_inputs(args.count, seed=9), *_edge_cases()]
    with tempfile.TemporaryDirectory() as tmp:
        base, batch = Path(tmp), Path(tmp) / "batch.json"
        batch.write_text(json.dumps({"docs": docs}))
        if Path(args.base, "rego").is_dir():
            base = Path(args.base)
        else:
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", args.base, "rego"],
                check=True,
                capture_output=True,
            )
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        timings: dict[str, list[float]] = {"base": [], "tree": []}
        results: dict[str, dict[str, str]] = {}
        for _ in range(args.rounds):  # interleaved, so drift hits both alike
            for name, root in (("base", base), ("tree", REPO)):
                results[name], ns = _evaluate(opa, root, batch)
                timings[name].append(ns)
    differ = [i for i in results["base"] if results["base"][i] != results["tree"].get(i)]
    differ += [i for i in results["tree"] if i not in results["base"]]
    best = {name: min(values) / 1000 for name, values in timings.items()}
    print(f"{len(docs)} documents, rego {args.base} vs working tree, data from the working tree")
    print(
        f"eval per decision (best of {args.rounds}): base {best['base']:.0f} us, "
        f"tree {best['tree']:.0f} us (x{best['base'] / best['tree']:.2f})"
    )
    print(f"decisions differing: {len(differ)}")
    for i in differ[:5]:
        print(f"  doc {i}:\n    base {results['base'].get(i)}\n    tree {results['tree'].get(i)}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
