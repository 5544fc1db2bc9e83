"""Person names by rules: capitalised words, their classes, and the words around them.

The default person-name detector (Russian and Latin-script), well under a millisecond per KB.
It reads runs of capitalised words (and initials, and name particles such as "bin", "de la"
between them) on one line and calls a run a name when its words say so:

* Russian: two of given name / surname / patronymic ("Иван Петров", "Петровым Иваном
  Сергеевичем"), one of them with initials ("Петров И. С.", "А. С. Пушкин"), with an
  ambiguous given name ("Роман Новиков") or an unknown capitalised word ("Тимур Ахметов"),
  or one given name, surname or patronymic alone ("Передайте Ольге", "Позвоните Ахметову");
* Latin script: a given name from the lists, alone or with what follows ("Sarah", "Marco
  Rossi", "Mohammed bin Rashid Al Maktoum"), an ambiguous given name with a surname ("Will
  Smith"), or initials with a capitalised word ("J. Smith", "Ivanov I.I.");
* either script: any capitalised name-like word after a title or role ("Mr Haddad",
  "г-н Смит", "клиент Нгуен").

A run right after a street, town or building word ("ул. Ленина", "San Diego"), after a
company or brand word or inside typographic quotes ("ООО «Иванов и партнёры»", "бренд Лада
Веста") is no name, and words that are never names ("Thanks", "Трек-номер", "Москва",
"March", "Microsoft") end a run. Lower-case names are not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from app.protect.detectors.name_lists import NameLists, name_lists
from app.protect.detectors.name_words import WordClass, classify, is_cyrillic
from app.protect.findings import Finding

__all__ = ["CATEGORY", "RuleNameDetector"]

CATEGORY = "person_name"

_UPPER = "".join(
    re.escape(ch) for ch in map(chr, range(0x41, 0x530)) if ch.isupper() and ch.isalpha()
)
_LETTER = r"[^\W\d_]"


# An initial or a run of initials ("И.", "И. С.", "J.R.R."), else a capitalised word with
# its apostrophes and hyphens ("O'Brien", "Al-Rashid", "al-Farsi"), a possessive 's left out;
# never right after a letter, digit, "_", "." or "@". The first character is matched by a
# class (a capital, or the "a"/"e" of "al-"/"el-") and only then looked around: a pattern that
# starts with a class lets Python's engine skip to candidates in C, one that starts with a
# look-behind is tried at every position (2.5x slower over prose).
def _token(al_words: bool) -> re.Pattern[str]:
    """The token pattern; without ``al_words`` (for a text with no "l-" in it, where no
    "al-"/"el-" word can start) it need not stop at every "a" and "e" of the text, a third of
    the token scan over English prose."""
    first, init, word = f"[{_UPPER}]", "", ""
    if al_words:
        first, init = f"[{_UPPER}ae]", f"(?<=[{_UPPER}])"
        word = f"(?:(?<=[ae])l-[{_UPPER}]|{init})"
    return re.compile(
        rf"{first}(?<![\w.@].)"
        rf"(?:{init}(?P<init>\.(?:[ \t]?[{_UPPER}]\.)*)(?![\w])"
        rf"|(?P<word>{word}{_LETTER}*"
        rf"(?:['’](?![sS]\b){_LETTER}+)*(?:-{_LETTER}+)*)(?![\w@])(?!\.\w))"
    )


_TOKEN = _token(al_words=True)
_TOKEN_CAPITAL = _token(al_words=False)

_PARTICLE_GAP = (
    r"(?:bin|ibn|bint|al|el|abu|ben|van|von|der|den|de|di|da|del|della|dei|degli|du|des"
    r"|dos|das|do|le|la|ter|ten|zu|af)"
)
# What may stand between two words of one name: spaces, lower-case particles; nothing at all
# after an initial ("И.Иванов").
_GAP = re.compile(rf"[ \t]+(?:{_PARTICLE_GAP}[ \t]+)*")
# The word before a run, read backwards: word characters back from its end, then its first letter.
_WORD_CHARS = re.compile(r"[\w-]*")
_FIRST_LETTER = re.compile(_LETTER)
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;\n\"'«(\[{|]|—)\s*$")
_ORG_AFTER = re.compile(r"[ \t]*(?:&|\+|и[ \t]+(?:партн|сын|ко\b)|and[ \t]+(?:sons|partners|co\b))")
_OPEN_QUOTES = "«„“"
_CLOSE_QUOTES = "»“”"
_LOOKBEHIND = 40

_STRONG = frozenset({WordClass.GIVEN, WordClass.SURNAME, WordClass.PATRONYMIC})
_WORDS = frozenset({*_STRONG, WordClass.AMBIGUOUS, WordClass.OTHER})


class _Word(NamedTuple):  # a tuple: tens of thousands are made per 100 KB
    start: int
    end: int
    kind: WordClass | None  # None: initials
    cyrillic: bool


def _words(text: str) -> Iterator[_Word]:
    token = _TOKEN if "l-" in text else _TOKEN_CAPITAL
    for match in token.finditer(text):
        if match.lastgroup == "init":
            yield _Word(match.start(), match.end(), None, is_cyrillic(match.group()))
        else:
            word = match.group()
            kind = classify(word)
            yield _Word(match.start(), match.end(), kind, is_cyrillic(word))


def _word(text: str, word: _Word) -> str:
    return text[word.start : word.end].lower().rstrip(".")


def _runs(text: str) -> Iterator[list[_Word]]:
    """Maximal runs of name-like words of one script, on one line."""
    run: list[_Word] = []
    for word in _words(text):
        if word.kind is WordClass.NOT_NAME:
            if run:
                yield run
            run = []
            continue
        if run:
            last = run[-1]
            gap_ok = (last.kind is None and last.end == word.start) or _GAP.fullmatch(
                text, last.end, word.start
            )
            if not gap_ok or last.cyrillic != word.cyrillic:
                yield run
                run = []
        run.append(word)
    if run:
        yield run


def _previous_word(text: str, start: int) -> str | None:
    """The word ending, after at most a dot and spaces, right before ``start`` (or before the
    newline there) within ``_LOOKBEHIND`` characters: what ``({_LETTER}[\\w-]*)\\.?[ \\t]*$``
    finds searched over that window, without trying the pattern at each of its positions."""
    low = max(0, start - _LOOKBEHIND)
    end = start - 1 if start > low and text[start - 1] == "\n" else start  # `$` before a "\n"
    head = text[low:end].rstrip(" \t")
    if head.endswith("."):
        head = head[:-1]
    chars = _WORD_CHARS.match(head[::-1])
    first = _FIRST_LETTER.search(head, len(head) - chars.end()) if chars else None
    if first is None:
        return None
    word = head[first.start() :]
    return None if len(word) == 1 and word.isupper() else word.lower()  # an initial


def _context(text: str, start: int, quoted: bool, lists: NameLists) -> str | None:
    """Whether a run follows a title, a place word or a company word, or sits in quotes
    (``quoted``: whether the text holds an opening quote at all)."""
    if quoted:
        line = text[max(0, start - _LOOKBEHIND) : start].rpartition("\n")[2]
        if max(map(line.rfind, _OPEN_QUOTES)) > max(map(line.rfind, _CLOSE_QUOTES)):
            return "org"  # inside «…»: a company, a brand, a book title
    word = _previous_word(text, start)
    if word is None:
        return None
    if word in lists.titles:
        return "title"
    if word in lists.places:
        return "place"
    if word in lists.orgs:
        return "org"
    return None


def _is_name(run: list[_Word], title: bool) -> bool:
    kinds = [word.kind for word in run]
    if _WORDS.isdisjoint(kinds):
        return False
    if title:
        return True
    initials = None in kinds
    if run[0].cyrillic:
        words = [kind for kind in kinds if kind in _WORDS]
        strong = sum(kind in _STRONG for kind in kinds)
        family = WordClass.SURNAME in kinds or WordClass.PATRONYMIC in kinds
        if len(run) == 1:
            return strong == 1
        if initials or (family and len(words) > 1):
            return True
        # Given names alone pair only with an unknown word ("Тимур Ахметов") or another
        # unambiguous given name: "Лада Веста" (a car) pairs a given name with an ambiguous one.
        given = kinds.count(WordClass.GIVEN)
        if WordClass.OTHER in kinds:  # "Тимур Сейткали", "Динара Сейткали"
            return given >= 1 or WordClass.AMBIGUOUS in kinds
        return given == len(words)
    if WordClass.GIVEN in kinds:
        return True
    if initials:
        return True
    has_surname = WordClass.SURNAME in kinds or WordClass.PARTICLE in kinds
    return WordClass.AMBIGUOUS in kinds and has_surname


def _trim(text: str, run: list[_Word]) -> list[_Word]:
    """Drop a trailing particle, and an unknown sentence-initial word before a given name
    ("Ring Sarah Collins"): only in Latin script, where capitals start sentences freely."""
    while run and run[-1].kind is WordClass.PARTICLE:
        run = run[:-1]
    if (
        len(run) > 1
        and not run[0].cyrillic
        and run[0].kind is WordClass.OTHER
        and run[1].kind is WordClass.GIVEN
        and _SENTENCE_END.search(text, max(0, run[0].start - _LOOKBEHIND), run[0].start)
    ):
        run = run[1:]
    return run


class RuleNameDetector:
    """Finds person names by word classes and context; the default ``person_name`` detector."""

    categories: frozenset[str] = frozenset({CATEGORY})

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each name, from its first to its last word (particles and initials inside)."""
        lists = name_lists()
        quoted = any(quote in text for quote in _OPEN_QUOTES)
        for run in _runs(text):
            run = _trim(text, run)
            if not run:
                continue
            context = _context(text, run[0].start, quoted, lists)
            titles = [i for i, word in enumerate(run[:-1]) if _word(text, word) in lists.titles]
            if titles:  # "Herr Weber", "Contact Dr Nasser Al-Khatib": the name follows the title
                run, context = run[titles[-1] + 1 :], "title"
            first = _word(text, run[0])
            if first in lists.places or first in lists.orgs:
                continue  # "Santa Monica", "Port Said"
            if context in ("place", "org") or _ORG_AFTER.match(text, run[-1].end):
                continue
            if _is_name(run, context == "title"):
                yield Finding(CATEGORY, run[0].start, run[-1].end)
