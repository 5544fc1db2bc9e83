"""Generate ``corpus.jsonl``: labelled Russian and English samples, seeded and deterministic.

    python tests/corpus/generate.py           # rewrite corpus.jsonl
    python tests/corpus/generate.py --check   # exit 1 if corpus.jsonl is not what this makes

Each line is ``{"text": …, "labels": [{"category": …, "value": …}]}``; a value is the exact
text of the span (for a passport written "серия 4512 номер 345678", the span from the first
digit of the series to the last of the number). Identifiers are generated valid from the
published rules (``identifiers.py``); phones are random numbers that ``phonenumbers`` calls
valid, written the ways people write them. The samples are the texts a gateway sees: CRM
notes, support tickets, e-mail signatures, tool-call JSON, CSV rows, HR and clinic requests.
Negatives are the look-alikes: order and tracking numbers, dates, versions, prices, bank
details that are not personal identifiers, and identifiers whose check digits are wrong.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import phonenumbers
from identifiers import card, corrupt, iban, inn10, inn12, ogrn13, ogrnip15, passport, snils
from templates import NAME_NEGATIVES, NAME_POSITIVES, NEGATIVES, POSITIVES, SPECIAL

__all__ = ["build", "main"]

SEED = 20241122
CORPUS = Path(__file__).with_name("corpus.jsonl")

Label = tuple[str, str]

NAMES_RU = [
    ("Иван", "Петров", "ivan.petrov"),
    ("Мария", "Соколова", "m.sokolova"),
    ("Алексей", "Смирнов", "alexey.smirnov"),
    ("Ольга", "Кузнецова", "olga_kuz"),
    ("Дмитрий", "Волков", "d.volkov"),
    ("Анна", "Морозова", "anna.morozova"),
    ("Сергей", "Новиков", "s.novikov"),
    ("Екатерина", "Лебедева", "e.lebedeva"),
    ("Тимур", "Ахметов", "t.akhmetov"),
    ("Наталья", "Орлова", "n.orlova"),
]
NAMES_EN = [
    ("John", "Miller", "john.miller"),
    ("Sarah", "Collins", "s.collins"),
    ("Emily", "Clark", "emily.clark"),
    ("David", "Brown", "dbrown"),
    ("Laura", "Schmidt", "laura.schmidt"),
    ("Ahmed", "Al-Farsi", "ahmed.alfarsi"),
    ("Aigerim", "Nurlanova", "a.nurlanova"),
    ("Marco", "Rossi", "m.rossi"),
]
DOMAINS = [
    "mail.ru",
    "yandex.ru",
    "gmail.com",
    "company.ru",
    "bank-partner.ru",
    "example.com",
    "acme.co.uk",
    "firma.de",
    "shop.kz",
    "corp.ae",
    "outlook.com",
]
# Region → national-number prefixes, completed with random digits to the given length.
PHONE_PLANS = {
    "RU": (("912", "916", "926", "903", "985", "495", "499", "812", "343", "4922"), 10),
    "KZ": (("701", "705", "707", "747", "777", "727"), 10),
    "GB": (("20", "7911", "7700", "161"), 10),
    "DE": (("30", "151", "89", "40"), 10),
    "FR": (("6", "1", "7"), 9),
    "US": (("212", "415", "646", "312", "617"), 10),
    "AE": (("50", "55", "4"), 9),
    "SA": (("50", "55", "11"), 9),
    "IT": (("312", "347", "06"), 10),
    "ES": (("612", "91"), 9),
}


def phone(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    """A random number of ``region`` that phonenumbers calls valid."""
    prefixes, size = PHONE_PLANS[region]
    while True:
        prefix = rng.choice(prefixes)
        national = prefix + "".join(rng.choice("0123456789") for _ in range(size - len(prefix)))
        number = phonenumbers.parse(national, region)
        if phonenumbers.is_valid_number(number):
            return number


def ru_phone_text(rng: random.Random, number: phonenumbers.PhoneNumber) -> str:
    """A Russian or Kazakh number written one of the ways people write them."""
    n = str(number.national_number)
    area = 4 if n.startswith("4922") else 3
    a, b, c, d = n[:area], n[area:-4], n[-4:-2], n[-2:]
    return rng.choice(
        [
            f"+7 ({a}) {b}-{c}-{d}",
            f"8 ({a}) {b}-{c}-{d}",
            f"8 {a} {b} {c} {d}",
            f"+7 {a} {b}-{c}-{d}",
            f"8{n}",
            f"+7{n}",
            f"8-{a}-{b}-{c}-{d}",
            f"+7-{a}-{b}-{c}-{d}",
            f"+7 {a} {b}{c}{d}",
            f"8({a}){b}{c}{d}",
            f"({a}) {b}-{c}-{d}",
            f"{a} {b}-{c}-{d}",
            f"+7 ({a}) {b} {c} {d}",
            f"+7({a}){b}-{c}-{d}",
            f"8 {a} {b}{c}{d}",
            f"+7 {a} {b} {c}{d}",
            f"+7 ({a}) {b} - {c} - {d}",
        ]
    )


def phone_text(rng: random.Random, region: str) -> str:
    """A valid number of ``region`` in a format a person from there would use."""
    number = phone(rng, region)
    if region in ("RU", "KZ"):
        return ru_phone_text(rng, number)
    styles = [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164]
    if region == "US":
        styles.append(phonenumbers.PhoneNumberFormat.NATIONAL)
    text = phonenumbers.format_number(number, rng.choice(styles))
    if region in ("GB", "DE") and rng.random() < 0.3:
        cc = f"+{number.country_code} "
        text = text.replace(cc, cc + "(0)", 1)  # +44 (0)20 7946 0958
    if region == "US" and rng.random() < 0.3:
        text = text.replace("(", "").replace(") ", "-")  # 212-555-0187
    return str(text)


class Kit:
    """Random values for the templates, all from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def name(self, lang: str) -> tuple[str, str, str]:
        return self.rng.choice(NAMES_RU if lang == "ru" else NAMES_EN)

    def email(self, local: str) -> str:
        return f"{local}@{self.rng.choice(DOMAINS)}"

    def phone(self, region: str = "RU") -> str:
        return phone_text(self.rng, region)

    def intl_phone(self) -> str:
        return phone_text(
            self.rng, self.rng.choice(["GB", "DE", "FR", "US", "AE", "SA", "IT", "ES", "KZ"])
        )

    def spaced_phone(self) -> str:
        """A valid foreign number in international form, spaced or dialled the ways people do:
        no-break or thin spaces, dots, hyphens, "(+33)", or the 00 prefix instead of "+"."""
        region = self.pick(["FR", "GB", "DE", "AE", "SA", "KZ", "IT", "ES"])
        text = str(
            phonenumbers.format_number(
                phone(self.rng, region), phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
        )
        code, _, rest = text.partition(" ")
        styles = [
            f"{code} {rest}",
            f"{code}\u00a0{rest.replace(' ', chr(0xA0))}",
            f"{code}\u202f{rest.replace(' ', chr(0x202F))}",
            f"{code}.{rest.replace(' ', '.')}",
            f"{code}-{rest.replace(' ', '-')}",
            f"({code}) {rest}",
            f"00{code[1:]} {rest}",
            f"00 {code[1:]} {rest}",
            f"00{code[1:]}-{rest.replace(' ', '-')}",
        ]
        return self.pick(styles)

    def ru_national_phone(self) -> str:
        """A Russian number in the national forms (trunk 8 or none) with the spacing variants."""
        n = str(phone(self.rng, "RU").national_number)
        a, b, c, d = n[:3], n[3:6], n[6:8], n[8:]
        return self.pick(
            [
                f"8 ({a}) {b}-{c}-{d}",
                f"8\u00a0({a})\u00a0{b}-{c}-{d}",
                f"8 {a} {b}\u2013{c}\u2013{d}",
                f"8.{a}.{b}.{c}.{d}",
                f"({a}) {b}\u2013{c}\u2013{d}",
                f"8-{a}-{b}{c}{d}",
            ]
        )

    def snils(self) -> str:
        s = snils(self.rng)
        return self.pick(
            [f"{s[:3]}-{s[3:6]}-{s[6:9]} {s[9:]}", f"{s[:3]}-{s[3:6]}-{s[6:9]}-{s[9:]}"]
        )

    def snils_bare(self) -> str:
        return snils(self.rng)

    def inn10(self) -> str:
        return inn10(self.rng)

    def inn12(self) -> str:
        return inn12(self.rng)

    def ogrn(self) -> str:
        return ogrn13(self.rng)

    def ogrnip(self) -> str:
        # Half of them in the remainder 10-12 range that a mod-13-only check rejects.
        return ogrnip15(self.rng, self.rng.choice([None, 10, 11, 12]))

    def passport(self) -> tuple[str, str]:
        """(text as written, labelled value)."""
        p = passport(self.rng)
        s, n = p[:4], p[4:]
        style = self.rng.randrange(6)
        if style == 0:
            return f"серия {s} номер {n}", f"{s} номер {n}"
        written = [f"{s[:2]} {s[2:]} {n}", f"{s} {n}", p, f"{s} № {n}", f"{s[:2]} {s[2:]} № {n}"][
            style - 1
        ]
        return written, written

    def card(self) -> str:
        scheme = self.pick(["visa", "visa", "mastercard", "mir", "amex", "unionpay"])
        c = card(self.rng, scheme)
        if scheme == "amex":
            return self.pick([f"{c[:4]} {c[4:10]} {c[10:]}", c])
        if len(c) == 19:
            return self.pick([c, " ".join(c[i : i + 4] for i in range(0, 16, 4)) + " " + c[16:]])
        sep = self.pick([" ", "-", ""])
        return sep.join(c[i : i + 4] for i in range(0, 16, 4))

    def iban(self, country: str | None = None) -> str:
        value = iban(
            self.rng, country or self.pick(["DE", "GB", "NL", "AT", "PL", "KZ", "AE", "SA", "CH"])
        )
        if self.rng.random() < 0.6:
            return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        return value

    def ip(self) -> str:
        r = self.rng
        return self.pick(
            [
                f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
                f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                f"2001:db8:{r.randint(0, 0xFFFF):x}::{r.randint(1, 0xFFFF):x}",
                f"fe80::{r.randint(0, 0xFFFF):x}:{r.randint(0, 0xFFFF):x}:{r.randint(0, 0xFFFF):x}",
            ]
        )

    def digits(self, size: int) -> str:
        return str(self.rng.randint(1, 9)) + "".join(
            self.rng.choice("0123456789") for _ in range(size - 1)
        )

    def invalid(self, kind: str) -> str:
        """An identifier of ``kind`` whose check digit is wrong."""
        make: dict[str, Callable[[], str]] = {
            "inn10": self.inn10,
            "inn12": self.inn12,
            "ogrn": self.ogrn,
            "snils": self.snils,
            "card": lambda: card(self.rng, "visa"),
            "iban": lambda: iban(self.rng, "DE"),
        }
        return corrupt(make[kind]())


Template = Callable[[Kit], tuple[str, list[Label]]]


def build(seed: int = SEED) -> list[dict[str, object]]:
    """Every sample, in a fixed order."""
    rng = random.Random(seed)
    kit = Kit(rng)
    samples: list[dict[str, object]] = []
    seen: set[str] = set()
    plan = (
        (POSITIVES, 6),
        (SPECIAL, 1),
        (NEGATIVES, 5),
        (NAME_POSITIVES, 6),
        (NAME_NEGATIVES, 8),
    )
    for templates, rounds in plan:
        for template in templates:
            for _ in range(rounds):
                text, labels = template(kit)
                missing = [label for label in labels if label[1] not in text]
                if missing:
                    raise ValueError(f"labels {missing} are not in their text: {text!r}")
                if text not in seen:  # fixed look-alike sentences come up more than once
                    seen.add(text)
                    samples.append(
                        {"text": text, "labels": [{"category": c, "value": v} for c, v in labels]}
                    )
    return samples


def render(samples: list[dict[str, object]]) -> str:
    return "".join(json.dumps(sample, ensure_ascii=False) + "\n" for sample in samples)


def main(argv: list[str]) -> int:
    content = render(build())
    if "--check" in argv:
        if CORPUS.read_text(encoding="utf-8") != content:
            print(f"{CORPUS} is stale: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    CORPUS.write_text(content, encoding="utf-8")
    print(f"wrote {content.count(chr(10))} samples to {CORPUS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
