"""Irreversible masking: hide a value but keep the shape the model may need.

A masked value keeps its separators and only the parts that cannot single out a person, so the
model still knows it is looking at a phone number or a card and can, say, ask "the card ending
in 1234?". What each kind keeps:

=============  ==========================  ===================================================
kind           example                     kept
=============  ==========================  ===================================================
phone          ``+7 *** ***-**-67``        ``+`` and country code, last two digits
email          ``i***@***.ru``             first character of the mailbox, top-level domain
card           ``**** **** **** 1234``     last four digits (as on receipts; PCI DSS allows it)
iban           ``NO** **** **** *47``      country letters, last two characters
passport, …    ``**** ****56``             last two characters (snils, inn, ogrn, iin too)
ip             ``192.*.*.*``               first octet (IPv4) or first group (IPv6)
anything else  ``[REDACTED:person_name]``  the category only
=============  ==========================  ===================================================

Email hides the domain: a personal or small-company domain can identify its owner, and the
mailbox initial plus the top-level domain still tell the model what it is. Short values keep
nothing, since their last characters would be most of the value. A category may carry a
two-letter country prefix (``ru_passport``); a category this module does not know, or a value
that does not parse as its kind, is fully redacted, so a naming mismatch with the detectors
costs helpfulness, never privacy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

import phonenumbers

from app.protect.findings import Finding
from app.protect.pseudonymize import non_overlapping

__all__ = ["mask", "mask_value"]


def _mask_tail(value: str, keep: int) -> str:
    """Star every letter and digit but the last keep; keep nothing of a value under 3 × keep."""
    hidden = sum(ch.isalnum() for ch in value)
    if hidden >= 3 * keep:
        hidden -= keep
    out: list[str] = []
    for ch in value:
        if ch.isalnum() and hidden > 0:
            out.append("*")
            hidden -= 1
        else:
            out.append(ch)
    return "".join(out)


def _mask_phone(value: str) -> str | None:
    head = ""
    rest = value
    if value.startswith("+"):
        try:
            country = str(phonenumbers.parse(value, None).country_code)
        except phonenumbers.NumberParseException:
            return None
        # The country code is the first digits after "+", possibly after a separator.
        digits_seen = 0
        for pos, ch in enumerate(value):
            digits_seen += ch.isdigit()
            if digits_seen == len(country):
                head, rest = value[: pos + 1], value[pos + 1 :]
                break
    if sum(ch.isdigit() for ch in rest) < 6:
        return None
    return head + _mask_tail(rest, 2)


def _mask_email(value: str) -> str | None:
    mailbox, at, domain = value.rpartition("@")
    if not (mailbox and at and "." in domain):
        return None
    return f"{mailbox[0]}***@***.{domain.rsplit('.', 1)[1]}"


def _mask_iban(value: str) -> str | None:
    country = value[:2]
    if not (country.isalpha() and country.isascii()):
        return None
    return country + _mask_tail(value[2:], 2)


def _mask_ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 4:
        return value.split(".", 1)[0] + ".*.*.*"
    return value.split(":", 1)[0] + ":*:*:*"


def _mask_id(value: str) -> str:
    return _mask_tail(value, 2)


def _mask_card(value: str) -> str:
    return _mask_tail(value, 4)


_MASKERS: dict[str, Callable[[str], str | None]] = {
    "phone": _mask_phone,
    "email": _mask_email,
    "card": _mask_card,
    "iban": _mask_iban,
    "ip": _mask_ip,
    "passport": _mask_id,
    "snils": _mask_id,
    "inn": _mask_id,
    "ogrn": _mask_id,
    "iin": _mask_id,
}


def _masker(category: str) -> Callable[[str], str | None] | None:
    kind = category.lower()
    if kind not in _MASKERS and len(kind) > 3 and kind[2] == "_" and kind[:2].isalpha():
        kind = kind[3:]
    return _MASKERS.get(kind)


def mask_value(category: str, value: str) -> str:
    """The masked form of one value of the given category."""
    masker = _masker(category)
    masked = masker(value) if masker is not None else None
    return masked if masked is not None else f"[REDACTED:{category}]"


def mask(text: str, findings: Iterable[Finding]) -> str:
    """Return text with every finding masked; overlapping findings are masked once."""
    parts: list[str] = []
    pos = 0
    for finding in non_overlapping(text, findings):
        parts.append(text[pos : finding.start])
        parts.append(mask_value(finding.category, text[finding.start : finding.end]))
        pos = finding.end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)
