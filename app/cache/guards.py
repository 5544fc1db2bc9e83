"""Guards that stop a semantic hit on a look-alike: two prompts an embedding finds close but
that ask different things.

Each prompt is reduced to a :class:`Signature` of what an embedding tends to blur: numbers
(digits and number words), dates (month and day names, relative days), named things
(placeholders such as ``[EMAIL_1]``, capitalised words inside a sentence), negations, opposites
(one prompt says "increase" or "unlock" where the other says "decrease" or "lock"), and the
language (by script).
Two prompts may share an answer only if their signatures agree on all of them; :func:`mismatch`
names the first guard that differs. Russian and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Signature", "mismatch", "signature"]

_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*_\d+\]")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# What may stand before a word that opens a sentence (a capital there is no name).
_OPENERS = frozenset('.!?:;\n"«(“-—•*#>')
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NEGATIONS = _words(
    # Russian: particles, the preposition "without", negative pronouns and adverbs; English,
    # besides these, every "n't".
    "не нет ни без никогда ничего ничто никто нигде никуда нельзя невозможно "
    "not no never without none nothing nobody nowhere nor neither cannot"
)
_NUMBER_WORDS = _words(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion dozen half first second third fourth fifth
    ноль нуль один одна одно одного одной одну два две двух двум трёх три трех четыре четырёх
    четырех пять пяти шесть шести семь семи восемь восьми девять девяти десять десяти
    одиннадцать двенадцать двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят
    девяносто сто двести триста четыреста пятьсот тысяча тысячи тысяч миллион миллиона
    миллионов миллиард половина полтора первый второй третий четвёртый четвертый пятый"""
)
# Stems, so that every case form of a Russian month or day matches ("марта", "в марте").
_DATE_STEMS = _words(
    # "may" is left out: the verb is common and the month is capitalised (a name, below).
    "january february march april june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight "
    "weekday weekend workday holiday morning afternoon evening midnight noon "
    "январ феврал март апрел мая мае май июн июл август сентябр октябр ноябр декабр "
    "понедельник вторник среда среду среды среде четверг пятниц суббот воскресен сегодня "
    "завтра вчера послезавтра позавчера будн выходн праздн утр вечер ночь ночью "
    "полдень полноч"
)
# Opposites an embedding places close together ("increase the font" vs "decrease the font"):
# word stems of one pole, then of the other (a stem ending in "=" is a whole word). A prompt on
# one pole never matches one on the other.
_OPPOSITES = [
    (_words(left), _words(right))
    for left, right in [
        (
            "increas bigger larger raise higher enlarg more= grow",
            "decreas smaller lower reduc less= shrink fewer",
        ),
        ("увелич больш крупн повыс выше расшир", "уменьш меньш мельч пониз сниз ниже сократ сузит"),
        ("export upload send", "import download receiv"),
        ("экспорт выгруз загрузить отправ", "импорт скача получ"),
        ("advantag pros= benefit strength", "disadvantag cons= drawback weakness"),
        ("преимущ плюс достоинств", "недостат минус"),
        ("ask request accept approv allow grant", "refus reject declin deny denied forbid"),
        ("просьб просит принят принима одобр разреш", "отказ отклон запрет"),
        ("enabl activat", "disabl deactivat"),
        ("включ активир", "выключ отключ деактив"),
        ("add= adds= added= adding= creat insert", "remov delet drop"),
        ("добав созда вставит", "удал убра"),
        ("buy purchas", "sell sold"),
        ("купит покуп", "прода"),
        ("start begin open= opens= opening=", "stop end= ends= ending= finish clos"),
        ("начат запуст откр", "законч останов закр заверш"),
        ("cancel", "renew extend"),
        ("отмен", "продл"),
        ("encrypt", "decrypt"),
        ("зашифр шифров", "расшифр дешифр"),
        ("before earlier", "after later"),
        ("раньше прежде", "позже позднее"),
        ("min= minimum minimal cheap", "max= maximum maximal expensiv"),
        ("миним дешев", "максим дорог"),
        ("win= wins= won= winning", "lose= loses= lost= losing"),
        ("выигр побед", "проигр"),
        ("login= signin= log= sign=", "logout= signout="),
        ("вход войти", "выход выйти"),
    ]
]
# Prefixes that turn a word into its opposite: "lock" / "unlock", "оплаченные" / "неоплаченные".
_NEGATING_PREFIXES = (
    "un",
    "dis",
    "non",
    "in",
    "im",
    "il",
    "ir",
    "de",
    "anti",
    "mis",
    "не",
    "без",
    "бес",
)
# Russian verb prefixes that swap a root's direction: "заблокировать" / "разблокировать",
# "подключить" / "отключить", "загрузить" / "выгрузить".
_DIRECTION_PREFIXES = ("раз", "рас", "за", "под", "от", "вы", "в", "при", "у")


@dataclass(frozen=True, slots=True)
class Signature:
    """What two prompts must share before an embedding may call them the same question."""

    numbers: tuple[str, ...]
    dates: tuple[str, ...]
    entities: frozenset[str]
    negations: int
    poles: frozenset[tuple[int, int]]  # (opposite pair, side) for each side the prompt is on
    words: frozenset[str]
    language: str


def signature(text: str) -> Signature:
    placeholders = _PLACEHOLDER.findall(text)
    rest = _PLACEHOLDER.sub(" ", text)
    found = list(_WORD.finditer(rest))
    words = [m.group().lower().replace("’", "'") for m in found]
    numbers = [d.lstrip("0") or "0" for d in _DIGITS.findall(rest)]
    numbers += [w for w in words if w in _NUMBER_WORDS]
    dates = tuple(stem for w in words for stem in _DATE_STEMS if w.startswith(stem))
    names = {_stem(m.group()) for m in found if _is_name(rest, m.start(), m.group())}
    return Signature(
        numbers=tuple(numbers),
        dates=dates,
        entities=frozenset(placeholders) | names - {""},
        negations=sum(1 for w in words if w in _NEGATIONS or w.endswith("n't")),
        poles=frozenset(
            (pair, side)
            for pair, poles in enumerate(_OPPOSITES)
            for side, stems in enumerate(poles)
            if any(_on(w, stem) for w in words for stem in stems)
        ),
        words=frozenset(words),
        language=_language(rest),
    )


def mismatch(a: Signature, b: Signature) -> str | None:
    """The first guard on which the two prompts differ, or None when every guard agrees."""
    if a.language != b.language:
        return "language"
    if a.numbers != b.numbers:
        return "numbers"
    if a.dates != b.dates:
        return "dates"
    if a.entities != b.entities:
        return "entities"
    if a.negations != b.negations:
        return "negation"
    if any((pair, 1 - side) in b.poles and (pair, side) not in b.poles for pair, side in a.poles):
        return "opposites"
    if any(_affixed(x, y) for x in a.words - b.words for y in b.words - a.words):
        return "opposites"
    return None


def _affixed(x: str, y: str) -> bool:
    """Whether one word is the other with a negating prefix, or with its direction swapped."""
    for p in _NEGATING_PREFIXES:
        if (len(x) - len(p) >= 3 and x == p + y) or (len(y) - len(p) >= 3 and y == p + x):
            return True
    roots_x = {x[len(p) :]: p for p in _DIRECTION_PREFIXES if x.startswith(p)}
    for p in _DIRECTION_PREFIXES:
        root = y[len(p) :]
        if y.startswith(p) and len(root) >= 4 and roots_x.get(root, p) != p:
            return True
    return False


def _on(word: str, stem: str) -> bool:
    return word == stem[:-1] if stem.endswith("=") else word.startswith(stem)


def _is_name(text: str, start: int, word: str) -> bool:
    before = text[:start].rstrip()
    return word[0].isupper() and len(word) > 1 and bool(before) and before[-1] not in _OPENERS


def _stem(word: str) -> str:
    """A name without its case ending, so "Москва", "Москву" and "Москве" compare equal."""
    lowered = word.lower()
    if _CYRILLIC.match(lowered) and len(lowered) > 4:
        return lowered.rstrip("аяоеуюиыйьё")
    return lowered


def _language(text: str) -> str:
    """The prompt's script: ``ru`` (Cyrillic), ``en`` (Latin), ``mixed``, or ``none``."""
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    letters = cyrillic + latin
    if letters == 0:
        return "none"
    if cyrillic >= 0.6 * letters:
        return "ru"
    if latin >= 0.6 * letters:
        return "en"
    return "mixed"
