"""Score the detectors on ``corpus.jsonl``: recall and precision per category, as a table.

    python tests/corpus/score.py

How a finding counts:

* identifiers, contacts and IPs are scored by span: a finding is right only if its category
  and its exact text match a label (every occurrence of a labelled value in the text counts);
* special categories are scored per sample, because what the policy sees is whether a
  request carries health (or other special) data, not which word said so;
* person names are scored by overlapping span (a finding that covers part of a labelled name
  finds it, since masking part of a name is what the policy sees as "a name is here"), per
  language: ``person_name/ru`` for Cyrillic labels and findings, ``person_name/en`` for
  Latin-script ones (English and the transliterated Arabic, Italian, French, German and
  Spanish names).

``score(scanner)`` scores any scanner: ``docs/detection.md`` compares the rules, the NER
model and both on the same corpus.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from app.protect.detectors.lexicon import SPECIAL_CATEGORIES
from app.protect.findings import Finding
from app.protect.scan import Scanner, default_scanner

__all__ = ["CORPUS", "Sample", "Score", "load", "score", "table"]

CORPUS = Path(__file__).with_name("corpus.jsonl")
NAMES = "person_name"
CYRILLIC = re.compile("[А-Яа-яЁё]")


class Label(TypedDict):
    category: str
    value: str


class Sample(TypedDict):
    text: str
    labels: list[Label]


@dataclass
class Score:
    """Counts for one category."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(value)
    while start >= 0:
        spans.append((start, start + len(value)))
        start = text.find(value, start + 1)
    return spans


def load(path: Path = CORPUS) -> list[Sample]:
    """The samples of a corpus file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def name_row(value: str) -> str:
    """The table row a name (labelled or found) is scored in: by its script."""
    return f"{NAMES}/{'ru' if CYRILLIC.search(value) else 'en'}"


def _score_names(
    scores: dict[str, Score], text: str, labels: list[tuple[str, str]], found: list[Finding]
) -> None:
    """Add the overlap counts of one sample's names to their rows."""
    spans = [
        (*span, name_row(value))
        for category, value in labels
        if category == NAMES
        for span in _occurrences(text, value)
    ]
    guesses = [(f.start, f.end) for f in found if f.category == NAMES]
    for start, end, row in spans:
        hit = any(start < ge and gs < end for gs, ge in guesses)
        entry = scores.setdefault(row, Score())
        entry.tp += hit
        entry.fn += not hit
    for gs, ge in guesses:
        if not any(start < ge and gs < end for start, end, _ in spans):
            scores.setdefault(name_row(text[gs:ge]), Score()).fp += 1


def score(scanner: Scanner | None = None, path: Path = CORPUS) -> dict[str, Score]:
    """Per-category counts over the corpus, names per language."""
    scanner = scanner or default_scanner()
    scores: dict[str, Score] = {}
    for sample in load(path):
        text = sample["text"]
        labels = [(label["category"], label["value"]) for label in sample["labels"]]
        found = scanner.scan(text)
        # Spans: identifiers, contacts, IPs.
        expected = {
            (category, *span)
            for category, value in labels
            if category not in SPECIAL_CATEGORIES and category != NAMES
            for span in _occurrences(text, value)
        }
        got = {
            (f.category, f.start, f.end)
            for f in found
            if f.category not in SPECIAL_CATEGORIES and f.category != NAMES
        }
        for category, *_ in got & expected:
            scores.setdefault(category, Score()).tp += 1
        for category, *_ in got - expected:
            scores.setdefault(category, Score()).fp += 1
        for category, *_ in expected - got:
            scores.setdefault(category, Score()).fn += 1
        # Presence: special categories.
        want = {category for category, _ in labels if category in SPECIAL_CATEGORIES}
        have = {f.category for f in found if f.category in SPECIAL_CATEGORIES}
        for category in want | have:
            entry = scores.setdefault(category, Score())
            entry.tp += category in want and category in have
            entry.fp += category in have and category not in want
            entry.fn += category in want and category not in have
        # Overlap: names, per language.
        _score_names(scores, text, labels, found)
    return scores


def table(scores: dict[str, Score], samples: int, name_labels: int) -> str:
    """The scores as a fixed-width text table, identifiers first, then special, then names."""
    order = sorted(scores, key=lambda c: (c in SPECIAL_CATEGORIES, c.startswith(NAMES), c))
    lines = [f"{'category':<18}{'tp':>6}{'fp':>6}{'fn':>6}{'recall':>9}{'precision':>11}"]
    for category in order:
        s = scores[category]
        lines.append(
            f"{category:<18}{s.tp:>6}{s.fp:>6}{s.fn:>6}{s.recall:>9.3f}{s.precision:>11.3f}"
        )
    lines.append(f"{samples} samples, {name_labels} labelled names")
    return "\n".join(lines)


def main() -> int:
    samples = load()
    name_labels = sum(
        label["category"] == NAMES for sample in samples for label in sample["labels"]
    )
    print(table(score(), len(samples), name_labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
