"""Turn one gateway-bench run into bench/results/<date>.md: a headline table with Kordon's
ratios against each anchor, paired inside each round of the same run (the machine is shared, so
only same-run ratios compare), then the harness's own summary verbatim.

Usage: python bench/gwbench_report.py RESULTS_DIR [KORDON_LOG]
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

Row = dict[str, object]
REPO = Path(__file__).resolve().parents[1]
# (label, mode, conns, field, higher is better)
COLUMNS = [
    ("RPS json c=32", "json", 32, "rps", True),
    ("added p50 ms c=1", "json", 1, "added_p50", False),
    ("added p99 ms c=1", "json", 1, "added_p99", False),
    ("CPU ms/req json c=32", "json", 32, "gw_cpu_ms_per_req", False),
    ("RPS stream c=8", "stream", 8, "rps", True),
]


def _num(row: Row, key: str) -> float:
    value = row[key]
    if not isinstance(value, int | float):
        raise TypeError(f"{key} is {value!r}")
    return float(value)


def _cell(rows: list[Row], rnd: object, target: str, mode: str, conns: int) -> Row | None:
    for r in rows:
        if (r["round"], r["target"], r["mode"], r["conns"]) == (rnd, target, mode, conns):
            return None if "error" in r else r
    return None


def _value(
    rows: list[Row], rnd: object, target: str, mode: str, conns: int, field: str
) -> float | None:
    row = _cell(rows, rnd, target, mode, conns)
    if row is None:
        return None
    if field.startswith("added_"):
        direct = _cell(rows, rnd, "direct", mode, conns)
        key = field.removeprefix("added_") + "_us"
        return None if direct is None else (_num(row, key) - _num(direct, key)) / 1000
    return None if row.get(field) is None else _num(row, field)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _rss(summary: str) -> dict[str, str]:
    """RSS after warm-up per target, from the harness's memory table."""
    out = {}
    for m in re.finditer(
        r"^\| (\S+) \| (?:\d+|-) \| [\d-]+ \| ([\d-]+) \| [\d-]+ \|$", summary, re.M
    ):
        out[m[1]] = m[2]
    return out


def _started(summary: str) -> str:
    match = re.search(r"^# gateway-bench results \((\S+)\)", summary, re.M)
    return match[1] if match else "?"


def _ratio_row(
    rows: list[Row],
    rounds: list[object],
    rss: dict[str, str],
    kordon: str,
    anchor: str,
    fmt: Callable[[float | None], str],
) -> str:
    cells = []
    for _, mode, c, f, _ in COLUMNS:
        pairs = []
        for r in rounds:
            k, v = _value(rows, r, kordon, mode, c, f), _value(rows, r, anchor, mode, c, f)
            pairs.append(k / v if k is not None and v else None)
        cells.append(fmt(_median(pairs)) + "×" if _median(pairs) is not None else "-")
    k_rss, a_rss = rss.get(kordon, "-"), rss.get(anchor, "-")
    ratio = f"{int(k_rss) / int(a_rss):.2f}×" if k_rss.isdigit() and a_rss.isdigit() else "-"
    return f"| {kordon} ÷ {anchor} | " + " | ".join(cells) + f" | {ratio} |"


def report(results: Path, log: Path | None) -> str:
    rows: list[Row] = [
        json.loads(line) for line in (results / "raw.jsonl").read_text().splitlines()
    ]
    summary = (results / "summary.md").read_text()
    rounds = sorted({r["round"] for r in rows}, key=str)
    targets = [t for t in dict.fromkeys(str(r["target"]) for r in rows) if t != "direct"]
    kordons = [t for t in targets if t.startswith("kordon")]
    anchors = [t for t in targets if t not in kordons]
    rss = _rss(summary)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    fmt: Callable[[float | None], str] = lambda v: "-" if v is None else f"{v:,.2f}"  # noqa: E731
    lines = [
        f"# gateway-bench: Kordon beside {', '.join(anchors) or 'no anchor'} ({_started(summary)})",
        "",
        f"Kordon at `{commit}`, as shipped (`bench/start-kordon.sh`): OPA decision,",
        "personal-data scan incl. person names, token counting, quota step (limits raised to",
        "1e9, never refuses), routing, **audit trail on** (segment files, fsync); response cache",
        f"off. Gateway and its OPA sidecar share one core. {len(rounds)} rounds; medians over",
        "rounds. Ratios are paired inside",
        "each round (Kordon ÷ anchor in the same round), then the median is taken.",
        *(
            [
                "`kordon-memo-off` is the same gateway with the decision memo off",
                "(`KORDON_DECISION_MEMO_SIZE=0`): every request asks OPA.",
            ]
            if "kordon-memo-off" in kordons
            else []
        ),
        "",
        "| target | " + " | ".join(c[0] for c in COLUMNS) + " | RSS MiB after warm-up |",
        "|---|" + "---:|" * (len(COLUMNS) + 1),
    ]
    for t in targets:
        cells = [
            fmt(_median([_value(rows, r, t, mode, c, f) for r in rounds]))
            for _, mode, c, f, _ in COLUMNS
        ]
        lines.append(f"| {t} | " + " | ".join(cells) + f" | {rss.get(t, '-')} |")
    for kordon in kordons:
        for a in anchors:
            lines.append(_ratio_row(rows, rounds, rss, kordon, a, fmt))
    errors = [line for line in (log.read_text().splitlines() if log and log.exists() else [])]
    lines += [
        "",
        "Higher is better for RPS; lower for latency, CPU and RSS. Every response was checked",
        "by the harness (status and body); errors per cell are in the full summary below.",
        f"Kordon log lines during the run: {len(errors)}.",
        "",
        "---",
        "",
        summary.replace("# gateway-bench results", "## Full harness summary", 1),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(report(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None), end="")
