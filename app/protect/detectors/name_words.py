"""What one capitalised word can be in a person's name: the word classes of ``name_rules``.

Cyrillic words are read with pymorphy3 (its dictionary tags given names ``Name``, surnames
``Surn`` and patronymics ``Patr``, with a probability for each reading, and guesses unknown
words by their endings); Latin-script words with the curated lists of ``name_lists`` and
surname shapes (Al-, O', Mc, -ov, -enko, -ez, -sson …). A class is a property of the word
alone and is cached per word: the same names come back request after request.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

# One analyzer per process, shared with the special-category lexicons.
from app.protect.detectors.morph import analyzer
from app.protect.detectors.name_lists import name_lists

__all__ = ["WordClass", "classify", "is_cyrillic"]


class WordClass(Enum):
    GIVEN = "given"  # a given name and (almost) nothing else: Иван, Ольге, Sarah, Mohammed
    AMBIGUOUS = "ambiguous"  # a given name that is also a word or a place: Вера, Роман, Will
    SURNAME = "surname"  # Петрову, Шевченко, Al-Rashid, O'Brien, Ivanov, Rossi
    PATRONYMIC = "patronymic"  # Сергеевич, Викторовной
    PARTICLE = "particle"  # capitalised name particle: Al, Bin, Abu, Van, De, Di, La
    OTHER = "other"  # an unknown capitalised word: may be a surname next to a given name
    NOT_NAME = "not_name"  # a common word, place, organisation or acronym: ends a name


# Reading probabilities (pymorphy3 scores, summed per kind) that make a class.
_PATRONYMIC_MIN = 0.3
_PLACE_MIN = 0.3
_GIVEN_MIN = 0.5
_AMBIGUOUS_MIN = 0.05
_SURNAME_MIN = 0.3

_CYRILLIC = re.compile("[А-Яа-яЁё]")
# Russian and other post-Soviet surname endings, in any case form.
_RU_SURNAME = re.compile(
    r"(?:[оеё]в|[иы]н|ск|цк)(?:а|у|ым|ом|ой|ою|е|ых|ы|ими)?$"
    r"|(?:ск|цк)(?:ий|ая|ого|ому|ой|им|ую)$"
    r"|(?:енко|ко|ук|юк|чук|ян|янц|дзе|швили|ев[аеу]?|баев|заде|улы|кызы)$"
)
_RU_PATRONYMIC = re.compile(r"(?:[оеё]вич|[оеё]вн|ич|ичн)(?:а|у|ем|ом|ой|е|ы)?$")
_LATIN_SURNAME = re.compile(
    r"(?:^(?:(?:al|el|abdel|abd|bin|ibn|abu)-|o['’]|d['’]|dell['’]|mc(?=[a-z]))"
    r"|(?:ov|ova|ev|eva|sky|ski|ska|skaya|enko|uk|yuk|chuk|ovich|evich|vich|ić|vic|"
    r"escu|opoulos|idis|akis|oglu|yan|ian|dze|shvili|sson|ssen|son|sen|ez|ini|elli|etti|ucci|"
    r"acci|otti|ardi|mann|berg|stein|feld|baum|haus|nez|zadeh|zade)$)"
)
# Months are capitalised at a sentence start and "Август"/"Августа" are also given names.
_MONTHS = frozenset(
    (
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    )
)
_PARTICLES = frozenset(
    {"al", "el", "bin", "ibn", "bint", "abu", "ben", "van", "von", "der", "de", "di", "da"}
    | {"del", "della", "du", "dos", "das", "le", "la", "mac", "st"}
)
_NAME, _SURN, _PATR, _POSSESSIVE = "Name", "Surn", "Patr", "Poss"
_PLACE = frozenset({"Geox", "Orgn", "Trad"})
_NAME_LIKE = frozenset({_NAME, _SURN, _PATR}) | _PLACE


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC.match(word) is not None


def _combine(classes: list[WordClass]) -> WordClass:
    """The class of a hyphenated word from its parts' ("Анна-Мария", "Салтыков-Щедрин")."""
    if WordClass.NOT_NAME in classes:
        return WordClass.NOT_NAME
    for kind in (WordClass.SURNAME, WordClass.PATRONYMIC, WordClass.GIVEN):
        if kind in classes:
            return kind
    return WordClass.AMBIGUOUS if WordClass.AMBIGUOUS in classes else WordClass.OTHER


def _competes(grammemes: frozenset[str], surname_shaped: bool) -> bool:
    """Whether a reading that is no name makes a capitalised word less likely a surname.

    Possessive adjectives ("Петрова", Peter's) and, for surname-shaped words, plural
    genitives ("Зайцев", of hares) are where Russian surnames come from: they do not compete.
    """
    if _POSSESSIVE in grammemes:
        return False
    return not (
        surname_shaped and "plur" in grammemes and not {"gent", "accs"}.isdisjoint(grammemes)
    )


def _cyrillic(word: str) -> WordClass:
    morph = analyzer()
    lower = word.lower()
    surname_shaped = _RU_SURNAME.search(lower) is not None
    if not morph.word_is_known(word):
        # pymorphy3 only guesses here: trust the ending alone ("Нурланова", "Жумабеков").
        if _RU_PATRONYMIC.search(lower):
            return WordClass.PATRONYMIC
        return WordClass.SURNAME if surname_shaped else WordClass.OTHER
    scores = {_NAME: 0.0, _SURN: 0.0, _PATR: 0.0, "place": 0.0, "common": 0.0}
    parses = morph.parse(word)
    if any(parse.normal_form in _MONTHS for parse in parses):
        return WordClass.NOT_NAME
    for parse in parses:
        grammemes = parse.tag.grammemes
        for kind in (_NAME, _SURN, _PATR):
            if kind in grammemes:
                scores[kind] += parse.score
        if _NAME_LIKE.isdisjoint(grammemes - _PLACE) and not _PLACE.isdisjoint(grammemes):
            scores["place"] += parse.score
        elif _NAME_LIKE.isdisjoint(grammemes) and _competes(grammemes, surname_shaped):
            scores["common"] += parse.score
    if scores[_PATR] >= _PATRONYMIC_MIN:
        return WordClass.PATRONYMIC
    # A town that is also a surname ("Пушкин", "Королёв") reads as the likelier of the two.
    if _PLACE_MIN <= scores["place"] > scores[_SURN] and scores[_NAME] < _GIVEN_MIN:
        return WordClass.NOT_NAME
    surname_min = 0.0 if surname_shaped else _SURNAME_MIN
    if scores[_SURN] > surname_min and scores[_SURN] >= scores["common"]:
        return WordClass.SURNAME
    if scores[_NAME] >= _GIVEN_MIN:
        return WordClass.GIVEN
    if scores[_NAME] >= _AMBIGUOUS_MIN:
        return WordClass.AMBIGUOUS
    return WordClass.NOT_NAME


def _latin(word: str) -> WordClass:
    lists = name_lists()
    lower = word.lower()
    if lower in lists.not_names:
        return WordClass.NOT_NAME
    if lower in _PARTICLES:
        return WordClass.PARTICLE
    if lower in lists.given:
        return WordClass.GIVEN
    if lower in lists.ambiguous:
        return WordClass.AMBIGUOUS
    if lower in lists.surnames or _LATIN_SURNAME.search(lower):
        return WordClass.SURNAME
    return WordClass.OTHER


@lru_cache(maxsize=65536)
def classify(word: str) -> WordClass:
    """The class of one capitalised word (a possessive 's already cut off)."""
    if len(word) < 2:
        return WordClass.NOT_NAME  # "Я", "I", "A": initials carry a dot and are read apart
    if "-" in word and not word.lower().startswith(("al-", "el-")):
        return _combine([classify(part) for part in word.split("-") if part])
    shouted = len(word) > 1 and word.isupper()
    cyrillic = is_cyrillic(word)
    if shouted:
        word = word.capitalize()
    kind = _cyrillic(word) if cyrillic else _latin(word)
    if shouted and kind not in (WordClass.GIVEN, WordClass.SURNAME, WordClass.PATRONYMIC):
        return WordClass.NOT_NAME  # acronyms: ООО, ИНН, IBAN, CEO
    return kind
