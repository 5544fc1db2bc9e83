"""Payment identifiers: card numbers (Luhn) and IBANs (mod-97), accepted only when valid."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.protect.detectors.checksums import card_is_valid, iban_is_valid
from app.protect.findings import Finding

__all__ = ["CardDetector", "IbanDetector"]

# Cards are written bare or in the printed groupings: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4
# (Diners). Mixed groupings ("8 912 345 67 89 12") are phones and numbers run together.
_CARD = re.compile(
    r"""
    (?=\d)(?<![\d-])  # the look-ahead first lets the regex engine skip non-digits quickly
    (?:
        \d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{4}(?P<tail>(?P=sep)\d{3})?
      | \d{4}[ -]\d{6}[ -]\d{4,5}
      | \d{14,19}
    )
    (?!\d)
    """,
    re.VERBOSE,
)
_NON_DIGIT = re.compile(r"\D")

# Upper case only: a lower-case run is far more often a hash or a token than an IBAN.
_IBAN = re.compile(
    r"(?=[A-Z])(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?"
)


class CardDetector:
    """Finds payment card numbers with an issued prefix and a valid Luhn digit."""

    categories: frozenset[str] = frozenset({"card"})
    # Prefilter (RE2): every shape starts with four digits in a row.
    hint = r"\p{Nd}{4}"

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each valid card number; a 19-digit grouping falls back to its first 16."""
        for match in _CARD.finditer(text):
            if card_is_valid(_NON_DIGIT.sub("", match.group())):
                yield Finding("card", *match.span())
            elif match.group("tail") and card_is_valid(
                _NON_DIGIT.sub("", text[match.start() : match.start("tail")])
            ):
                yield Finding("card", match.start(), match.start("tail"))


class IbanDetector:
    """Finds IBANs that match their country's registered structure and the mod-97 check."""

    categories: frozenset[str] = frozenset({"iban"})
    hint = r"[A-Z]{2}\p{Nd}{2}"  # prefilter (RE2): the country code and check digits

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each valid IBAN, trimming groups that the text ran into it."""
        for match in _IBAN.finditer(text):
            value = match.group()
            # "… 6016 1331 9268 19 TO" may glue a word on: drop trailing groups until valid.
            while len(value) >= 15:
                if iban_is_valid(value.replace(" ", "")):
                    yield Finding("iban", match.start(), match.start() + len(value))
                    break
                cut = value.rfind(" ")
                if cut < 0:
                    break
                value = value[:cut]
