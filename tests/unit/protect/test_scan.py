"""The scanner: overlaps, choosing detectors by category, request profiles, and the corpus."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protect.detectors import PatternDetector
from app.protect.findings import Finding
from app.protect.scan import DataProfile, Scanner, default_scanner, profile_of

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
# The pass mark: checksum-validated identifiers, e-mails and phones.
ASSERTED = ("email", "phone", "ru_passport", "snils", "inn", "ogrn", "card", "iban")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


SCANNER = default_scanner()


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return SCANNER


class Fixed:
    """A detector that reports the findings it was given."""

    def __init__(self, *findings: Finding) -> None:
        self.findings = findings
        self.categories = frozenset(f.category for f in findings)

    def find(self, text: str) -> Iterator[Finding]:
        yield from self.findings


def _chat(*texts: str) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": text} for text in texts]}


# --- scan ------------------------------------------------------------------------------------


def test_scan_sorts_and_resolves_overlaps(scanner: Scanner) -> None:
    text = "СНИЛС 81234567890? нет: ivan.89161234567@mail.ru, тел. 8 916 123-45-67"
    found = [(f.category, text[f.start : f.end]) for f in scanner.scan(text)]
    assert found == [
        ("email", "ivan.89161234567@mail.ru"),  # the longer span wins over the phone inside it
        ("phone", "8 916 123-45-67"),
    ]


def test_equal_spans_go_to_the_more_specific_category() -> None:
    same = (Finding("phone", 0, 11), Finding("snils", 0, 11), Finding("health", 0, 11))
    assert Scanner([Fixed(*same)]).scan("x" * 11) == [Finding("snils", 0, 11)]
    assert Scanner([Fixed(*reversed(same))]).scan("x" * 11) == [Finding("snils", 0, 11)]


def test_longest_wins_and_chains_of_overlaps_resolve_deterministically() -> None:
    findings = (
        Finding("phone", 0, 5),
        Finding("card", 3, 12),
        Finding("ip", 10, 14),
        Finding("email", 20, 25),
        Finding("email", 20, 25),  # duplicate from two detectors
    )
    result = Scanner([Fixed(*findings)]).scan("x" * 30)
    assert result == [Finding("card", 3, 12), Finding("email", 20, 25)]


def test_scan_of_an_empty_text(scanner: Scanner) -> None:
    assert scanner.scan("") == []


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(
            [
                "+7 912 345-67-89",
                "89161234567",
                "СНИЛС",
                "11223344595",
                "ivan.89161234567@mail.ru",
                "ИНН",
                "7707083893",
                "4111 1111 1111 1111",
                "DE89 3704 0044 0532 0130 00",
                "10.0.0.1",
                "диагнозом",
                "trade union",
                " ",
                ", ",
                "-",
                "\n",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_scan_returns_sorted_disjoint_findings(text: str) -> None:
    found = SCANNER.scan(text)
    assert all(0 <= f.start < f.end <= len(text) for f in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


# --- choosing detectors ----------------------------------------------------------------------


def test_for_categories_runs_only_what_was_asked(scanner: Scanner) -> None:
    text = "ИНН 7707083893, диагноз и судимость, a@b.ru"
    subset = scanner.for_categories(["inn", "health"])
    assert subset.categories == {"inn", "health"}
    assert [f.category for f in subset.scan(text)] == ["inn", "health"]  # not criminal, not email
    assert {type(d).__name__ for d in subset.detectors} == {"RussianIdDetector", "LexiconDetector"}
    assert scanner.for_categories({"health", "inn"}) is subset  # cached per set of names


def test_for_categories_refuses_what_no_detector_provides(scanner: Scanner) -> None:
    with pytest.raises(ValueError, match="vehicle_vin"):
        scanner.for_categories(["email", "vehicle_vin"])


def test_default_scanner_takes_tenant_patterns_and_lexicon() -> None:
    scanner = default_scanner(
        patterns=[{"category": "employee_id", "regex": r"EMP-\d{6}"}],
        lexicon={"health": ["нарколог"]},
    )
    text = "EMP-123456 на учёте у нарколога"
    assert [f.category for f in scanner.scan(text)] == ["employee_id", "health"]
    assert "person_name" in scanner.categories  # names by rules are built in


# --- profile ---------------------------------------------------------------------------------


def test_profile_counts_categories_and_never_holds_values(scanner: Scanner) -> None:
    payload = _chat(
        "Иван, тел. +7 (912) 345-67-89, почта ivan@mail.ru",
        "ещё раз: ivan@mail.ru, ИНН 500100732259",
    )
    profile = scanner.profile("chat.completions", payload)
    assert profile == DataProfile(
        {"email": 2, "inn": 1, "person_name": 1, "phone": 1}, "personal", ("RU",)
    )
    for value in ("Иван", "912", "ivan@mail.ru", "500100732259"):
        assert value not in repr(profile)


@pytest.mark.parametrize(
    ("texts", "sensitivity"),
    [
        (("Summarise the meeting notes",), "internal"),
        (("write to a@b.ru",), "personal"),
        (("a@b.ru", "пациент с диагнозом"), "special"),
        (("trade union member",), "special"),
    ],
)
def test_profile_sensitivity(scanner: Scanner, texts: tuple[str, ...], sensitivity: str) -> None:
    assert scanner.profile("chat.completions", _chat(*texts)).sensitivity == sensitivity


def test_tenant_categories_count_as_personal() -> None:
    scanner = Scanner([PatternDetector([{"category": "employee_id", "regex": r"EMP-\d{6}"}])])
    profile = scanner.profile("embeddings", {"input": ["EMP-123456"]})
    assert (profile.categories, profile.sensitivity, profile.subjects) == (
        {"employee_id": 1},
        "personal",
        (),
    )


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        ("паспорт 4512 345678", ("RU",)),
        ("СНИЛС 112-233-445 95, ОГРН 1027700132195", ("RU",)),
        ("+7 701 123 4567", ("KZ",)),
        ("+33 6 12 34 56 78 and +49 30 901820", ("EU",)),
        ("+971 50 123 4567", ("AE",)),
        ("+966 50 123 4567", ("SA",)),
        ("+1 (415) 555-2671", ("US",)),
        ("IBAN DE89 3704 0044 0532 0130 00", ("EU",)),
        ("IBAN SA0380000000608010167519, +7 912 345-67-89", ("RU", "SA")),
        ("card 4111 1111 1111 1111, a@b.ru, 10.0.0.1", ()),
    ],
)
def test_profile_subjects(scanner: Scanner, text: str, subjects: tuple[str, ...]) -> None:
    assert scanner.profile("chat.completions", _chat(text)).subjects == subjects


def test_profile_of_matches_profile(scanner: Scanner) -> None:
    texts = ["ИНН 7707083893", "+7 701 123 4567 и диагноз"]
    findings = [scanner.scan(text) for text in texts]
    assert profile_of(texts, findings) == scanner.profile("embeddings", {"input": texts})


# --- corpus ----------------------------------------------------------------------------------


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"kordon_corpus_{name}", CORPUS_DIR / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_corpus_recall_and_precision(scanner: Scanner) -> None:
    scorer = _load("score")
    samples = scorer.load()
    assert len(samples) >= 300
    russian = sum(bool(CYRILLIC.search(sample["text"])) for sample in samples)
    assert min(russian, len(samples) - russian) >= 100  # both languages, well represented
    scores = scorer.score(scanner)
    names = sum(label["category"] == "person_name" for s in samples for label in s["labels"])
    print(scorer.table(scores, len(samples), names))  # shown with pytest -s
    for category in ASSERTED:
        result = scores[category]
        assert result.tp >= 15, category
        assert result.recall >= 0.99, (category, result)
        assert result.precision >= 0.99, (category, result)


def test_committed_corpus_is_what_the_generator_makes() -> None:
    completed = subprocess.run(
        [sys.executable, str(CORPUS_DIR / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=CORPUS_DIR,
    )
    assert completed.returncode == 0, completed.stderr
