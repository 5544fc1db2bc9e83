"""Restoring originals: whole text, streamed in any split, and the pseudonymize round trip."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.protect.findings import Finding
from app.protect.pseudonymize import Pseudonymizer
from app.protect.restore import StreamRestorer, restore

MAPPING = {
    "[EMAIL_1]": "ivan@mail.ru",
    "[PHONE_12]": "+7 999 123-45-67",
    "[RU_PASSPORT_3]": "4509 123456",
    "[A_1]": "[EMAIL_1]",  # an original that looks like a placeholder is not restored again
}


def stream(mapping: Mapping[str, str], chunks: list[str]) -> str:
    restorer = StreamRestorer(mapping)
    return "".join(restorer.feed(chunk) for chunk in chunks) + restorer.flush()


def split(text: str, cuts: list[int]) -> list[str]:
    bounds = [0, *sorted(cut % (len(text) + 1) for cut in cuts), len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


@pytest.mark.parametrize(
    ("answer", "restored"),
    [
        ("Write to [EMAIL_1].", "Write to ivan@mail.ru."),
        ("**[EMAIL_1]**, `[PHONE_12]`", "**ivan@mail.ru**, `+7 999 123-45-67`"),
        ('"[EMAIL_1]" or «[EMAIL_1]»', '"ivan@mail.ru" or «ivan@mail.ru»'),
        ("[email_1] / [Ru_Passport_3]", "ivan@mail.ru / 4509 123456"),
        ("[A_1]", "[EMAIL_1]"),
        (
            "[EMAIL_2] [1] [TODO] [] [EMAIL_1 ] [[EMAIL_1]]",
            "[EMAIL_2] [1] [TODO] [] [EMAIL_1 ] [ivan@mail.ru]",
        ),
    ],
)
def test_restore_replaces_only_the_mappings_placeholders_in_any_case(
    answer: str, restored: str
) -> None:
    assert restore(answer, MAPPING) == restored
    assert stream(MAPPING, list(answer)) == restored


def test_a_mapping_key_that_is_not_a_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="not a placeholder"):
        restore("x", {"EMAIL_1": "ivan@mail.ru"})
    with pytest.raises(ValueError, match="not a placeholder"):
        StreamRestorer({"<EMAIL_1>": "ivan@mail.ru"})


def test_a_placeholder_split_across_chunks_is_held_back_then_restored() -> None:
    restorer = StreamRestorer(MAPPING)

    assert restorer.feed("Mail [EM") == "Mail "
    assert restorer.pending == "[EM"
    assert restorer.feed("AIL") == ""
    assert restorer.feed("_1] now") == "ivan@mail.ru now"
    assert restorer.pending == ""
    assert restorer.flush() == ""


def test_only_a_possible_placeholder_prefix_is_held_back() -> None:
    restorer = StreamRestorer(MAPPING)

    assert restorer.feed("see [x") == "see [x"
    assert restorer.feed("list [1") == "list [1"
    assert restorer.feed("a [ph") == "a "
    assert restorer.pending == "[ph"


def test_a_delta_without_brackets_passes_through_untouched() -> None:
    restorer = StreamRestorer(MAPPING)
    chunk = "plain text"
    assert restorer.feed(chunk) is chunk


def test_flush_emits_an_unfinished_placeholder_as_text() -> None:
    restorer = StreamRestorer(MAPPING)
    assert restorer.feed("end [PHONE_1") == "end "
    assert restorer.flush() == "[PHONE_1"
    assert restorer.pending == ""


@st.composite
def mappings(draw: st.DrawFn) -> dict[str, str]:
    labels = st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True)
    keys = draw(st.lists(st.tuples(labels, st.integers(1, 999)), min_size=1, max_size=6))
    return {f"[{label}_{index}]": draw(st.text(max_size=12)) for label, index in keys}


def recased(token: str, flips: list[bool]) -> str:
    return "".join(ch.swapcase() if flip else ch for ch, flip in zip(token, flips, strict=False))


@st.composite
def answers(draw: st.DrawFn, mapping: Mapping[str, str]) -> str:
    """Model output mixing placeholders (any case), their prefixes, originals and noise."""
    placeholders = list(mapping)
    piece = st.one_of(
        st.sampled_from(placeholders).flatmap(
            lambda token: st.lists(st.booleans(), min_size=len(token)).map(
                lambda flips: recased(token, flips)
            )
        ),
        st.sampled_from(placeholders).flatmap(
            lambda token: st.integers(1, len(token) - 1).map(lambda size: token[:size])
        ),
        st.sampled_from(list(mapping.values())),
        st.text(alphabet="[]_Aa1 \n⟦é", max_size=8),
    )
    return "".join(draw(st.lists(piece, max_size=20)))


@settings(max_examples=400)
@given(data=st.data())
def test_any_split_of_a_stream_restores_like_the_whole_text(data: st.DataObject) -> None:
    mapping = data.draw(mappings())
    answer = data.draw(answers(mapping))
    chunks = split(answer, data.draw(st.lists(st.integers(min_value=0), max_size=30)))
    longest = max(len(placeholder) for placeholder in mapping)
    prefixes = {p.lower()[:size] for p in mapping for size in range(1, len(p))}

    restorer = StreamRestorer(mapping)
    emitted: list[str] = []
    for chunk in chunks:
        emitted.append(restorer.feed(chunk))
        assert len(restorer.pending) <= longest - 1
        assert not restorer.pending or restorer.pending.lower() in prefixes
    emitted.append(restorer.flush())

    assert "".join(emitted) == restore(answer, mapping)


@st.composite
def texts_with_findings(draw: st.DrawFn) -> tuple[str, list[Finding]]:
    # Noise, plus tokens shaped like the placeholders the Pseudonymizer will issue.
    tokens = st.sampled_from(["[EMAIL_1]", "[email_2]", "[PHONE_1]", "[RU_PASSPORT_1", "["])
    pieces = st.one_of(st.text(alphabet="[]_EMAILemail1@. é⟦", max_size=10), tokens)
    text = "".join(draw(st.lists(pieces, max_size=8)))
    bounds = st.tuples(st.integers(0, len(text)), st.integers(0, len(text)))
    findings = [
        Finding(draw(st.sampled_from(["email", "phone", "ru_passport"])), start, end)
        for start, end in draw(st.lists(bounds, max_size=8))
        if start < end
    ]
    return text, findings


@settings(max_examples=400)
@given(case=texts_with_findings(), cuts=st.lists(st.integers(min_value=0), max_size=10))
def test_pseudonymize_then_restore_gives_back_the_original(
    case: tuple[str, list[Finding]], cuts: list[int]
) -> None:
    text, findings = case
    pseudonymizer = Pseudonymizer()
    sent = pseudonymizer.apply(text, findings)

    assert restore(sent, pseudonymizer.mapping) == text
    assert stream(pseudonymizer.mapping, split(sent, cuts)) == text
