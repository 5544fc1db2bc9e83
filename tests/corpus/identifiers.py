"""Valid identifiers for tests and the corpus, built from the published check-digit rules.

Written independently of ``app/`` on purpose: a validator is tested against numbers its own
code did not produce. Every function takes a seeded ``random.Random`` and returns digits only.
"""

from __future__ import annotations

import random
import string

__all__ = [
    "card",
    "corrupt",
    "iban",
    "inn10",
    "inn12",
    "ogrn13",
    "ogrnip15",
    "passport",
    "snils",
]

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_CARD_SCHEMES = {  # scheme → (prefixes, length)
    "visa": (("4",), 16),
    "mastercard": (("51", "52", "53", "54", "55", "2221", "2720"), 16),
    "mir": (("2200", "2201", "2202", "2203", "2204"), 16),
    "amex": (("34", "37"), 15),
    "unionpay": (("62",), 19),
}
# Country → BBAN structure as (kind, length) pieces: n digits, a upper-case letters, c either.
_IBAN_BBAN = {
    "DE": (("n", 8), ("n", 10)),
    "GB": (("a", 4), ("n", 6), ("n", 8)),
    "NL": (("a", 4), ("n", 10)),
    "AT": (("n", 5), ("n", 11)),
    "PL": (("n", 8), ("n", 16)),
    "KZ": (("n", 3), ("c", 13)),
    "AE": (("n", 3), ("n", 16)),
    "SA": (("n", 2), ("c", 18)),
    "CH": (("n", 5), ("c", 12)),
    "RU": (("n", 9), ("n", 5), ("c", 15)),
}


def _digits(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(size))


def _weighted(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn10(rng: random.Random) -> str:
    """An organisation's ИНН: region, tax office, 5 digits, one check digit."""
    body = f"{rng.randint(1, 92):02d}" + _digits(rng, 7)
    return body + _weighted(body, _INN10_WEIGHTS)


def inn12(rng: random.Random) -> str:
    """A person's ИНН: 10 digits and two check digits."""
    body = f"{rng.randint(1, 92):02d}" + _digits(rng, 8)
    first = _weighted(body, _INN12_WEIGHTS_1)
    return body + first + _weighted(body + first, _INN12_WEIGHTS_2)


def ogrn13(rng: random.Random) -> str:
    """ОГРН: sign 1 or 5, year, region, 7 digits; check = first 12 mod 11 mod 10."""
    body = rng.choice("15") + f"{rng.randint(2, 24):02d}" + f"{rng.randint(1, 92):02d}"
    body += _digits(rng, 7)
    return body + str(int(body) % 11 % 10)


def ogrnip15(rng: random.Random, remainder: int | None = None) -> str:
    """ОГРНИП: sign 3, year, region, 9 digits; check = first 14 mod 13 mod 10.

    ``remainder`` forces ``first 14 mod 13`` to a value, to reach the 10-12 cases that a
    check computed without the final ``mod 10`` gets wrong.
    """
    while True:
        body = "3" + f"{rng.randint(4, 24):02d}" + f"{rng.randint(1, 92):02d}"
        body += _digits(rng, 9)
        if remainder is None or int(body) % 13 == remainder:
            return body + str(int(body) % 13 % 10)


def snils(rng: random.Random) -> str:
    """СНИЛС: 9 digits above 001-001-998 and a two-digit check number."""
    body = f"{rng.randint(1_002_000, 999_999_999):09d}"
    total = sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=True))
    return body + f"{total % 101 % 100:02d}"


def card(rng: random.Random, scheme: str = "visa") -> str:
    """A Luhn-valid card number of ``scheme`` (visa, mastercard, mir, amex, unionpay)."""
    prefixes, size = _CARD_SCHEMES[scheme]
    body = rng.choice(prefixes)
    body += _digits(rng, size - 1 - len(body))
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def iban(rng: random.Random, country: str = "DE") -> str:
    """A compact IBAN for ``country`` with correct mod-97 check digits."""
    alphabet = {"n": string.digits, "a": string.ascii_uppercase}
    bban = "".join(
        "".join(
            rng.choice(alphabet.get(kind, string.digits + string.ascii_uppercase))
            for _ in range(size)
        )
        for kind, size in _IBAN_BBAN[country]
    )
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def passport(rng: random.Random) -> str:
    """A Russian passport series (region, year of issue) and number: 10 digits."""
    return (
        f"{rng.randint(1, 99):02d}{rng.choice(['97', '99', '03', '08', '12', '15', '19', '21'])}"
        + _digits(rng, 6)
    )


def corrupt(number: str) -> str:
    """The same number with its last digit changed: every check here must then fail."""
    index = max(i for i, char in enumerate(number) if char.isdigit())
    return number[:index] + str((int(number[index]) + 1) % 10) + number[index + 1 :]
