"""The shared analyzer reads its dictionaries memory-mapped and answers exactly as a stock
pymorphy3 ``MorphAnalyzer`` does, on generated words of every shape the detectors pass it."""

from __future__ import annotations

import itertools
import mmap
import random
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymorphy3
import pytest
from dawg_python import wrapper

from app.protect.detectors import morph

_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@pytest.fixture(scope="module")
def stock() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _dawgs(analyzer: pymorphy3.MorphAnalyzer) -> list[Any]:
    dictionary = analyzer.dictionary
    return [
        dictionary.words,
        *dictionary.prediction_suffixes_dawgs,
        analyzer.prob_estimator.p_t_given_w,
    ]


def _words(stock: pymorphy3.MorphAnalyzer, count: int) -> list[str]:
    """Dictionary words and their look-alikes: capitalised, shouted, "ё" spelled "е", with an
    unknown ending (the prediction tables) or prefix, hyphenated, initials, Latin, Ukrainian,
    digits, Roman numerals, punctuation, mixed scripts."""
    rng = random.Random(2026)
    known: list[str] = []
    while len(known) < count:
        prefix = rng.choice(_CYRILLIC) + rng.choice(_CYRILLIC)
        keys = stock.dictionary.words.iterkeys(prefix)
        known += itertools.islice(keys, rng.randint(1, 6))
    shapes: list[Callable[[str], str]] = [
        str.capitalize,
        str.upper,
        lambda w: w.replace("ё", "е"),
        lambda w: w[:-1] + rng.choice(_CYRILLIC) + rng.choice(("", "ость", "ами", "ище", "ов")),
        lambda w: rng.choice(("псевдо", "недо", "квази", "зю", "ъ")) + w,
        lambda w: w + "-" + rng.choice(known),
        lambda w: w + rng.choice(("-то", "-ка", "-таки")),
        lambda w: w[0].upper(),
        lambda w: w[:3] + rng.choice("abcxyz") + w[3:],
        lambda w: w.translate(str.maketrans("иеэ", "іїє")),
    ]
    words = known + [rng.choice(shapes)(word) for word in known]
    words += ["Smith", "covid", "iPhone", "2024", "XIV", "mcmxc", "...", "—", "№5", "", "ЁЖ"]
    return words


def test_dictionaries_are_mapped_not_copied() -> None:
    analyzer = morph.analyzer()
    assert morph.analyzer() is analyzer
    for dawg in _dawgs(analyzer):
        for units in (dawg.dct._units, dawg.guide._units):
            assert isinstance(units, memoryview)
            assert isinstance(units.obj, mmap.mmap)
            assert units.readonly
    # Only the analyzer's load used the mapping readers.
    assert wrapper.Dictionary.read is not morph._read_units
    assert wrapper.Guide.read is not morph._read_guide


def test_mapped_units_are_the_units_pymorphy3_reads(stock: pymorphy3.MorphAnalyzer) -> None:
    for mapped, copied in zip(_dawgs(morph.analyzer()), _dawgs(stock), strict=True):
        assert mapped.dct._units.tobytes() == copied.dct._units.tobytes()
        assert mapped.guide._units.tobytes() == copied.guide._units.tobytes()


def _parses(analyzer: pymorphy3.MorphAnalyzer, word: str) -> list[tuple[Any, ...]]:
    return [
        (
            parse.word,
            str(parse.tag),
            parse.normal_form,
            parse.score,
            repr(parse.methods_stack),  # the analyzer units, by their parameters
        )
        for parse in analyzer.parse(word)
    ]


def test_answers_equal_a_stock_analyzer(stock: pymorphy3.MorphAnalyzer) -> None:
    mapped = morph.analyzer()
    words = _words(stock, 1500)
    units = {
        type(step[0]).__name__ for w in words for p in stock.parse(w) for step in p.methods_stack
    }
    # Every analyzer unit that reads a mapped table, and the guessers for words it lacks.
    assert {
        "DictionaryAnalyzer",
        "KnownSuffixAnalyzer",
        "KnownPrefixAnalyzer",
        "UnknownPrefixAnalyzer",
        "HyphenatedWordsAnalyzer",
        "AbbreviatedFirstNameAnalyzer",
        "LatinAnalyzer",
        "RomanNumberAnalyzer",
    } <= units
    for word in words:
        assert mapped.word_is_known(word) == stock.word_is_known(word), word
        assert _parses(mapped, word) == _parses(stock, word), word
    # What the lexicons take from a parse besides its lemma: every form, a participle's lemma.
    for word in words[::25]:
        for ours, theirs in zip(mapped.parse(word), stock.parse(word), strict=True):
            assert [(f.word, str(f.tag)) for f in ours.lexeme] == [
                (f.word, str(f.tag)) for f in theirs.lexeme
            ]
            wanted = {"PRTF", "sing", "masc", "nomn"}
            ours_form, theirs_form = ours.inflect(wanted), theirs.inflect(wanted)
            assert (ours_form and ours_form.word) == (theirs_form and theirs_form.word)


def test_a_truncated_dictionary_file_fails_to_load(tmp_path: Path) -> None:
    broken = tmp_path / "words.dawg"
    broken.write_bytes(struct.pack("=I", 1000) + b"\0" * 400)
    with broken.open("rb") as handle, pytest.raises(EOFError, match="shorter"):
        morph._read_units(wrapper.Dictionary(), handle)
