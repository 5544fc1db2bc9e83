"""Russian state identifiers: паспорт, СНИЛС, ИНН, ОГРН/ОГРНИП, in one pass over the digits.

They share one regex because they share shapes: a bare 10-digit run may be an organisation's
ИНН or a passport series and number, 11 digits a СНИЛС or a phone, 13 digits an ОГРН or a
millisecond timestamp. A check digit alone does not settle it: one random number in ten
passes the ИНН-10 or ОГРН check. So each candidate is read in the light of the *nearest*
label before it (``ИНН``, ``ОГРН``, ``СНИЛС``, ``паспорт``/``серия``, and English ones):

* shapes that are unambiguous accept a valid number without a label: a СНИЛС written
  ``112-233-445 95`` and a 12-digit ИНН (two check digits, one random number in 121 passes);
* a number whose nearest label names something else ("заказ", "invoice", "артикул"…) is
  never an identifier, whatever its check digits say;
* bare 10-, 11-, 13- and 15-digit runs need their label nearby and a valid check;
* a passport has no check digit and is accepted only after a passport label, so an order
  number with the same digits is not a passport.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from app.protect.budget import checkpoint
from app.protect.detectors.base import nearest_label
from app.protect.detectors.checksums import inn_is_valid, ogrn_is_valid, snils_is_valid
from app.protect.findings import Finding

__all__ = ["RussianIdDetector"]

_CANDIDATE = re.compile(
    r"""
    (?=\d)(?<![\d-])  # the look-ahead first lets the regex engine skip non-digits quickly
    (?:
        (?P<snils>\d{3}-\d{3}-\d{3}[ -]\d{2}|\d{3}[ ]\d{3}[ ]\d{3}[ ]\d{2})
      | (?P<passport>
            \d{2}\s?\d{2}                          # series: 4510, 45 10
            (?:                                     # then: a space, "№", "номер:", a hyphen
                ,?\s{1,3}(?:(?i:№|N|No\.?|номер|number)(?:\s(?i:паспорта))?\s{0,2}:?\s{0,2})?
              | \s{0,2}№\s{0,2}
              | -
            )
            \d{6}                                   # number
          | \d{6},?\s{1,3}(?i:серия|series)\s{0,2}:?\s{0,2}\d{2}\s?\d{2}  # number, then series
          | \d{2}[ ]\d{7}                           # foreign passport
        )
      | (?P<bare>\d{10,15})
    )
    (?!\d|-\d)
    """,
    re.VERBOSE,
)

# Labels; the nearest one before a number wins. Word starts only: "ИНН" must not match inside
# "ИННОВАЦИИ". ``other`` labels name numbers that are none of these ("паспорт проверен, заказ
# 4512 345678") and so stop a label further back from applying. The look-ahead lists the first
# letters of every label (Cyrillic and Latin): it lets the engine skip other positions quickly.
_LABELS = re.compile(
    r"""
    (?=[иiтtнoоpпгсsза])
    (?:
    (?P<inn>\b(?:ИНН|INN|TIN)\b|налогоплательщик|taxpayer|\btax\s+(?:id|number)|налоговый\s+номер)
  | (?P<ogrn>\b(?:ОГРН|ОГРНИП|OGRN|OGRNIP|PSRN)\b|государственный\s+регистрационный)
  | (?P<snils>\b(?:СНИЛС|SNILS)\b|страхов\w*\s+номер|пенсионн\w*\s+страхован|insurance\s+number)
  | (?P<ru_passport>паспорт|\bсери[яиюей]\b|\bpassport)
  | (?P<other>\b(?:заказ|заявк|счет|счёт|артикул|трек|накладн|order|invoice|ticket|tracking|sku)\w*)
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)
_WINDOW = 48  # characters before a number searched for its label: a label and a short list

_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "inn": inn_is_valid,
    "ogrn": ogrn_is_valid,
    "snils": snils_is_valid,
}
# What a bare run of each length can be, given the nearest label. Nine bare digits are left
# out: a БИК, КПП or ОКПО far more often than a foreign passport, written "72 1234567".
_BARE: dict[int, frozenset[str]] = {
    10: frozenset({"inn", "ru_passport"}),
    11: frozenset({"snils"}),
    12: frozenset({"inn"}),
    13: frozenset({"ogrn"}),
    15: frozenset({"ogrn"}),
}
_NON_DIGIT = re.compile(r"\D")


class RussianIdDetector:
    """Finds Russian passport numbers, СНИЛС, ИНН and ОГРН/ОГРНИП."""

    categories: frozenset[str] = frozenset({"ru_passport", "snils", "inn", "ogrn"})
    # Prefilter (RE2): a passport has six digits in a row (its number), a bare run ten or
    # more, a grouped СНИЛС two groups of three.
    hint = r"\p{Nd}{6}|\p{Nd}{3}[- ]\p{Nd}{3}"

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each identifier whose shape, check digits and label agree."""
        for match in _CANDIDATE.finditer(text):
            checkpoint()  # each candidate costs a label search and a check digit
            category = self._classify(text, match)
            if category is not None:
                yield Finding(category, *match.span())

    @staticmethod
    def _classify(text: str, match: re.Match[str]) -> str | None:
        shape = match.lastgroup
        digits = _NON_DIGIT.sub("", match.group())
        if shape == "bare" and len(digits) not in _BARE:
            return None  # 14 digits: a parcel, not anyone's identifier
        label = nearest_label(_LABELS, text, match.start(), _WINDOW)
        if label == "other":
            return None
        if shape == "snils":
            return "snils" if snils_is_valid(digits) else None
        if shape == "bare" and len(digits) == 12 and inn_is_valid(digits):
            return "inn"
        if label is None:
            return None
        if shape == "passport":
            return "ru_passport" if label == "ru_passport" else None
        if label not in _BARE.get(len(digits), frozenset()):
            return None
        validator = _VALIDATORS.get(label)
        return label if validator is None or validator(digits) else None
