"""The prefilter skips only detectors that could not have found anything: same findings."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protect.detectors.base import Detector
from app.protect.findings import Finding
from app.protect.prefilter import Prefilter
from app.protect.scan import Scanner, default_scanner

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "corpus.jsonl"
HINTED = default_scanner(jurisdiction="EU")
# Characters the hints and the detectors' regexes care about, digits in several scripts.
ALPHABET = "0123456789٠١٢٣٤٥٦٧٨٩०१२३ \u00a0\u2009-–./:()+@№\n'«»AZDEGBИabcfx"
PIECES = (
    "+7 (916) 234-56-78",
    "8 912 345 67 89",
    "0044 20 7946 0958",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "112-233-445 95",
    "паспорт 4510 123456",
    "ИНН 7707083893",
    "10.12.0.7",
    "fe80::1ff:fe23:4567:890a",
    "02:09 UTC",
    "v2.10.1.4",
)


class Plain:
    """A detector without a hint: the scanner always runs it."""

    def __init__(self, detector: Detector) -> None:
        self.categories = detector.categories
        self._detector = detector

    def find(self, text: str) -> Iterator[Finding]:
        return self._detector.find(text)


UNFILTERED = Scanner(Plain(detector) for detector in HINTED.detectors)


def _texts() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    rng = random.Random(5)
    for _ in range(3000):
        size = rng.randint(1, 40)
        texts.append(
            "".join(
                rng.choice(PIECES) if rng.random() < 0.2 else rng.choice(ALPHABET)
                for _ in range(size)
            )
        )
    return texts


def test_the_hinted_detectors_are_the_costly_digit_and_address_ones() -> None:
    hinted = {type(d).__name__ for d in HINTED.detectors if getattr(d, "hint", None)}
    assert hinted == {"CardDetector", "IbanDetector", "RussianIdDetector", "PhoneDetector"} | {
        "IpDetector"
    }


def test_same_findings_with_and_without_the_prefilter() -> None:
    texts = _texts()
    skipped = 0
    for text in texts:
        assert HINTED.scan(text) == UNFILTERED.scan(text), text
        skipped += len(HINTED.detectors) - len(HINTED._prefilter.runnable(text))
    assert skipped > len(texts)  # the prefilter did skip detectors, so the check is not vacuous


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET) | st.sampled_from(PIECES), max_size=40))
def test_same_findings_on_generated_texts(parts: list[str]) -> None:
    text = "".join(parts)
    assert HINTED.scan(text) == UNFILTERED.scan(text)


def test_hints_read_every_digit_python_reads() -> None:
    # The detectors' \d is Unicode (category Nd); the hints' \p{Nd} must cover at least those.
    digits = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isdecimal()]
    nd = re2.compile(r"\p{Nd}")
    assert len(digits) > 600
    assert [d for d in digits if not nd.fullmatch(d)] == []


def test_a_text_without_digits_skips_the_digit_detectors() -> None:
    prefilter = Prefilter([r"\p{Nd}{4}", None, r"@"])
    assert prefilter.runnable("no numbers at all") == (1,)
    assert prefilter.runnable("card 1234 here") == (0, 1)
    assert prefilter.runnable("٤١١١ at x@y") == (0, 1, 2)


def test_a_text_re2_cannot_read_runs_every_detector() -> None:
    prefilter = Prefilter([r"\p{Nd}{4}", None])
    assert prefilter.runnable("lone surrogate \ud800 here") == (0, 1)
    scanner = default_scanner()
    text = "\ud800 card 4111 1111 1111 1111"
    assert [f.category for f in scanner.scan(text)] == ["card"]


@pytest.mark.parametrize("hints", [[], [None, None]])
def test_without_hints_everything_runs(hints: list[str | None]) -> None:
    assert Prefilter(hints).runnable("4111 1111 1111 1111") == tuple(range(len(hints)))


def test_answers_past_the_kept_ones_are_still_right(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bundle with many hints has 2^hints possible answers: only a bounded number is kept,
    and every later one is still worked out correctly."""
    monkeypatch.setattr("app.protect.prefilter._ANSWERS", 4)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    prefilter = Prefilter([*words, None])
    for mask in range(2 ** len(words)):
        present = [i for i in range(len(words)) if mask >> i & 1]
        text = " ".join(words[i] for i in present) or "nothing"
        assert prefilter.runnable(text) == (*present, len(words))
    assert len(prefilter._answers) == 4
