"""Masking: each kind keeps its shape and only what cannot single a person out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protect.findings import Finding
from app.protect.mask import mask, mask_value


@pytest.mark.parametrize(
    ("category", "value", "masked"),
    [
        ("phone", "+7 999 123-45-67", "+7 *** ***-**-67"),
        ("phone", "+7(999)1234567", "+7(***)*****67"),
        ("phone", "+971 50 123 4567", "+971 ** *** **67"),
        ("phone", "8 (999) 123-45-67", "* (***) ***-**-67"),
        ("email", "ivan.petrov@mail.ru", "i***@***.ru"),
        ("email", "Olga@corp.example.com", "O***@***.com"),
        ("card", "4111 1111 1111 1234", "**** **** **** 1234"),
        ("card", "4111111111111234", "************1234"),
        ("iban", "NO93 8601 1117 947", "NO** **** **** *47"),
        ("ru_passport", "4509 123456", "**** ****56"),
        ("ru_snils", "112-233-445 95", "***-***-*** 95"),
        ("ru_inn", "7707083893", "********93"),
        ("ogrn", "1027700132195", "***********95"),
        ("kz_iin", "900101300123", "**********23"),
        ("ip", "192.168.1.23", "192.*.*.*"),
        ("ip", "2001:db8::1", "2001:*:*:*"),
        ("PHONE", "+7 999 123-45-67", "+7 *** ***-**-67"),
    ],
)
def test_a_known_kind_keeps_its_format(category: str, value: str, masked: str) -> None:
    assert mask_value(category, value) == masked


@pytest.mark.parametrize(
    ("category", "value"),
    [
        ("person_name", "Иван Петров"),
        ("health", "сахарный диабет"),
        ("address", "Москва, Тверская 1"),
        ("ip_address", "10.0.0.1"),  # not a kind this module knows: never guessed at
        ("email", "not an email"),
        ("email", "ivan@localhost"),
        ("ip", "999.1.1.1"),
        ("iban", "1234 5678"),
        ("phone", "+999 123 456 789"),  # no such country code
        ("phone", "+7 12-34"),  # too short to keep anything
    ],
)
def test_anything_else_is_redacted_to_its_category(category: str, value: str) -> None:
    assert mask_value(category, value) == f"[REDACTED:{category}]"


@pytest.mark.parametrize(("value", "masked"), [("12345", "*****"), ("12-34", "**-**")])
def test_a_short_identifier_keeps_nothing(value: str, masked: str) -> None:
    assert mask_value("ru_inn", value) == masked


def test_mask_replaces_every_finding_and_nothing_else() -> None:
    text = "Иван Петров, +7 999 123-45-67, ivan@mail.ru."
    findings = [
        Finding("email", 31, 43),
        Finding("phone", 13, 29),
        Finding("person_name", 0, 11),
        Finding("person_name", 5, 11),  # inside the name: masked once, with it
    ]

    assert mask(text, findings) == "[REDACTED:person_name], +7 *** ***-**-67, i***@***.ru."


def test_a_text_without_findings_is_returned_as_is() -> None:
    text = "nothing to hide"
    assert mask(text, []) is text


@given(
    digits=st.lists(st.sampled_from("0123456789"), min_size=6, max_size=20),
    separators=st.lists(st.sampled_from(["", " ", "-"]), min_size=20, max_size=20),
)
def test_an_identifier_keeps_its_length_separators_and_only_its_last_two_digits(
    digits: list[str], separators: list[str]
) -> None:
    value = "".join(d + s for d, s in zip(digits, separators, strict=False))
    masked = mask_value("ru_passport", value)

    assert len(masked) == len(value)
    assert [ch for ch in masked if not ch.isalnum() and ch != "*"] == [
        ch for ch in value if not ch.isdigit()
    ]
    assert "".join(ch for ch in masked if ch.isdigit()) == "".join(digits[-2:])
