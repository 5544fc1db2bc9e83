"""Telephone numbers: strict candidate shapes, each confirmed by ``phonenumbers``.

The shapes are deliberately narrow, because every candidate costs a ``phonenumbers`` parse
and bare digit runs are more often order numbers, INNs or timestamps than phones:

* international: ``+`` and a country code, or the ``00`` dialling prefix, any grouping with
  spaces (no-break and thin ones too), hyphens, en dashes, dots or slashes:
  ``+33 6 12 34 56 78``, ``(+44) 20 7946 0958``, ``0044 20 7946 0958``, ``00 971 50 …``;
* Russian/Kazakh with a trunk prefix: ``8 (912) 345-67-89``, ``89123456789``, ``7 912 …``;
* national without a prefix, only when grouped, read as Russian then North American:
  ``(495) 123-45-67``, ``912 345-67-89``, ``(212) 555-0187``, ``212-555-0187``;
* national with the trunk ``0`` of the tenant's jurisdiction, only when grouped
  (``06 12 34 56 78`` for an EU tenant, ``050 123 4567`` for a UAE one): the detector is
  built with those regions (``national_regions``), none by default.

Dates and versions fail the digit counts or ``phonenumbers``' validity check; a number followed
by a currency or a unit is an amount.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from app.protect.budget import checkpoint
from app.protect.findings import Finding

__all__ = ["PhoneDetector", "national_regions", "phone_region"]

_SPACE = r"[ \u00a0\u2009\u202f]"  # space, no-break, thin and narrow no-break spaces
_DASH = r"[-\u2010-\u2013]"  # hyphen-minus, hyphens, figure and en dashes
# A group separator: a space, dash or dot, or a dash between spaces ("345 - 67 - 89").
_SEP = rf"(?:{_SPACE}{_DASH}{_SPACE}|{_SPACE}|{_DASH}|\.)"
# Possessive groups keep a 40-digit run from being split every possible way before failing.
_PHONE = re.compile(
    rf"""
    (?=[+(\d])(?<![\w+])  # the look-ahead first lets the regex engine skip letters quickly
    (?:(?=\(?\+)|(?<!\d[.,]))  # a bare number is not the tail of "16.727.230.0001" or "1,5"
    (?:
        (?P<intl>
            (?:\(\+\d{{1,3}}\)|\+\d{{1,3}}|00{_SPACE}?[1-9]\d{{0,2}})
            (?:(?:{_SEP}|/)?\(?\d{{1,5}}+\)?){{1,6}}+
        )
      | (?P<trunk>[78]{_SEP}?\(?\d{{3,5}}\)?{_SEP}?\d{{1,3}}{_SEP}?\d{{2}}{_SEP}?\d{{2}})
      | (?P<national>
            \((?!0)\d{{3,5}}\){_SPACE}?\d{{1,3}}{_SEP}?\d{{2}}{_SEP}?\d{{2}}
          | (?!0)\d{{3,5}}{_SPACE}\d{{1,3}}{_DASH}\d{{2}}{_DASH}\d{{2}}
          | (?!0)\d{{3}}(?P<sep>[.-])\d{{3}}(?P=sep)\d{{4}}
        )
      | (?P<zero>
            (?!\d{{2}}\.\d{{2}}\.(?:19|20)\d{{2}})  # not a date: 01.02.2024
            (?:\(0\d{{1,4}}\){_SPACE}?|0\d{{1,4}}(?:{_SEP}|/))\d{{2,8}}(?:{_SEP}\d{{2,8}}){{0,3}}+
        )
    )
    (?!\w)
    """,
    re.VERBOSE,
)
_DIGITS = re.compile(r"\d")
# A number followed by a currency or a unit is an amount ("+43 186 301 ₽" is a quarter's
# growth, though +43 186 301 is a valid Austrian number).
_UNIT_AFTER = re.compile(
    rf"{_SPACE}?(?:[₽$€£¥₸%]|руб|тенге|р\.|(?:тыс|млн|млрд|rub|usd|eur|aed|sar|kzt)(?!\w))",
    re.IGNORECASE,
)
_DIAL_OUT = re.compile(rf"^00{_SPACE}?")
# phonenumbers reads a no-break space but not a thin or narrow no-break one.
_SPACES = str.maketrans("\u2009\u202f", "  ")
# Per shape: how many digits a whole number has, and the regions a national number is read in
# (``zero`` numbers are read in the detector's own regions).
_SHAPES: dict[str, tuple[range, tuple[str, ...]]] = {
    "intl": (range(8, 16), ("ZZ",)),
    "trunk": (range(11, 12), ("RU",)),
    "national": (range(10, 11), ("RU", "US")),
    "zero": (range(9, 13), ()),
}
_GROUP_SEPARATORS = " \u00a0\u2009\u202f-\u2010\u2011\u2012\u2013./()"
# The GDPR area's largest states whose national numbers start with a trunk 0 (Italy's fixed
# lines start with 0 too): an EU tenant's national numbers are read in each, in this order.
_EU_REGIONS = ("DE", "FR", "IT", "NL", "BE", "AT", "SE", "FI", "IE")


def national_regions(jurisdiction: str | None) -> tuple[str, ...]:
    """Regions whose ``0``-prefixed national numbers a tenant of ``jurisdiction`` writes."""
    if jurisdiction == "EU":
        return _EU_REGIONS
    if jurisdiction and jurisdiction in phonenumbers.SUPPORTED_REGIONS:
        return (jurisdiction,)
    return ()


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


def _confirm(candidate: str, shape: str, regions: tuple[str, ...] = ()) -> str | None:
    """Region of ``candidate`` read as ``shape`` if it is a valid number, else None."""
    counts, shape_regions = _SHAPES[shape]
    if shape == "intl" and candidate.startswith("00"):
        if candidate.isdigit():
            return None  # ungrouped "0012345678901" is a zero-padded order number as often
        candidate = _DIAL_OUT.sub("+", candidate)  # "0044 20 …" is "+44 20 …"
    candidate = candidate.translate(_SPACES)
    if len(_DIGITS.findall(candidate)) not in counts:
        return None
    if shape == "trunk" and candidate[0] == "7":
        # "7 912 345-67-89" is +7 without the plus; as a national number it is too long.
        candidate = "+" + candidate
    for region in shape_regions or regions:
        found = _region_if_valid(candidate, region)
        if found is not None:
            return found
    return None


def phone_region(value: str) -> str | None:
    """ISO region of a phone number this module found (``"RU"``, ``"KZ"``…), or None.

    A ``0``-prefixed national number is None: several countries share its shape
    (``050 123 4567`` is valid in the UAE and in Saudi Arabia), so its subject is left to the
    tenant's own jurisdiction, where the policy places unplaced subjects.
    """
    match = _PHONE.fullmatch(value)
    shape = match.lastgroup if match else None
    return None if shape is None or shape == "zero" else _confirm(value, shape)


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
    # Prefilter (RE2): a number found has at least eight digits (``_SHAPES``), and at most
    # five characters stand between two of them (") - (" is the widest separator).
    hint = r"\p{Nd}(?:\P{Nd}{0,5}\p{Nd}){7}"

    def __init__(self, regions: tuple[str, ...] = ()) -> None:
        """``regions``: where ``0``-prefixed national numbers are read (the tenant's)."""
        self._regions = regions

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each valid number; an international run is trimmed to its valid prefix."""
        for match in _PHONE.finditer(text):
            checkpoint()  # each candidate may cost several phonenumbers parses
            if _UNIT_AFTER.match(text, match.end()):
                continue
            shape = match.lastgroup
            start = match.start()
            if shape == "intl":
                size = _longest_valid(match.group())
                if size:
                    yield Finding("phone", start, start + size)
            elif shape == "zero":
                if self._regions and _confirm(match.group(), shape, self._regions):
                    yield Finding("phone", start, match.end())
            elif shape is not None and _confirm(match.group(), shape) is not None:
                yield Finding("phone", start, match.end())
