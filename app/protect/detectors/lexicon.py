"""Special categories of personal data: health, beliefs, criminal records and the rest.

Found by lexicon, in Russian and English: the terms live in data files
(``app/protect/lexicons/*.yaml``, category → words and phrases) and a tenant's bundle may add
its own. Text and entries go through the same normalisation, so any grammatical form of an
entry matches any form in the text:

* Russian words get every lemma pymorphy3 proposes ("диагнозом" → "диагноз"). Participles keep
  their own lemma ("подозреваемому" → "подозреваемый", not the verb "подозревать"), so the
  entry for a suspect does not fire on "подозреваю, что сервер упал".
* English words are lower-cased and get their plural, -ed and -ing endings stripped.

The Russian lemmas and first letters of the built-in entries' words are precomputed in
``lexicons/forms.json`` (from pymorphy3: ``scripts/build-lexicon-forms.py`` writes it,
a test checks it against pymorphy3), so building a detector reads nothing from pymorphy3's
dictionary, whose memory-mapped pages stay out of memory until Russian text needs them
(``app.protect.detectors.morph``); entries a bundle adds and the words of the text are
analysed by pymorphy3.

Speed: one regex tokenises the text; a word is lemmatised only if its first three letters
start some form of some entry, and each distinct word is lemmatised once (LRU cache). The
entries a word can start are remembered per detector, so a word seen before costs one dict
look-up; only the words that start an entry are then looked for where they stand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from app.protect.budget import checkpoint
from app.protect.detectors.morph import analyzer
from app.protect.findings import Finding

__all__ = [
    "BUILTIN_LEXICON_DIR",
    "FORMS_FILE",
    "SPECIAL_CATEGORIES",
    "LexiconDetector",
    "analysed_forms",
    "builtin_entries",
    "load_lexicon",
]

SPECIAL_CATEGORIES = frozenset(
    {"health", "biometric", "beliefs", "trade_union", "sex_life", "race_nationality", "criminal"}
)
BUILTIN_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
FORMS_FILE = BUILTIN_LEXICON_DIR / "forms.json"

_LETTER = r"[^\W\d_]"
_WORD = re.compile(rf"{_LETTER}+")
# The same words in lower-case ASCII text, where a letter is a-z: a plain range is tested per
# character in C, the Unicode classes above by category (half as fast).
_ASCII_WORD = re.compile(r"[a-z]+")
# The next word of a phrase: separated by spaces or a hyphen ("ВИЧ-инфицированный"), nothing else.
_NEXT_WORD = re.compile(r"[ \t\n\-]{1,3}([^\W\d_]+)")
_PARTICIPLE = frozenset({"PRTF", "PRTS"})
_PARTICIPLE_LEMMA = frozenset({"PRTF", "sing", "masc", "nomn"})
_PREFIX = 3
# Words whose entries a detector remembers (only words that pass the prefix test); past it
# the memory starts over, so it stays bounded whatever words the requests carry.
_REMEMBERED = 16384

_Entry = tuple[tuple[frozenset[str], ...], str]  # lemmas of the words after the first, category


def _longest_first(entry: _Entry) -> tuple[int, str]:
    return (-len(entry[0]), entry[1])


def _is_cyrillic(word: str) -> bool:
    return "а" <= word[0] <= "я" or word[0] == "ё"


def _english_forms(word: str) -> frozenset[str]:
    forms = {word}
    if len(word) > 4:
        if word.endswith("ies"):
            forms.add(word[:-3] + "y")
        elif word.endswith("ses"):
            forms.add(word[:-2] + "is")  # diagnoses → diagnosis
        if word.endswith("es"):
            forms.add(word[:-2])
        if word.endswith("s") and not word.endswith("ss"):
            forms.add(word[:-1])
        if word.endswith("ed"):
            forms.update((word[:-2], word[:-1]))
        if word.endswith("ing"):
            forms.update((word[:-3], word[:-3] + "e"))
    return frozenset(forms)


def _parse_lemma(parse: Any) -> str:
    lemma: str = parse.normal_form
    if parse.tag.POS in _PARTICIPLE:
        participle = parse.inflect(_PARTICIPLE_LEMMA)
        lemma = participle.word if participle is not None else lemma
    return lemma.replace("ё", "е")


def _analysed_lemmas(word: str) -> frozenset[str]:
    return frozenset(_parse_lemma(parse) for parse in analyzer().parse(word))


def _analysed_prefixes(lemma: str) -> frozenset[str]:
    return frozenset(
        form.word[:_PREFIX].replace("ё", "е")
        for parse in analyzer().parse(lemma)
        for form in parse.lexeme
    )


class _Forms(NamedTuple):
    lemmas: dict[str, frozenset[str]]  # Russian word of an entry -> _analysed_lemmas(word)
    prefixes: dict[str, frozenset[str]]  # lemma of an entry's first word -> _analysed_prefixes


@cache
def _forms() -> _Forms:
    data = json.loads(FORMS_FILE.read_text(encoding="utf-8"))
    return _Forms(
        *({key: frozenset(values) for key, values in data[part].items()} for part in _Forms._fields)
    )


@lru_cache(maxsize=65536)
def _lemmas(word: str) -> frozenset[str]:
    """Every lemma of a lower-case word, with "ё" spelled "е"."""
    if not _is_cyrillic(word):
        return _english_forms(word)
    known = _forms().lemmas.get(word)
    return known if known is not None else _analysed_lemmas(word)


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    """Where ``word`` stands as a whole word, as ``_WORD`` would cut it. The word comes first
    and the letter before it is checked behind: a pattern that starts with a literal lets
    Python's engine jump from one occurrence to the next."""
    literal = re.escape(word)
    return re.compile(rf"{literal}(?<!{_LETTER}{literal})(?!{_LETTER})")


def _surface_prefixes(lemma: str) -> set[str]:
    """First letters of every form of ``lemma``: the cheap test a word must pass to be looked up."""
    prefixes = {lemma[:_PREFIX]}
    if _is_cyrillic(lemma):
        known = _forms().prefixes.get(lemma)
        prefixes |= known if known is not None else _analysed_prefixes(lemma)
    return prefixes


def analysed_forms(entries: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """What ``FORMS_FILE`` holds for ``entries``, from pymorphy3: the lemmas of their Russian
    words and the first letters of every form of their first words' Russian lemmas."""
    lemmas: dict[str, frozenset[str]] = {}
    prefixes: dict[str, frozenset[str]] = {}
    for entry in entries:
        words = _WORD.findall(entry.lower())
        for word in filter(_is_cyrillic, words):
            lemmas[word] = _analysed_lemmas(word)
        for lemma in lemmas.get(words[0], ()) if words else ():
            if _is_cyrillic(lemma):
                prefixes[lemma] = _analysed_prefixes(lemma)
    return {
        part: {key: sorted(values[key]) for key in sorted(values)}
        for part, values in zip(_Forms._fields, (lemmas, prefixes), strict=True)
    }


def builtin_entries() -> list[str]:
    """Every entry of the built-in lexicon files, in file order."""
    files = sorted(BUILTIN_LEXICON_DIR.glob("*.yaml"))
    return [entry for path in files for entries in load_lexicon(path).values() for entry in entries]


def load_lexicon(path: Path) -> dict[str, list[str]]:
    """Read one lexicon file: a mapping of special category → list of words and phrases."""
    with path.open(encoding="utf-8") as handle:
        data: Any = yaml.safe_load(handle)
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(value, list) and all(isinstance(v, str) for v in value)
        for key, value in data.items()
    ):
        raise ValueError(f"{path}: expected a mapping of category to a list of strings")
    return {key: list(value) for key, value in data.items()}


class LexiconDetector:
    """Finds mentions of special categories of personal data by lexicon."""

    categories: frozenset[str] = SPECIAL_CATEGORIES

    def __init__(
        self,
        extra: Mapping[str, Iterable[str]] | None = None,
        paths: Iterable[Path] | None = None,
    ) -> None:
        """Build from the built-in files (or ``paths``) plus ``extra`` entries, e.g. bundle data.

        Raise ValueError for a category that is not a special category, FileNotFoundError if
        the built-in files are missing (a package built without its data would else detect
        nothing, silently).
        """
        files = list(paths) if paths is not None else sorted(BUILTIN_LEXICON_DIR.glob("*.yaml"))
        if not files and paths is None:
            raise FileNotFoundError(f"no lexicon files in {BUILTIN_LEXICON_DIR}")
        sources: list[Mapping[str, Iterable[str]]] = [load_lexicon(path) for path in files]
        if extra:
            sources.append(extra)
        # A word of the text matches a word of an entry when they share a lemma. Index: each
        # lemma of an entry's first word → (lemmas of its other words, category).
        index: dict[str, list[_Entry]] = {}
        prefixes: set[str] = set()
        for source in sources:
            for category, entries in source.items():
                if category not in SPECIAL_CATEGORIES:
                    raise ValueError(f"lexicon category {category!r} is not a special category")
                for entry in entries:
                    words = _WORD.findall(entry.lower())
                    if not words:
                        continue
                    lemmas = tuple(_lemmas(word) for word in words)
                    for lemma in lemmas[0]:
                        index.setdefault(lemma, []).append((lemmas[1:], category))
                        prefixes |= _surface_prefixes(lemma)
        self._index = index
        self._prefixes = frozenset(prefixes)
        # The table spared the entries the analyzer; the text's words need it: built now, with
        # the detector, so no request pays for it.
        analyzer()
        # word (passing the prefix test) -> the entries it may start; () for none.
        self._starts: dict[str, tuple[_Entry, ...]] = {}

    def _entries(self, word: str) -> tuple[_Entry, ...]:
        """The entries ``word`` may start, longest phrase first, then by category: the same
        answer in every process, though a word's lemmas are a set ordered by the hash seed."""
        found = self._starts.get(word)
        if found is None:
            index = self._index
            entries = {entry for lemma in _lemmas(word) for entry in index.get(lemma, ())}
            found = tuple(sorted(entries, key=_longest_first))
            if len(self._starts) >= _REMEMBERED:
                self._starts.clear()
            self._starts[word] = found
        return found

    def find(self, text: str) -> Iterator[Finding]:
        """Yield one finding per mention; a phrase is one finding covering all its words."""
        lowered = text.lower()
        if len(lowered) != len(text):
            # A few letters lower-case to two characters ("İ"); keep offsets aligned.
            lowered = "".join(char.lower()[0] for char in text)
        prefixes = self._prefixes  # a local: tested once per word
        starting = []
        words = (_ASCII_WORD if lowered.isascii() else _WORD).findall(lowered)
        for word in {word for word in words if word[:_PREFIX] in prefixes}:
            checkpoint()  # a candidate may be lemmatised: the scan budget bounds the costly case
            if self._entries(word):
                starting.append(word)
        # Only those words can start a mention: visit where they stand, in text order.
        places = sorted(
            (match.start(), match.end(), word)
            for word in starting
            for match in _whole_word(word).finditer(lowered)
        )
        covered = 0
        for start, word_end, word in places:
            if start < covered:
                continue
            for rest, category in self._entries(word):
                end = self._phrase_end(lowered, word_end, rest)
                if end:
                    covered = end
                    yield Finding(category, start, end)
                    break

    @staticmethod
    def _phrase_end(text: str, pos: int, rest: tuple[frozenset[str], ...]) -> int:
        """End of the phrase whose first word ends at ``pos``, or 0 if the next words differ."""
        for lemmas in rest:
            match = _NEXT_WORD.match(text, pos)
            if match is None or lemmas.isdisjoint(_lemmas(match.group(1))):
                return 0
            pos = match.end()
        return pos
