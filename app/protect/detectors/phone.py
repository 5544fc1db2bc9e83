"""Telephone numbers: strict candidate shapes, each confirmed by ``phonenumbers``.

The shapes are deliberately narrow, because every candidate costs a ``phonenumbers`` parse
and bare digit runs are more often order numbers, INNs or timestamps than phones:

* international: ``+`` and a country code, any grouping (``+44 20 7946 0958``);
* Russian/Kazakh with a trunk prefix: ``8 (912) 345-67-89``, ``89123456789``, ``7 912 …``;
* national without a prefix, only when grouped, read as Russian then North American:
  ``(495) 123-45-67``, ``912 345-67-89``, ``(212) 555-0187``, ``212-555-0187``.

Other countries' national formats (``020 7946 0958``) need the ``+`` form to be found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from app.protect.findings import Finding

__all__ = ["PhoneDetector", "phone_region"]

# A group separator: a space, hyphen or dot, or a hyphen between spaces ("345 - 67 - 89").
_SEP = r"(?:[ ]-[ ]|[ .-])"
# Possessive groups keep a 40-digit run from being split every possible way before failing.
_PHONE = re.compile(
    rf"""
    (?=[+(\d])(?<![\w+])  # the look-ahead first lets the regex engine skip letters quickly
    (?<!\d[.,])          # not the tail of a decimal or dotted number ("16.727.230.0001")
    (?:
        (?P<intl>\+\d{{1,3}}(?:{_SEP}?\(?\d{{1,5}}+\)?){{1,6}}+)
      | (?P<trunk>[78]{_SEP}?\(?\d{{3,5}}\)?{_SEP}?\d{{1,3}}{_SEP}?\d{{2}}{_SEP}?\d{{2}})
      | (?P<national>
            \(\d{{3,5}}\)[ ]?\d{{1,3}}{_SEP}?\d{{2}}{_SEP}?\d{{2}}
          | \d{{3,5}}[ ]\d{{1,3}}-\d{{2}}-\d{{2}}
          | \d{{3}}(?P<sep>[.-])\d{{3}}(?P=sep)\d{{4}}
        )
    )
    (?!\w)
    """,
    re.VERBOSE,
)
_DIGITS = re.compile(r"\d")
# Per shape: how many digits a whole number has, and the regions a national number is read in.
_SHAPES: dict[str, tuple[range, tuple[str, ...]]] = {
    "intl": (range(8, 16), ("ZZ",)),
    "trunk": (range(11, 12), ("RU",)),
    "national": (range(10, 11), ("RU", "US")),
}
_GROUP_SEPARATORS = " .-()"


@lru_cache(maxsize=8192)
def _region_if_valid(candidate: str, region: str) -> str | None:
    """Region code of a valid number, or None; cached because numbers repeat across turns."""
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.region_code_for_number(number) or "001"


def _confirm(candidate: str, shape: str) -> str | None:
    """Region of ``candidate`` read as ``shape`` if it is a valid number, else None."""
    counts, regions = _SHAPES[shape]
    if len(_DIGITS.findall(candidate)) not in counts:
        return None
    if shape == "trunk" and candidate[0] == "7":
        # "7 912 345-67-89" is +7 without the plus; as a national number it is too long.
        candidate = "+" + candidate
    for region in regions:
        found = _region_if_valid(candidate, region)
        if found is not None:
            return found
    return None


def phone_region(value: str) -> str | None:
    """ISO region of a phone number this module found (``"RU"``, ``"KZ"``…), or None."""
    match = _PHONE.fullmatch(value)
    shape = match.lastgroup if match else None
    return None if shape is None else _confirm(value, shape)


def _longest_valid(candidate: str) -> int:
    """Length of the longest valid prefix of an international candidate, or 0.

    "+7 912 345 67 89 2024" is a phone followed by a year: the whole run is invalid, dropping
    the last group makes it valid. Prefixes are cut at group boundaries only.
    """
    prefix = candidate
    while len(_DIGITS.findall(prefix)) >= _SHAPES["intl"][0].start:
        if _confirm(prefix, "intl") is not None:
            return len(prefix)
        cut = max(prefix.rfind(sep) for sep in _GROUP_SEPARATORS)
        if cut <= 0:
            break
        prefix = prefix[:cut].rstrip(_GROUP_SEPARATORS[:-1])
    return 0


class PhoneDetector:
    """Finds phone numbers that ``phonenumbers`` confirms valid (not merely possible)."""

    categories: frozenset[str] = frozenset({"phone"})

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each valid number; an international run is trimmed to its valid prefix."""
        for match in _PHONE.finditer(text):
            shape = match.lastgroup
            start = match.start()
            if shape == "intl":
                size = _longest_valid(match.group())
                if size:
                    yield Finding("phone", start, start + size)
            elif shape is not None and _confirm(match.group(), shape) is not None:
                yield Finding("phone", start, match.end())
