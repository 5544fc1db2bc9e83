"""Check-digit validators for the identifiers Kordon detects; each takes a compact string.

python-stdnum does the work where it is right. Two gaps are filled here:

* stdnum has no СНИЛС (SNILS) module, so the Pension Fund rule is implemented below;
* stdnum 2.2 computes the 15-digit ОГРНИП (OGRNIP) check digit as ``n % 13`` where the rule
  is ``n % 13 % 10``, so it rejects every number whose remainder is 10, 11 or 12 (3 in 13
  valid numbers). The 13-digit ОГРН path in stdnum is correct and is used as is.
"""

from __future__ import annotations

from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum.ru import inn as _inn
from stdnum.ru import ogrn as _ogrn

__all__ = ["card_is_valid", "iban_is_valid", "inn_is_valid", "ogrn_is_valid", "snils_is_valid"]

# Issuer prefixes by length (ISO/IEC 7812 as used by the card schemes): a Luhn-valid run of
# digits that no scheme issues, such as a 15-digit ОГРНИП starting with 3, is not a card.
# 13-digit Visa numbers are no longer issued and are left out: 13 digits starting with 46 are
# far more often Russian EAN-13 barcodes.
_CARD_PREFIXES: dict[int, tuple[str, ...]] = {
    14: ("36",),  # Diners Club International
    15: ("34", "37", "2131", "1800"),  # American Express, JCB legacy
}
_CARD_PREFIX_16_19 = ("2", "3", "4", "5", "6")  # Mir, JCB, Visa, Mastercard, Maestro, UnionPay


def inn_is_valid(digits: str) -> bool:
    """ИНН: 10 digits (organisation) or 12 (person), by the stdnum check digits.

    Region code 00 does not exist; "0000000000" passes the check and is a placeholder.
    """
    return len(digits) in (10, 12) and not digits.startswith("00") and bool(_inn.is_valid(digits))


def ogrn_is_valid(digits: str) -> bool:
    """ОГРН (13 digits) or ОГРНИП (15 digits, first digit 3, or 4 for a ГРНИП record)."""
    if len(digits) == 13:
        return bool(_ogrn.is_valid(digits))
    if len(digits) == 15 and digits.isdigit() and digits[0] in "34":
        return int(digits[:14]) % 13 % 10 == int(digits[14])
    return False


def snils_is_valid(digits: str) -> bool:
    """СНИЛС: 11 digits whose last two are the check number of the first nine.

    Numbers up to 001-001-998 were issued before the check number existed; they are rejected
    because in free text they are far more often zeros and placeholders than real numbers.
    """
    if len(digits) != 11 or not digits.isdigit() or int(digits[:9]) <= 1001998:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(9, 0, -1), strict=True))
    return total % 101 % 100 == int(digits[9:])


def card_is_valid(digits: str) -> bool:
    """A payment card number: an issued prefix for its length and a valid Luhn digit."""
    size = len(digits)
    if not 14 <= size <= 19 or not digits.isdigit():
        return False
    prefixes = _CARD_PREFIXES.get(size, _CARD_PREFIX_16_19)
    return digits.startswith(prefixes) and bool(_luhn.is_valid(digits))


def iban_is_valid(compact: str) -> bool:
    """An IBAN without spaces: mod-97, then the registry structure for its country."""
    if not 15 <= len(compact) <= 34 or not (compact.isascii() and compact.isalnum()):
        return False
    # The integer test first: it rejects nearly every look-alike before the registry look-up.
    if int("".join(str(int(char, 36)) for char in compact[4:] + compact[:4])) % 97 != 1:
        return False
    return bool(_iban.is_valid(compact))
