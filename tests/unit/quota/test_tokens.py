"""Offline token counting, checked against OpenAI's own published numbers."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from app.quota.tokens import (
    count_chat_tokens,
    count_embedding_tokens,
    count_prompt_tokens,
    count_text_tokens,
    encoding_for,
    encoding_name,
)

# The example conversation from OpenAI's cookbook "How to count tokens with tiktoken", which
# reports 129 prompt tokens for gpt-4 / gpt-3.5-turbo and 124 for gpt-4o / gpt-4o-mini.
COOKBOOK = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate"
        " jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more time to touch base on opportunities for"
        " increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client"
        " deliverable.",
    },
]


@pytest.mark.parametrize(
    ("model", "expected"),
    [("gpt-4", 129), ("gpt-3.5-turbo", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124)],
)
def test_chat_count_matches_openai_cookbook(model: str, expected: int) -> None:
    assert count_chat_tokens(COOKBOOK, model) == expected


def test_text_count_matches_the_cookbook() -> None:
    assert count_text_tokens("tiktoken is great!", "gpt-4") == 6


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("qwen2.5-72b-instruct", "o200k_base"),
        ("GigaChat-2-Max", "o200k_base"),
        ("text-davinci-003", "o200k_base"),  # p50k is not in the wheel: estimate, never download
    ],
)
def test_models_map_to_shipped_encodings(model: str, encoding: str) -> None:
    assert encoding_name(model) == encoding


def test_long_text_is_counted_in_chunks_like_the_whole() -> None:
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 5000  # 290k chars
    whole = len(encoding_for("gpt-4o").encode_ordinary(text))
    assert count_text_tokens(text, "gpt-4o") == whole


def test_text_beyond_the_tokenizer_limits_is_still_counted() -> None:
    # One call of bpe-openai refuses > 1M characters and > 200k tokens.
    assert count_text_tokens("0123456789 " * 150_000, "gpt-4o") > 200_000


def test_special_token_markup_is_counted_as_text() -> None:
    assert count_text_tokens("<|endoftext|>", "gpt-4o") > 1


def test_chat_parts_tool_calls_and_tools() -> None:
    base = count_chat_tokens([{"role": "user", "content": "hi"}], "gpt-4o")
    parts = [
        {"type": "text", "text": "hi"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    assert count_chat_tokens([{"role": "user", "content": parts}], "gpt-4o") == base + 85 + 765
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    assert count_chat_tokens([call], "gpt-4o") > count_chat_tokens(
        [{"role": "assistant"}], "gpt-4o"
    )
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": "hi"}]
    assert count_chat_tokens(messages, "gpt-4o", tools) > base


def test_embedding_inputs() -> None:
    one = count_text_tokens("hello world", "text-embedding-3-small")
    assert count_embedding_tokens("hello world", "text-embedding-3-small") == one
    assert count_embedding_tokens(["hello world"] * 3, "text-embedding-3-small") == 3 * one
    assert count_embedding_tokens([1, 2, 3], "text-embedding-3-small") == 3
    assert count_embedding_tokens([[1, 2], [3]], "text-embedding-3-small") == 3


def test_prompt_tokens_per_endpoint() -> None:
    chat = {"model": "gpt-4o", "messages": COOKBOOK}
    assert count_prompt_tokens("chat.completions", chat) == 124
    embed = {"model": "text-embedding-3-small", "input": ["a", "b"]}
    assert count_prompt_tokens("embeddings", embed) == 2
    assert count_prompt_tokens("models", {}) == 0


def test_counting_works_offline() -> None:
    """A fresh interpreter that may not open a socket still loads both encodings."""
    script = textwrap.dedent(
        """
        import sys

        def no_network(event, args):
            if event.startswith("socket.") and event != "socket.__new__":
                raise RuntimeError(f"network access: {event}")

        sys.addaudithook(no_network)
        from app.quota.tokens import count_text_tokens
        print(count_text_tokens("hello world", "gpt-4o"), count_text_tokens("hi", "gpt-4"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "1"]
