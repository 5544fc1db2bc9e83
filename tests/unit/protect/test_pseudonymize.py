"""Pseudonymizer: stable placeholders per request and per session, overlaps, reserved tokens."""

from __future__ import annotations

import pytest

from app.protect.findings import Finding
from app.protect.pseudonymize import Pseudonymizer, non_overlapping


def spans(text: str, category: str, *values: str) -> list[Finding]:
    """One finding per occurrence of each value in text."""
    found: list[Finding] = []
    for value in values:
        start = text.find(value)
        while start >= 0:
            found.append(Finding(category, start, start + len(value)))
            start = text.find(value, start + 1)
    return found


def test_same_value_same_placeholder_within_a_request() -> None:
    pseudonymizer = Pseudonymizer()
    first = "Write to ivan@mail.ru, cc olga@mail.ru, then ivan@mail.ru again."
    second = "Reply from ivan@mail.ru"

    assert pseudonymizer.apply(first, spans(first, "email", "ivan@mail.ru", "olga@mail.ru")) == (
        "Write to [EMAIL_1], cc [EMAIL_2], then [EMAIL_1] again."
    )
    assert pseudonymizer.apply(second, spans(second, "email", "ivan@mail.ru")) == (
        "Reply from [EMAIL_1]"
    )
    assert dict(pseudonymizer.mapping) == {"[EMAIL_1]": "ivan@mail.ru", "[EMAIL_2]": "olga@mail.ru"}


def test_each_category_is_numbered_on_its_own_and_labelled_in_ascii() -> None:
    text = "a@b.ru +7 999 123-45-67 4509 123456 x"
    findings = [
        *spans(text, "email", "a@b.ru"),
        *spans(text, "phone", "+7 999 123-45-67"),
        *spans(text, "ru_passport", "4509 123456"),
        *spans(text, "e-mail (work)", "x"),
    ]

    assert Pseudonymizer().apply(text, findings) == (
        "[EMAIL_1] [PHONE_1] [RU_PASSPORT_1] [E_MAIL_WORK_1]"
    )


def test_a_session_mapping_is_reused_and_numbering_continues_after_it() -> None:
    session = {"[EMAIL_1]": "ivan@mail.ru", "[EMAIL_4]": "olga@mail.ru"}
    pseudonymizer = Pseudonymizer(session)
    text = "olga@mail.ru and petr@mail.ru"

    out = pseudonymizer.apply(text, spans(text, "email", "olga@mail.ru", "petr@mail.ru"))

    assert out == "[EMAIL_4] and [EMAIL_5]"
    assert dict(pseudonymizer.mapping) == {**session, "[EMAIL_5]": "petr@mail.ru"}
    assert session == {"[EMAIL_1]": "ivan@mail.ru", "[EMAIL_4]": "olga@mail.ru"}


def test_a_session_mapping_with_a_foreign_key_is_refused() -> None:
    with pytest.raises(ValueError, match="not a placeholder"):
        Pseudonymizer({"ivan": "ivan@mail.ru"})


def test_placeholders_already_in_the_input_are_never_issued() -> None:
    pseudonymizer = Pseudonymizer()
    template = "Template: Dear [email_1], see [EMAIL_2]."
    pseudonymizer.apply(template, [])
    text = "Send it to ivan@mail.ru"

    assert pseudonymizer.apply(text, spans(text, "email", "ivan@mail.ru")) == "Send it to [EMAIL_3]"


def test_the_mapping_is_read_only() -> None:
    pseudonymizer = Pseudonymizer()
    pseudonymizer.apply("a@b.ru", [Finding("email", 0, 6)])

    with pytest.raises(TypeError):
        pseudonymizer.mapping["[EMAIL_1]"] = "other"  # type: ignore[index]


def test_a_text_without_findings_is_returned_as_is() -> None:
    text = "nothing personal [here]"
    assert Pseudonymizer().apply(text, []) is text


def test_nested_findings_are_replaced_once_by_the_outer_one() -> None:
    text = "Ivan Petrov, Moscow, Tverskaya 1"
    address = Finding("address", 13, len(text))
    city = Finding("city", 13, 19)
    name = Finding("person_name", 0, 11)
    surname = Finding("person_name", 5, 11)

    assert non_overlapping(text, [city, surname, address, name]) == [name, address]
    assert Pseudonymizer().apply(text, [city, surname, address, name]) == (
        "[PERSON_NAME_1], [ADDRESS_1]"
    )


def test_of_partly_overlapping_findings_the_earlier_wins() -> None:
    text = "0123456789"
    early, late = Finding("a", 0, 6), Finding("b", 4, 10)
    assert non_overlapping(text, [late, early]) == [early]


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2), (0, 99)])
def test_a_finding_outside_the_text_is_an_error_that_does_not_quote_the_text(
    start: int, end: int
) -> None:
    text = "secret ivan@mail.ru"
    with pytest.raises(ValueError, match="outside a text of 19 characters") as raised:
        Pseudonymizer().apply(text, [Finding("email", start, end)])
    assert "ivan" not in str(raised.value)
