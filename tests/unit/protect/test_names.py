"""Person names: the real natasha model on Russian sentences, the corpus, and the seam around it.

These tests need ``natasha`` installed (it ships its model in the wheel, nothing is fetched):
without it they fail with the detector's own error rather than skip, because a gateway that
was asked to find names must not quietly find none. The missing-library error itself is
tested by hiding the module, so it runs either way.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protect.detectors import DetectorUnavailableError
from app.protect.detectors import names as names_module
from app.protect.detectors.names import NatashaNameDetector, _chunks, _Pipeline, _Shared, with_names
from app.protect.findings import Finding
from app.protect.scan import Scanner, default_scanner

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "corpus" / "corpus.jsonl"
CYRILLIC = re.compile("[А-Яа-яЁё]")


@pytest.fixture(scope="module")
def detector() -> NatashaNameDetector:
    detector = NatashaNameDetector()
    try:
        detector.load()
    except DetectorUnavailableError as exc:  # pragma: no cover - the environment is broken
        pytest.fail(f"natasha must be installed for these tests: {exc}")
    return detector


def _values(detector: NatashaNameDetector, text: str) -> list[str]:
    return [text[f.start : f.end] for f in detector.find(text)]


# --- the model on Russian text ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Вчера Иван Петров подписал договор поставки.", ["Иван Петров"]),
        ("Передайте документы Ивану Петрову до пятницы.", ["Ивану Петрову"]),
        ("Договор подписан Петровым Иваном Сергеевичем.", ["Петровым Иваном Сергеевичем"]),
        ("Встреча с Анной Сергеевной Морозовой перенесена.", ["Анной Сергеевной Морозовой"]),
        ("Я позвонил Ольге, она передала привет Сергею.", ["Ольге", "Сергею"]),
        (
            "Ответственный — Петров И. С., согласовал А. С. Пушкин.",
            ["Петров И. С.", "А. С. Пушкин"],
        ),
        ("Добрый день, Сергей Викторович! Счёт во вложении.", ["Сергей Викторович"]),
        ("Spoke with Иван Петров yesterday about the invoice.", ["Иван Петров"]),
    ],
)
def test_finds_names_in_every_case_with_exact_offsets(
    detector: NatashaNameDetector, text: str, names: list[str]
) -> None:
    found = list(detector.find(text))
    expected, start = [], 0
    for name in names:
        start = text.index(name, start)
        expected.append(Finding("person_name", start, start + len(name)))
        start += len(name)
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "Офис компании находится в Москве, филиал — в Санкт-Петербурге.",
        "ООО «Ромашка» выставило счёт за март.",
        'ООО "Ромашка" и АО «Вектор» подписали акт сверки.',
        "Отчёт за январь, февраль, март, апрель, май и декабрь.",
        "Санкт-Петербург, ул. Ленина, д. 5, кв. 12",
        "Приходите в Сбербанк в понедельник.",
        "Перезвоните мне завтра после обеда.",
        "Оплатите заказ до пятницы, пожалуйста.",
        "Здравствуйте! Подскажите, как оформить возврат?",
    ],
)
def test_finds_no_names_where_there_are_none(detector: NatashaNameDetector, text: str) -> None:
    assert _values(detector, text) == []


def test_reads_names_inside_json(detector: NatashaNameDetector) -> None:
    # The news model sees nothing in quoted JSON values unless the quotes read as spaces.
    text = '{"customer": {"name": "Тимур Ахметов", "city": "Казань"}}'
    found = list(detector.find(text))
    start = text.index("Тимур")
    assert found == [Finding("person_name", start, start + len("Тимур Ахметов"))]


def test_cuts_a_verb_off_the_edge_of_a_name(detector: NatashaNameDetector) -> None:
    # The raw tagger returns "Позвоните Ахметову"; the imperative is no part of the name.
    assert _values(detector, "Позвоните Ахметову в понедельник.") == ["Ахметову"]
    # A noun stays: many surnames are nouns.
    assert _values(detector, "Скажите Воробью, что всё готово.") == ["Воробью"]


def test_long_text_is_read_in_chunks_with_exact_offsets(detector: NatashaNameDetector) -> None:
    sentence = "Вчера Иван Петров передал Анне Морозовой отчёт за квартал. "
    text = sentence * 120  # about 7,000 characters: several chunks
    found = list(detector.find(text))
    values = [text[f.start : f.end] for f in found]
    assert values == ["Иван Петров", "Анне Морозовой"] * 120
    assert all(f.start % len(sentence) in (6, 26) for f in found)


def test_empty_and_whitespace_texts(detector: NatashaNameDetector) -> None:
    for text in ("", " ", "\n\n", "а"):
        assert list(detector.find(text)) == []


# --- skipping, chunking and loading, on a fake tagger -----------------------------------------


class _FakeTagger:
    """Records what the detector asks the model to read; finds nothing."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def map(self, texts: list[str]) -> Any:
        for text in texts:
            self.read.append(text)
            yield _Markup()


class _Markup:
    spans: tuple[()] = ()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> _FakeTagger:
    tagger = _FakeTagger()
    morph = names_module._SHARED.get().morph
    monkeypatch.setattr(names_module, "_SHARED", _Shared(lambda: _Pipeline(tagger, morph)))
    return tagger


def test_text_without_cyrillic_never_reaches_the_model(fake: _FakeTagger) -> None:
    english = "John Miller asked us to resend invoice INV-2024-00731. " * 200
    assert list(NatashaNameDetector().find(english)) == []
    assert fake.read == []


def test_only_chunks_with_cyrillic_reach_the_model(fake: _FakeTagger) -> None:
    english = "Please review the incident report and summarise it.\n" * 60  # ~3,100 chars
    text = english + "Клиент Иван Петров ждёт звонка.\n" + english
    list(NatashaNameDetector().find(text))
    assert len(fake.read) == 1
    assert "Иван Петров" in fake.read[0]
    assert len(fake.read[0]) <= 1000


@given(
    st.text(alphabet=st.sampled_from("Аа. \n!?,xyz1"), max_size=3000),
    st.integers(min_value=4, max_value=400),
)
def test_chunks_cover_the_text_in_order(text: str, limit: int) -> None:
    pieces = list(_chunks(text, limit))
    assert "".join(piece for _, piece in pieces) == text
    offset = 0
    for start, piece in pieces:
        assert start == offset
        assert 0 < len(piece) <= limit
        offset += len(piece)


def test_chunks_end_at_sentences_and_keep_initials() -> None:
    text = "Согласовал А. С. Пушкин, подписал Петров И. С. и ушёл домой. " * 40
    pieces = [piece for _, piece in _chunks(text, 300)]
    assert len(pieces) > 5
    assert all(piece.endswith("домой. ") for piece in pieces[:-1])


def test_a_run_without_spaces_is_cut_at_the_limit() -> None:
    assert [len(piece) for _, piece in _chunks("я" * 2500, 1000)] == [1000, 1000, 500]


def test_threads_racing_on_first_use_load_the_model_once() -> None:
    calls: list[int] = []

    def loader() -> _Pipeline:
        calls.append(1)
        time.sleep(0.05)
        return _Pipeline(object(), object())

    shared = _Shared(loader)
    got: list[_Pipeline] = []
    threads = [threading.Thread(target=lambda: got.append(shared.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(got) == 8
    assert all(pipeline is got[0] for pipeline in got)


def test_a_failed_load_is_tried_again() -> None:
    attempts: list[int] = []

    def loader() -> _Pipeline:
        attempts.append(1)
        if len(attempts) == 1:
            raise DetectorUnavailableError("not yet")
        return _Pipeline(object(), object())

    shared = _Shared(loader)
    with pytest.raises(DetectorUnavailableError):
        shared.get()
    assert not shared.loaded
    shared.get()
    assert shared.loaded
    assert len(attempts) == 2


def test_every_detector_shares_one_model(detector: NatashaNameDetector) -> None:
    other = NatashaNameDetector()
    assert other.loaded
    assert names_module._SHARED.get() is names_module._SHARED.get()


def test_missing_natasha_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "natasha", None)  # import natasha -> ImportError
    monkeypatch.setattr(names_module, "_SHARED", _Shared(names_module._load_pipeline))
    detector = NatashaNameDetector()
    assert not detector.loaded
    with pytest.raises(DetectorUnavailableError, match=r"pip install natasha"):
        list(detector.find("Иван Петров"))
    # English text too: a policy that asked for names must hear that it cannot have them.
    with pytest.raises(DetectorUnavailableError, match=r"pip install natasha"):
        list(detector.find("John Miller"))
    with pytest.raises(DetectorUnavailableError):
        detector.load()
    with pytest.raises(DetectorUnavailableError):
        with_names(default_scanner(), load=True)
    lazy = with_names(default_scanner())  # without load=, the error waits for the first scan
    with pytest.raises(DetectorUnavailableError):
        lazy.scan("Иван Петров")


def test_the_model_loads_with_the_network_closed() -> None:
    # A fresh interpreter whose every socket call raises: the model comes from site-packages.
    code = """
import sys
def deny(event, args):
    if event.startswith("socket.") or event.startswith("urllib."):
        raise RuntimeError("network used: " + event)
sys.addaudithook(deny)
from app.protect.detectors.names import NatashaNameDetector
text = "Договор подписан Петровым Иваном Сергеевичем."
print([text[f.start:f.end] for f in NatashaNameDetector().find(text)])
"""
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "['Петровым Иваном Сергеевичем']"


# --- scanners ---------------------------------------------------------------------------------


def test_default_scanner_has_no_names_and_with_names_adds_them() -> None:
    base = default_scanner()
    assert "person_name" not in base.categories
    scanner = with_names(base)
    assert scanner.categories == base.categories | {"person_name"}
    assert with_names(scanner) is scanner
    assert "person_name" not in base.categories  # the base is left alone


def test_for_categories_runs_the_model_only_when_names_are_asked_for(
    detector: NatashaNameDetector,
) -> None:
    scanner = with_names(default_scanner())
    text = "Иван Петров, ivan.petrov@example.ru, +7 916 234-56-78"
    names_only = scanner.for_categories(["person_name"])
    assert [type(d).__name__ for d in names_only.detectors] == ["NatashaNameDetector"]
    assert [f.category for f in names_only.scan(text)] == ["person_name"]
    without = scanner.for_categories(["email", "phone"])
    assert all(not isinstance(d, NatashaNameDetector) for d in without.detectors)
    both = scanner.for_categories(["person_name", "email"])
    found = both.scan(text)
    assert [(f.category, text[f.start : f.end]) for f in found] == [
        ("person_name", "Иван Петров"),
        ("email", "ivan.petrov@example.ru"),
    ]


def test_with_names_keeps_a_subset_a_subset(detector: NatashaNameDetector) -> None:
    subset = with_names(default_scanner().for_categories(["email"]))
    assert subset.categories == {"email", "person_name"}
    text = "Иван Петров, ivan.petrov@example.ru, +7 916 234-56-78"
    assert [f.category for f in subset.scan(text)] == ["person_name", "email"]  # no phone


def test_profile_counts_names(detector: NatashaNameDetector) -> None:
    scanner: Scanner = with_names(default_scanner())
    profile = scanner.profile(
        "chat.completions",
        {"messages": [{"role": "user", "content": "Передайте Ивану Петрову: ИНН 7707083893"}]},
    )
    assert profile.categories == {"inn": 1, "person_name": 1}


# --- the corpus -------------------------------------------------------------------------------


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_corpus_recall_and_precision_on_names(detector: NatashaNameDetector) -> None:
    """Scored by overlapping span, as ``tests/corpus/score.py`` does, Russian and Latin apart.

    The corpus leaves some names unlabelled (the sole trader in "ИП Морозова А.", the ФИО
    column of its CSV rows), so precision is given twice: against the labels, and counting
    as right an unlabelled finding made only of the corpus's own name words and initials.
    """
    samples = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    name_words = {
        word
        for sample in samples
        for label in sample["labels"]
        if label["category"] == "person_name"
        for word in label["value"].split()
    }
    counts = {script: {"tp": 0, "fn": 0} for script in ("ru", "latin")}
    fp = unlabelled_names = 0
    exact = 0
    false_positives: list[str] = []
    for sample in samples:
        text = sample["text"]
        labels = [
            (match.start(), match.end(), "ru" if CYRILLIC.search(label["value"]) else "latin")
            for label in sample["labels"]
            if label["category"] == "person_name"
            for match in re.finditer(re.escape(label["value"]), text)
        ]
        got = [(f.start, f.end) for f in detector.find(text)]
        for start, end, script in labels:
            hit = any(_overlaps((start, end), guess) for guess in got)
            counts[script]["tp" if hit else "fn"] += hit or 1
            exact += (start, end) in got
        for guess in got:
            if any(_overlaps(guess, (start, end)) for start, end, _ in labels):
                continue
            words = text[guess[0] : guess[1]].split()
            if all(w in name_words or re.fullmatch(r"[А-ЯЁ]\.", w) for w in words):
                unlabelled_names += 1
            else:
                fp += 1
                false_positives.append(text[guess[0] : guess[1]])
    tp_ru, fn_ru = counts["ru"]["tp"], counts["ru"]["fn"]
    tp_all = tp_ru + counts["latin"]["tp"]
    recall_ru = tp_ru / (tp_ru + fn_ru)
    recall_latin = counts["latin"]["tp"] / max(1, counts["latin"]["tp"] + counts["latin"]["fn"])
    precision_labels = tp_all / (tp_all + fp + unlabelled_names)
    precision_names = (tp_all + unlabelled_names) / (tp_all + fp + unlabelled_names)
    print(  # shown with pytest -s
        f"\nperson_name, Russian labels: {tp_ru}/{tp_ru + fn_ru} recall {recall_ru:.3f}"
        f" ({exact} with the exact span)"
        f"\nperson_name, Latin labels:   {counts['latin']['tp']}/"
        f"{counts['latin']['tp'] + counts['latin']['fn']} recall {recall_latin:.3f}"
        " (English text is not read: the model is Russian)"
        f"\nprecision against labels {precision_labels:.3f}; counting {unlabelled_names} "
        f"unlabelled names as right {precision_names:.3f}; false positives: {false_positives}"
    )
    assert tp_ru + fn_ru >= 30
    assert recall_ru >= 0.95
    assert precision_names >= 0.95
    assert fp <= 3
