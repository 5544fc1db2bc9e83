"""Cost of restoring a streamed answer, per delta, against a loop that only concatenates.

The answer is 2 KB with 10 placeholders, cut into 1–20 character deltas as models stream them;
the baseline is the same loop without a restorer, so the difference is the restorer's overhead.
Pseudonymizing 1 KB with 10 findings is measured too. Run:

    .venv/bin/python -m pytest bench/bench_restore.py --benchmark-only
"""

from __future__ import annotations

import random

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from app.protect.findings import Finding
from app.protect.pseudonymize import Pseudonymizer
from app.protect.restore import StreamRestorer, restore

VALUES = [f"person{n}@example.com" for n in range(5)] + [f"+7 999 000-00-{n:02}" for n in range(5)]
MAPPING = {f"[EMAIL_{n + 1}]": VALUES[n] for n in range(5)} | {
    f"[PHONE_{n + 1}]": VALUES[5 + n] for n in range(5)
}
FILLER = "The quick brown fox reviews the [draft] contract and replies by Friday. "


def _answer(size: int, tokens: list[str]) -> str:
    """About size characters of prose with the tokens spread evenly through it."""
    gap = size // len(tokens)
    parts = [(FILLER * (gap // len(FILLER) + 1))[: gap - len(token)] + token for token in tokens]
    return "".join(parts)


def _deltas(text: str) -> list[str]:
    rng = random.Random(7)
    deltas: list[str] = []
    pos = 0
    while pos < len(text):
        step = rng.randint(1, 20)
        deltas.append(text[pos : pos + step])
        pos += step
    return deltas


ANSWER = _answer(2048, list(MAPPING))
DELTAS = _deltas(ANSWER)
SOURCE = _answer(1024, VALUES)


def _finding(value: str) -> Finding:
    start = SOURCE.index(value)
    return Finding("email" if "@" in value else "phone", start, start + len(value))


FINDINGS = [_finding(value) for value in VALUES]


def _concatenate() -> str:
    out: list[str] = []
    for delta in DELTAS:
        out.append(delta)
    return "".join(out)


def _stream_restore() -> str:
    restorer = StreamRestorer(MAPPING)
    out: list[str] = []
    for delta in DELTAS:
        out.append(restorer.feed(delta))
    out.append(restorer.flush())
    return "".join(out)


@pytest.mark.benchmark(group="stream restore, 2 KB answer")
def test_baseline_concatenate(benchmark: BenchmarkFixture) -> None:
    assert benchmark(_concatenate) == ANSWER


@pytest.mark.benchmark(group="stream restore, 2 KB answer")
def test_stream_restore(benchmark: BenchmarkFixture) -> None:
    benchmark.extra_info["deltas"] = len(DELTAS)
    assert benchmark(_stream_restore) == restore(ANSWER, MAPPING)


@pytest.mark.benchmark(group="stream restore, 2 KB answer")
def test_whole_text_restore(benchmark: BenchmarkFixture) -> None:
    assert benchmark(restore, ANSWER, MAPPING) == _stream_restore()


@pytest.mark.benchmark(group="pseudonymize, 1 KB")
def test_pseudonymize(benchmark: BenchmarkFixture) -> None:
    def run() -> str:
        return Pseudonymizer().apply(SOURCE, FINDINGS)

    sent = benchmark(run)
    assert not any(value in sent for value in VALUES)
