"""Detectors: check digits against numbers generated from the published rules, then each
detector's decisions on the look-alikes it must tell apart."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.ru import ogrn as stdnum_ogrn

from app.protect.detectors import (
    CardDetector,
    Detector,
    EmailDetector,
    IbanDetector,
    IpDetector,
    LexiconDetector,
    PatternDetector,
    PhoneDetector,
    RussianIdDetector,
    load_lexicon,
    phone_region,
)
from app.protect.detectors import lexicon as lexicon_module
from app.protect.detectors.checksums import (
    card_is_valid,
    iban_is_valid,
    inn_is_valid,
    ogrn_is_valid,
    snils_is_valid,
)
from app.protect.detectors.phone import national_regions


def _load_identifiers() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "corpus" / "identifiers.py"
    spec = importlib.util.spec_from_file_location("kordon_corpus_identifiers", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ids = _load_identifiers()

Generator = Callable[[random.Random], str]
VALIDATORS: list[tuple[str, Generator, Callable[[str], bool]]] = [
    ("inn10", ids.inn10, inn_is_valid),
    ("inn12", ids.inn12, inn_is_valid),
    ("ogrn13", ids.ogrn13, ogrn_is_valid),
    ("ogrnip15", ids.ogrnip15, ogrn_is_valid),
    ("snils", ids.snils, snils_is_valid),
    *(
        (f"card-{scheme}", lambda r, s=scheme: ids.card(r, s), card_is_valid)
        for scheme in ("visa", "mastercard", "mir", "amex", "unionpay")
    ),
    *(
        (f"iban-{cc}", lambda r, c=cc: ids.iban(r, c), iban_is_valid)
        for cc in ("DE", "GB", "NL", "AT", "PL", "KZ", "AE", "SA", "CH", "RU")
    ),
]


def _spans(detector: Detector, text: str) -> list[tuple[str, str]]:
    return [(f.category, text[f.start : f.end]) for f in detector.find(text)]


# --- check digits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "generate", "is_valid"), VALIDATORS, ids=[v[0] for v in VALIDATORS]
)
def test_generated_numbers_pass_and_corrupted_ones_fail(
    name: str, generate: Generator, is_valid: Callable[[str], bool]
) -> None:
    rng = random.Random(name)
    for _ in range(300):
        number = generate(rng)
        assert is_valid(number), number
        assert not is_valid(ids.corrupt(number)), ids.corrupt(number)


@given(st.randoms(use_true_random=False), st.sampled_from(VALIDATORS))
def test_every_generated_number_is_valid(
    rng: random.Random, case: tuple[str, Generator, Callable[[str], bool]]
) -> None:
    _, generate, is_valid = case
    assert is_valid(generate(rng))


@pytest.mark.parametrize("remainder", [10, 11, 12])
def test_ogrnip_with_two_digit_remainder_is_valid_where_stdnum_rejects_it(remainder: int) -> None:
    rng = random.Random(remainder)
    for _ in range(50):
        number = ids.ogrnip15(rng, remainder)
        assert int(number[:14]) % 13 == remainder
        assert number[-1] == str(remainder % 10)
        assert ogrn_is_valid(number)
        assert not stdnum_ogrn.is_valid(number)  # the python-stdnum 2.2 bug this works around


@given(st.randoms(use_true_random=False), st.integers(0, 15), st.integers(1, 9))
def test_luhn_catches_every_single_digit_error(
    rng: random.Random, position: int, delta: int
) -> None:
    number = ids.card(rng, "visa")
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not card_is_valid(changed)


@pytest.mark.parametrize(
    "number",
    ["00000000000", "00100199800", "0000000000", "000000000000", "4000000000000000000000", "12345"],
)
def test_placeholders_and_wrong_lengths_are_invalid(number: str) -> None:
    assert not any(
        check(number) for check in (inn_is_valid, snils_is_valid, ogrn_is_valid, card_is_valid)
    )


# --- email -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("пишите на ivan.petrov@mail.ru.", ["ivan.petrov@mail.ru"]),
        ("<j.doe+news@sub.example.co.uk>", ["j.doe+news@sub.example.co.uk"]),
        ("mailto:Ivan.Petrov@Company.RU", ["Ivan.Petrov@Company.RU"]),
        ("иван@почта.рф", ["иван@почта.рф"]),
        ('{"to":"a_b@x.io"}', ["a_b@x.io"]),
        ("see..john@x.io", ["john@x.io"]),
        ("icon@2x.png @pytest.fixture pkg@1.2.3 user@localhost @user", []),
        ("a" * 70 + "@x.com", []),
    ],
)
def test_email(text: str, expected: list[str]) -> None:
    assert [value for _, value in _spans(EmailDetector(), text)] == expected


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "region"),
    [
        ("тел. +7 (912) 345-67-89", "+7 (912) 345-67-89", "RU"),
        ("8 912 345 67 89", "8 912 345 67 89", "RU"),
        ("моб.89123456789;", "89123456789", "RU"),
        ("7 912 345-67-89", "7 912 345-67-89", "RU"),
        ("8 (4922) 12-34-56", "8 (4922) 12-34-56", "RU"),
        ("+7 (916) 850 - 45 - 79", "+7 (916) 850 - 45 - 79", "RU"),
        ("(495) 123-45-67", "(495) 123-45-67", "RU"),
        ("912 345-67-89", "912 345-67-89", "RU"),
        ("+7 701 123 4567", "+7 701 123 4567", "KZ"),
        ("call (212) 555-0187", "(212) 555-0187", "US"),
        ("212-555-0187", "212-555-0187", "US"),
        ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958", "GB"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78", "FR"),
        ("+971 50 123 4567", "+971 50 123 4567", "AE"),
        ("+966 50 123 4567", "+966 50 123 4567", "SA"),
        ("+7 912 345 67 89 2024 года", "+7 912 345 67 89", "RU"),  # trailing year trimmed
        # International with the spacing people use, and the 00 dialling prefix.
        (
            "+33\u00a06\u00a012\u00a034\u00a056\u00a078",
            "+33\u00a06\u00a012\u00a034\u00a056\u00a078",
            "FR",
        ),
        ("+33\u202f6 12 34 56 78", "+33\u202f6 12 34 56 78", "FR"),
        ("(+33) 6 12 34 56 78", "(+33) 6 12 34 56 78", "FR"),
        ("+33.6.12.34.56.78", "+33.6.12.34.56.78", "FR"),
        ("+44 20 7946\u20130958", "+44 20 7946\u20130958", "GB"),
        ("+49 30/1234 5678", "+49 30/1234 5678", "DE"),
        ("+49 151 23456789", "+49 151 23456789", "DE"),
        ("+966 5 0123 4567", "+966 5 0123 4567", "SA"),
        ("+7 (701) 123-45-67", "+7 (701) 123-45-67", "KZ"),
        ("звонить 0044 20 7946 0958", "0044 20 7946 0958", "GB"),
        ("00 33 6 12 34 56 78", "00 33 6 12 34 56 78", "FR"),
        ("00 971 50 123 4567", "00 971 50 123 4567", "AE"),
    ],
)
def test_phone_found_with_region(text: str, expected: str, region: str) -> None:
    assert _spans(PhoneDetector(), text) == [("phone", expected)]
    assert phone_region(expected) == region


def test_phones_in_a_list_are_each_found() -> None:
    text = "+44 20 7946 0958,+44 20 7946 0959; 0033 6 12 34 56 78"
    assert [value for _, value in _spans(PhoneDetector(), text)] == [
        "+44 20 7946 0958",
        "+44 20 7946 0959",
        "0033 6 12 34 56 78",
    ]


@pytest.mark.parametrize(
    ("jurisdiction", "text"),
    [
        ("EU", "06 12 34 56 78"),
        ("EU", "06.12.34.56.78"),
        ("EU", "030 12345678"),
        ("EU", "(030) 1234567"),
        ("EU", "0151 2345 6789"),
        ("EU", "06 1234 5678"),  # Rome
        ("AE", "050 123 4567"),
        ("AE", "04-234-5678"),
        ("SA", "055 123 4567"),
        ("GB", "020 7946 0958"),
    ],
)
def test_national_numbers_of_the_tenants_jurisdiction(jurisdiction: str, text: str) -> None:
    assert _spans(PhoneDetector(national_regions(jurisdiction)), text) == [("phone", text)]
    assert _spans(PhoneDetector(), text) == []  # another tenant's national format is not read
    assert phone_region(text) is None  # shared shapes: the tenant's jurisdiction is presumed


@pytest.mark.parametrize(
    "text",
    [
        "дата 01.02.2024",
        "от 06.12.2023 г.",
        "версия 0.12.3",
        "v 03.11.2",
        "сумма 0,50 EUR",
        "артикул 0123",
        "Заказ 0012345678901",  # ungrouped 00: a zero-padded number as often as a phone
        "время 09:30-10:45",
    ],
)
def test_national_lookalikes_are_not_phones(text: str) -> None:
    assert _spans(PhoneDetector(national_regions("EU")), text) == []


@pytest.mark.parametrize(
    "text",
    [
        "+7 000 000-00-00",
        "8 000 000 00 00",
        "Заказ 1234567890 от 12.03.2024",
        "внутренний 123-45-67",
        "ИНН 771234567890",
        "Итого 1 250 000 руб.",
        "IP 192.168.10.200",
        "+15% за квартал",
        "CNPJ 16.727.230.0001-98",
        "+" + "1" * 40,
        "Итого: +43 186 301 ₽ за квартал",  # a valid Austrian number, written as an amount
        "рост +43 186 301 руб.",
        "+971 50 123 4567 AED",
    ],
)
def test_phone_lookalikes_are_not_phones(text: str) -> None:
    assert _spans(PhoneDetector(), text) == []


# --- Russian identifiers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Паспорт 45 12 345678, выдан", [("ru_passport", "45 12 345678")]),
        ("паспорт: 4512345678", [("ru_passport", "4512345678")]),
        ("серия 4512 номер 345678", [("ru_passport", "4512 номер 345678")]),
        ("паспорт серии 45 12, № 345678", [("ru_passport", "45 12, № 345678")]),
        ("passport series 4512 number 345678", [("ru_passport", "4512 number 345678")]),
        ("загранпаспорт 72 1234567", [("ru_passport", "72 1234567")]),
        (
            "ИНН 7707083893, паспорт 4512345678",
            [("inn", "7707083893"), ("ru_passport", "4512345678")],
        ),
        ("ИНН: 7707083893, 7736050003", [("inn", "7707083893"), ("inn", "7736050003")]),
        ("ИНН/КПП 7707083893/770701001", [("inn", "7707083893")]),
        ("налоговый номер 500100732259", [("inn", "500100732259")]),
        ("его номер 500100732259", [("inn", "500100732259")]),  # 12 digits need no label
        ("СНИЛС 112-233-445 95", [("snils", "112-233-445 95")]),
        ("112-233-445 95", [("snils", "112-233-445 95")]),  # the СНИЛС layout needs no label
        ("СНИЛС 11223344595", [("snils", "11223344595")]),
        ("ОГРН 1027700132195", [("ogrn", "1027700132195")]),
        ("ОГРНИП 304500116000157", [("ogrn", "304500116000157")]),
        ("паспорт серия 45 10 № 123456", [("ru_passport", "45 10 № 123456")]),
        ("паспорт РФ 4510 123456", [("ru_passport", "4510 123456")]),
        ("паспорт серия: 4510 номер: 123456", [("ru_passport", "4510 номер: 123456")]),
        (
            "Серия паспорта: 4510, номер паспорта: 123456",
            [("ru_passport", "4510, номер паспорта: 123456")],
        ),
        ("паспорт номер 123456 серия 4510", [("ru_passport", "123456 серия 4510")]),
        ("Паспорт\nСерия 4510\nНомер 123456", [("ru_passport", "4510\nНомер 123456")]),
        ("паспорт 4510-123456", [("ru_passport", "4510-123456")]),
        ("ПАСПОРТ СЕРИЯ 4510 НОМЕР 123456", [("ru_passport", "4510 НОМЕР 123456")]),
    ],
)
def test_russian_ids_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert _spans(RussianIdDetector(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Номер заказа 4512 345678",  # passport shape, no passport label
        "Паспорт клиента проверен, номер заказа 4512 345678.",  # nearer label: an order
        "Заказ № 7707083893",  # valid ИНН-10, but no ИНН label
        "Order 500100732259",  # valid ИНН-12 named as an order
        "timestamp=1027700132195",  # valid ОГРН digits, no label
        "ИНН 7707083894",  # wrong check digit
        "ИНН 0000000000",  # placeholder
        "СНИЛС 112-233-445 96",
        "11223344595",  # a bare СНИЛС needs its label
        "р/с 40702810400000012345, БИК 044525225",
        "ИННОВАЦИИ 7707083893",
        "4510 номер 123456",  # the written passport shapes still need a passport label
        "артикул 4510-123456",
        "заказ 123456, серия 4510",
        "паспорт проверен; накладная 4510 № 123456",
    ],
)
def test_russian_id_lookalikes_are_not_found(text: str) -> None:
    assert _spans(RussianIdDetector(), text) == []


# --- payment ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("карта 4111 1111 1111 1111", ["4111 1111 1111 1111"]),
        ("card 4111-1111-1111-1111 12/25", ["4111-1111-1111-1111"]),
        ("4111111111111111", ["4111111111111111"]),
        ("Amex 3782 822463 10005", ["3782 822463 10005"]),
        ("4111 1111 1111 1111 123", ["4111 1111 1111 1111"]),  # CVV after the number
        ("4111 1111 1111 1112", []),
        ("штрихкод 4600682000123", []),  # EAN-13, not a card
        ("**** **** **** 4242", []),
        ("ОГРНИП 304500116000157", []),
    ],
)
def test_card(text: str, expected: list[str]) -> None:
    assert [value for _, value in _spans(CardDetector(), text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN DE89 3704 0044 0532 0130 00.", ["DE89 3704 0044 0532 0130 00"]),
        ("GB29NWBK60161331926819", ["GB29NWBK60161331926819"]),
        ("IBAN GB29 NWBK 6016 1331 9268 19 TO", ["GB29 NWBK 6016 1331 9268 19"]),
        ("SA0380000000608010167519", ["SA0380000000608010167519"]),
        ("DE89 3704 0044 0532 0130 01", []),
        ("ISO 8601 AB12 CDEF GHIJ", []),
    ],
)
def test_iban(text: str, expected: list[str]) -> None:
    assert [value for _, value in _spans(IbanDetector(), text)] == expected


# --- ip --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login from 192.168.1.10, blocked", ["192.168.1.10"]),
        ("the server 10.0.0.7 and the driver 10.0.0.8", ["10.0.0.7", "10.0.0.8"]),
        ("proxy 10.0.0.5:8080.", ["10.0.0.5"]),
        ("fe80::1ff:fe23:4567:890a and 2001:db8::1", ["fe80::1ff:fe23:4567:890a", "2001:db8::1"]),
        ("[2a00:1450:4010:c05::8a]:443", ["2a00:1450:4010:c05::8a"]),
        ("::ffff:192.0.2.128", ["::ffff:192.0.2.128"]),
        ("v2.10.1.4, version 1.2.3.4, версия 3.1.0.2, 1.2.3", []),
        ("12:30:45, 00:1A:2B:3C:4D:5E, std::vector, 256.1.1.1", []),
        ("127.0.0.1 ::1 0.0.0.0", []),
        ("12.03.2024 and 1.2.3.4.5", []),
        ("values[::2], values[1::2], x[-16::]", []),  # Python slices, though 1::2 is valid IPv6
        ('__version__ = "3.5.0.1"; foo==1.0.0.0; RFC 9110 section 8.4.1.3; §4.2.3.1', []),
    ],
)
def test_ip(text: str, expected: list[str]) -> None:
    assert [value for _, value in _spans(IpDetector(), text)] == expected


# --- lexicon ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lexicon() -> LexiconDetector:
    return LexiconDetector()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("диагноз", [("health", "диагноз")]),
        ("с диагнозом", [("health", "диагнозом")]),
        ("Диагнозы", [("health", "Диагнозы")]),
        ("она беременна", [("health", "беременна")]),
        ("сдать анализы крови", [("health", "анализы крови")]),
        ("ВИЧ-инфицированный", [("health", "ВИЧ")]),
        ("был осуждён, судимость погашена", [("criminal", "осуждён"), ("criminal", "судимость")]),
        ("подозреваемому предъявлено", [("criminal", "подозреваемому")]),
        ("члены профсоюза", [("trade_union", "члены профсоюза")]),
        ("diagnosed with diabetes", [("health", "diagnosed with"), ("health", "diabetes")]),
        ("two diagnoses, several allergies", [("health", "diagnoses"), ("health", "allergies")]),
        ("was hospitalized twice", [("health", "hospitalized")]),
        ("a Trade  Union member", [("trade_union", "Trade  Union")]),
    ],
)
def test_lexicon_matches_any_form(
    lexicon: LexiconDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert _spans(lexicon, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Подозреваю, что сервер упал. Диагностика завершена.",
        "Партия товара отгружена, ориентация страницы альбомная.",
        "Договор заключён, арест счёта снят.",
        "race condition in the union of two sets",
        "verify the SSH key fingerprint",
        "",
        "1234 5678",
    ],
)
def test_lexicon_ignores_ordinary_words(lexicon: LexiconDetector, text: str) -> None:
    assert _spans(lexicon, text) == []


def test_lexicon_accepts_extra_entries() -> None:
    detector = LexiconDetector(
        extra={"health": ["нарколог", "wheelchair"], "criminal": ["под следствием"]}
    )
    text = "на учёте у нарколога; uses a wheelchair; был под следствием"
    assert _spans(detector, text) == [
        ("health", "нарколога"),
        ("health", "wheelchair"),
        ("criminal", "под следствием"),
    ]


def test_lexicon_rejects_unknown_category() -> None:
    with pytest.raises(ValueError, match="not a special category"):
        LexiconDetector(extra={"hobbies": ["fishing"]})


def test_lexicon_file_must_map_categories_to_lists(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("health: диагноз\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping of category"):
        load_lexicon(bad)
    good = tmp_path / "good.yaml"
    good.write_text("health: [диагноз]\n", encoding="utf-8")
    assert _spans(LexiconDetector(paths=[good]), "с диагнозом и ВИЧ") == [("health", "диагнозом")]


@given(st.text(alphabet=st.characters(max_codepoint=127)).map(str.lower))
def test_lexicon_ascii_words_are_the_unicode_pattern_s_words(text: str) -> None:
    assert lexicon_module._ASCII_WORD.findall(text) == lexicon_module._WORD.findall(text)


def test_lexicon_keeps_offsets_when_lowercase_changes_length(lexicon: LexiconDetector) -> None:
    text = "İİ диагноз"  # "İ".lower() is two characters
    assert _spans(lexicon, text) == [("health", "диагноз")]


# --- tenant patterns and names ---------------------------------------------------------------


def test_pattern_detector_finds_each_entry() -> None:
    detector = PatternDetector(
        [
            {"category": "employee_id", "regex": r"EMP-\d{6}"},
            {"category": "project", "regex": r"(?i)\bfalcon\b"},
        ]
    )
    assert detector.categories == {"employee_id", "project"}
    text = "EMP-123456 works on Project FALCON"
    assert sorted(_spans(detector, text)) == [("employee_id", "EMP-123456"), ("project", "FALCON")]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"category": "x", "regex": "("}, "pattern 0 \\(x\\)"),
        ({"category": "x", "regex": r"\d*"}, "empty string"),
        ({"regex": r"\d+"}, "needs a 'category'"),
        ({"category": "x"}, "needs a 'category'"),
    ],
)
def test_pattern_detector_rejects_bad_entries(entry: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PatternDetector([entry])


@pytest.mark.parametrize(
    "regex",
    [r"(a+)+\1$", r"(?=a)a+", r"(?<!x)a", r"(?<name>a)(?P=name)"],
)
def test_pattern_detector_refuses_what_re2_cannot_run_in_linear_time(regex: str) -> None:
    with pytest.raises(ValueError, match="not a linear-time \\(RE2\\) regex"):
        PatternDetector([{"category": "x", "regex": regex}])


def test_catastrophic_pattern_runs_linear_on_re2() -> None:
    # (a+)+$ backtracks exponentially in Python's re on "aaa…!" (30 a's take minutes); on RE2
    # it is one pass. A child process with a hang guard runs it, so a regression fails.
    script = (
        "from app.protect.detectors import PatternDetector\n"
        "detector = PatternDetector([{'category': 'x', 'regex': r'(a+)+$'}])\n"
        "assert list(detector.find('a' * 200_000 + '!')) == []\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    detector = PatternDetector([{"category": "x", "regex": r"(a+)+$"}])
    assert _spans(detector, "caaa") == [("x", "aaa")]


def test_pattern_spans_are_characters_not_bytes() -> None:
    detector = PatternDetector([{"category": "contract", "regex": r"[А-Яа-я]{2}-[0-9]{4}"}])
    assert _spans(detector, "Договор ДГ-1234 от вторника") == [("contract", "ДГ-1234")]


# --- robustness ------------------------------------------------------------------------------

ALL: list[Detector] = [
    EmailDetector(),
    PhoneDetector(),
    RussianIdDetector(),
    CardDetector(),
    IbanDetector(),
    IpDetector(),
]


REPO = Path(__file__).resolve().parents[3]
PATHOLOGICAL = {
    "digits": '"1" * 100_000',
    "letters": '"a" * 100_000',
    "at-signs": '"a@" * 50_000',
    "plus-groups": '"+1 " * 30_000',
    "dots": '"1." * 50_000',
    "hex-colons": '"f:" * 50_000',
    "alnum": '"A1" * 50_000',
    "hyphens": '"1-" * 50_000',
}


def test_detectors_terminate_on_pathological_input() -> None:
    """No detector backtracks catastrophically on 100 KB of repetitive input.

    The scan runs in a child process so a runaway regex is killed, not waited for; the bound
    is a hang guard (a linear scan takes well under a second), not a speed target.
    """
    script = (
        "from tests.unit.protect.test_detectors import ALL\n"
        f"for text in [{', '.join(PATHOLOGICAL.values())}]:\n"
        "    for detector in ALL:\n"
        "        list(detector.find(text))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@given(st.text(alphabet="0123456789 +-().:@abcAB№ИНН\n", max_size=200))
def test_findings_are_non_empty_spans_inside_the_text(text: str) -> None:
    for detector in ALL:
        for finding in detector.find(text):
            assert 0 <= finding.start < finding.end <= len(text)
            assert finding.category in detector.categories
