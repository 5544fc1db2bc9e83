"""Summarise one bench/profile_gateway.sh run as text: CPU per request of the gateway and of its
OPA sidecar (from /proc ticks over the sampled wrk run), then the functions with the most
samples, by own time (the frame on top) and by total time (anywhere on the stack).

Usage: python bench/profile_summary.py STACKS WRK_OUT GW_TICKS OPA_TICKS CLK_TCK MODE
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

TOP = 30


def _frame(raw: str) -> str:
    """`fn (path/to/module.py:12)` -> `fn (module path)`, line numbers dropped so one function
    is one row."""
    match = re.match(r"(.*) \((.*?)(?::\d+)?\)$", raw.strip())
    if not match:
        return raw.strip()
    function, path = match.groups()
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


def summarise(stacks: Path, wrk: Path, gw_ticks: int, opa_ticks: int, hz: int, mode: str) -> str:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in stacks.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";")[1:]]  # the first frame names the thread
        samples += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    result = re.search(r'KORDON_RESULT .*"requests": (\d+)', wrk.read_text())
    requests = int(result[1]) if result else 0
    per_request = (lambda ticks: f"{1000 * ticks / hz / requests:.3f}") if requests else str
    lines = [
        f"# py-spy, Kordon as shipped (bench/start-kordon.sh), wrk c=32, {mode} requests",
        f"requests: {requests}; samples (250 Hz, gateway threads, idle excluded): {samples}",
        f"CPU ms/request: gateway {per_request(gw_ticks)}, OPA sidecar {per_request(opa_ticks)}",
        "",
        f"## top {TOP} by own samples (% of all samples)",
    ]
    lines += [f"{100 * n / samples:5.1f}%  {name}" for name, n in own.most_common(TOP)]
    lines += ["", f"## top {TOP} by total samples (% of all samples)"]
    lines += [f"{100 * n / samples:5.1f}%  {name}" for name, n in total.most_common(TOP)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    a = sys.argv[1:]
    print(
        summarise(Path(a[0]), Path(a[1]), int(a[2]), int(a[3]), int(a[4]), a[5]),
        end="",
    )
