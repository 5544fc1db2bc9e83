"""Texts of an OpenAI request: which strings the model sees, and rewriting them copy-on-write."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.protect.texts import iter_texts, map_texts

CHAT: dict[str, object] = {
    "model": "auto",
    "temperature": 0.2,
    "tools": [
        {"type": "function", "function": {"name": "lookup", "description": "find a customer"}}
    ],
    "messages": [
        {"role": "system", "content": "You are a support agent."},
        {"role": "user", "name": "ivan_petrov", "content": "My phone is +7 912 345-67-89"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is on this card?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/card.png"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"inn": "7707083893"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"email": "a@b.ru"}'},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't share that."}]},
        {"role": "assistant", "function_call": {"name": "legacy", "arguments": '{"q": "x"}'}},
    ],
}
CHAT_TEXTS = [
    "You are a support agent.",
    "My phone is +7 912 345-67-89",
    "ivan_petrov",
    "What is on this card?",
    '{"inn": "7707083893"}',
    '{"email": "a@b.ru"}',
    "I can't share that.",
    '{"q": "x"}',
]


def test_chat_texts_in_payload_order() -> None:
    assert list(iter_texts("chat.completions", CHAT)) == CHAT_TEXTS


def test_map_texts_rewrites_every_text_and_leaves_the_input_alone() -> None:
    before = copy.deepcopy(CHAT)
    result = map_texts("chat.completions", CHAT, str.upper)
    assert before == CHAT
    assert list(iter_texts("chat.completions", result)) == [text.upper() for text in CHAT_TEXTS]
    # Everything that is not a text the model reads is unchanged.
    messages = result["messages"]
    assert isinstance(messages, list)
    assert messages[2]["content"][1] == before["messages"][2]["content"][1]  # type: ignore[index]
    assert messages[3]["tool_calls"][0]["function"]["name"] == "lookup"
    assert result["tools"] == before["tools"]
    assert result["temperature"] == 0.2


def test_map_texts_copies_only_what_changed() -> None:
    result = map_texts(
        "chat.completions", CHAT, lambda t: t.replace("+7 912 345-67-89", "<PHONE_1>")
    )
    assert result is not CHAT
    old, new = CHAT["messages"], result["messages"]
    assert isinstance(old, list)
    assert isinstance(new, list)
    assert new is not old
    assert new[1]["content"] == "My phone is <PHONE_1>"
    assert new[0] is old[0]
    assert new[2] is old[2]


def test_identity_map_returns_an_equal_new_top_level_dict() -> None:
    result = map_texts("chat.completions", CHAT, lambda text: text)
    assert result == CHAT
    assert result is not CHAT


@pytest.mark.parametrize(
    ("value", "texts"),
    [
        ("один текст", ["один текст"]),
        (["first", "second"], ["first", "second"]),
        ([1, 2, 3], []),
        ([[1, 2], [3]], []),
    ],
)
def test_embeddings_input(value: object, texts: list[str]) -> None:
    payload: dict[str, object] = {"model": "embed", "input": value}
    assert list(iter_texts("embeddings", payload)) == texts
    result = map_texts("embeddings", payload, lambda text: f"<{text}>")
    expected = [f"<{text}>" for text in texts]
    assert list(iter_texts("embeddings", result)) == expected
    if not texts:
        assert result["input"] is value  # token ids are left alone


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"messages": None},
        {"messages": "not a list"},
        {
            "messages": [
                None,
                3,
                "x",
                {"role": "user"},
                {"content": 5},
                {"content": [None, {"type": "text"}]},
            ]
        },
        {"messages": [{"tool_calls": [None, {"function": None}, {"function": {"arguments": 3}}]}]},
    ],
)
def test_malformed_payloads_yield_nothing_and_do_not_crash(payload: dict[str, object]) -> None:
    assert list(iter_texts("chat.completions", payload)) == []
    assert map_texts("chat.completions", payload, str.upper) == payload


def test_unknown_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        list(iter_texts("completions", {"prompt": "hi"}))
    with pytest.raises(ValueError, match="unknown endpoint"):
        map_texts("responses", {"input": "hi"}, str.upper)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
_part = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=8)}),
    st.fixed_dictionaries({"type": st.just("image_url"), "image_url": _json}),
)
_message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "tool"])},
    optional={
        "content": st.text(max_size=8) | st.lists(_part, max_size=3) | st.none(),
        "name": st.text(max_size=5),
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {"function": st.fixed_dictionaries({"arguments": st.text(max_size=8)})}
            ),
            max_size=2,
        ),
        "extra": _json,
    },
)


@given(st.lists(_message, max_size=5))
def test_map_texts_calls_fn_once_per_text_in_iter_order(messages: list[dict[str, object]]) -> None:
    payload: dict[str, object] = {"messages": messages}
    before = json.dumps(payload, sort_keys=True)
    seen: list[str] = []

    def record(text: str) -> str:
        seen.append(text)
        return f"[{len(seen)}]"

    result = map_texts("chat.completions", payload, record)
    assert json.dumps(payload, sort_keys=True) == before
    assert seen == list(iter_texts("chat.completions", payload))
    assert list(iter_texts("chat.completions", result)) == [
        f"[{i}]" for i in range(1, len(seen) + 1)
    ]
