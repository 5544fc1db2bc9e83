"""Person names by NER: the optional second opinion a tenant asks for with ``name_model: ner``.

The default person-name detector is ``name_rules.RuleNameDetector`` (morphology, word lists
and context; ``docs/detection.md`` has what each costs and finds). This one is natasha's news
NER tagger (slovnet CNN-CRF over navec embeddings, both shipped inside the ``natasha`` wheel
and read from site-packages, never downloaded). It tags Russian text; a text without one Cyrillic
letter is skipped before the model is touched, so English traffic costs one regex search.

Three small fixes around the model, each one for a miss seen on ``tests/corpus`` or on the
sentences in ``tests/unit/protect/test_names.py``:

* JSON quotes and brackets are read as spaces (same length, so offsets hold): the news model
  finds nothing in ``{"name": "Тимур Ахметов"}`` and the name in ``{"name": Тимур Ахметов}``.
* A dictionary word at the edge of a span that can be neither a name nor a noun is cut off
  (pymorphy3): the model likes sentence-initial imperatives, "Перезвоните мне" or
  "Позвоните Ахметову". Nouns stay, since many surnames are nouns too ("Воробью").
* Spans with only spaces between them are joined: the tagger sometimes cuts one name in two.

The model is loaded once per process, on first use or by :meth:`NatashaNameDetector.load`
(about half a second; call it at start-up so the first request does not pay it and a
missing library fails there). Every detector instance shares it. Without ``natasha`` the
detector raises :class:`DetectorUnavailableError`, never silently finds nothing.

``app.policy.detection`` adds it to the scanners of the tenants that ask for it.
"""

from __future__ import annotations

import importlib
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

import pymorphy3

from app.protect.detectors.base import DetectorUnavailableError
from app.protect.detectors.morph import analyzer
from app.protect.findings import Finding

__all__ = ["CATEGORY", "NatashaNameDetector"]

CATEGORY = "person_name"

_CYRILLIC = re.compile("[А-Яа-яЁё]")
# The tagger reads one chunk at a time: its memory grows with the longest sequence (a 1 MB
# text in one piece peaks near 1 GB), while a CNN's context is a few words wide.
_CHUNK = 1000
# Where a chunk may end: a line break, or the space after a sentence whose last word is not
# an initial ("А. С. Пушкин" stays whole: an upper-case letter before the dot is no end).
_BOUNDARY = re.compile(r"\n|(?<=[a-zа-яё0-9)»\"'][.!?…])[ \t]+")
_JSON_PUNCTUATION = str.maketrans(dict.fromkeys('"{}[]', " "))
_TOKEN = re.compile(r"\S+")
# Two PER spans with only spaces between them are one name the tagger cut in two (it does,
# now and then, between a first name and a surname); a line break or a comma keeps them apart.
_SAME_LINE_GAP = re.compile(r"[ \t]*")
_EDGE_PUNCTUATION = ".,;:!?…«»()\"'—–-"
_NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})
# natasha pulls in pymorphy2, yargy and friends, written for older Pythons; silence only
# their import-time deprecation noise, and only while importing them.
_NOISY = r"(natasha|pymorphy2|yargy|slovnet|navec|razdel|ipymarkup|intervaltree|docopt)\b"


class _Pipeline(NamedTuple):
    tagger: Any  # natasha.NewsNERTagger: .map(texts) -> markups with .spans
    morph: pymorphy3.MorphAnalyzer


def _load_pipeline() -> _Pipeline:
    """Import natasha and build its news NER tagger from the files in its wheel."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, PendingDeprecationWarning, SyntaxWarning):
            warnings.filterwarnings("ignore", category=category, module=_NOISY)
        try:
            natasha = importlib.import_module("natasha")
        except ImportError as exc:
            raise DetectorUnavailableError(
                "person_name detection needs the optional 'natasha' package "
                f"(pip install natasha): {exc}"
            ) from exc
        try:
            tagger = natasha.NewsNERTagger(natasha.NewsEmbedding())
        except OSError as exc:
            raise DetectorUnavailableError(
                f"natasha is installed but its NER model could not be read: {exc}"
            ) from exc
    return _Pipeline(tagger, analyzer())  # the analyzer the rules and the lexicons share


class _Shared:
    """One lazily built pipeline per process; threads racing on first use build it once."""

    def __init__(self, loader: Callable[[], _Pipeline]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._pipeline: _Pipeline | None = None

    @property
    def loaded(self) -> bool:
        return self._pipeline is not None

    def get(self) -> _Pipeline:
        pipeline = self._pipeline
        if pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    self._pipeline = self._loader()  # a failure is not kept: retried next time
                pipeline = self._pipeline
        return pipeline


_SHARED = _Shared(_load_pipeline)


def _chunks(text: str, limit: int = _CHUNK) -> Iterator[tuple[int, str]]:
    """Cut ``text`` into ``(offset, piece)`` of at most ``limit`` characters, in order.

    A cut goes at the last sentence end or line break in the second half of the window,
    else at the last space, else (a run with no space at all) at the limit itself.
    """
    start, size = 0, len(text)
    while start < size:
        end = start + limit
        if end < size:
            low = start + limit // 2
            cut = None
            for match in _BOUNDARY.finditer(text, low, end):
                cut = match.end()
            if cut is None:
                space = text.rfind(" ", low, end)
                cut = space + 1 if space >= 0 else end
            end = cut
        else:
            end = size
        yield start, text[start:end]
        start = end


@lru_cache(maxsize=65536)
def _never_a_name(token: str) -> bool:
    """A dictionary word none of whose readings is a name or a noun ("Перезвоните").

    Cached per token: the same names come back request after request, and a pymorphy3
    parse of a surname costs about as much as tagging the sentence it is in.
    """
    word = token.strip(_EDGE_PUNCTUATION)
    morph = _SHARED.get().morph
    if not word.isalpha() or not morph.word_is_known(word):
        return False
    return all(
        parse.tag.POS != "NOUN" and _NAME_GRAMMEMES.isdisjoint(parse.tag.grammemes)
        for parse in morph.parse(word)
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the words at its edges that cannot be part of a name; may be empty."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
    while tokens and _never_a_name(text[tokens[0][0] : tokens[0][1]]):
        tokens.pop(0)
    while tokens and _never_a_name(text[tokens[-1][0] : tokens[-1][1]]):
        tokens.pop()
    return (tokens[0][0], tokens[-1][1]) if tokens else (start, start)


class NatashaNameDetector:
    """Finds person names (natasha's PER spans) in Russian text; the model is shared."""

    categories: frozenset[str] = frozenset({CATEGORY})

    @property
    def loaded(self) -> bool:
        """Whether the process has its NER model in memory yet."""
        return _SHARED.loaded

    def load(self) -> None:
        """Load the NER model now; raise DetectorUnavailableError without natasha."""
        _SHARED.get()

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each person name the tagger finds, edges trimmed.

        Raises DetectorUnavailableError without natasha, whatever the text: a policy that
        asked for names must not pass data on because this text happened to be English.
        """
        tagger = _SHARED.get().tagger
        if _CYRILLIC.search(text) is None:
            return
        pieces = [(offset, piece) for offset, piece in _chunks(text) if _CYRILLIC.search(piece)]
        markups = tagger.map([piece.translate(_JSON_PUNCTUATION) for _, piece in pieces])
        spans: list[tuple[int, int]] = []
        for (offset, _), markup in zip(pieces, markups, strict=True):
            for span in markup.spans:
                if span.type != "PER":
                    continue
                start, end = _trim(text, offset + span.start, offset + span.stop)
                if start == end:
                    continue
                if spans and _SAME_LINE_GAP.fullmatch(text, spans[-1][1], start):
                    start = spans.pop()[0]  # "Анной Сергеевной" + "Морозовой": one name
                spans.append((start, end))
        for start, end in spans:
            yield Finding(CATEGORY, start, end)
