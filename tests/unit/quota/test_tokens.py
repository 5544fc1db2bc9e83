"""Offline token counting, checked against OpenAI's own published numbers."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.quota.tokens import (
    ENCODINGS_DIR,
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
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("GPT-4-0613", "cl100k_base"),
        ("text-davinci-003", "o200k_base"),  # p50k is not shipped: estimate, never download
        ("voyage-3", "o200k_base"),  # not OpenAI's: estimated like Qwen and GigaChat
    ],
)
def test_models_map_to_shipped_encodings(model: str, encoding: str) -> None:
    assert encoding_name(model) == encoding


# SHA-256 of the uncompressed files, as tiktoken_ext.openai_public pins them for its download.
OPENAI_PUBLISHED = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


@pytest.mark.parametrize("encoding", sorted(OPENAI_PUBLISHED))
def test_shipped_encodings_are_openais_files(encoding: str) -> None:
    data = gzip.decompress((ENCODINGS_DIR / f"{encoding}.tiktoken.gz").read_bytes())
    assert hashlib.sha256(data).hexdigest() == OPENAI_PUBLISHED[encoding]


# 400 generated texts over 12 scripts, emoji, combining marks, zero-width and special-token
# markup, with the counts bpe-openai 0.1.4 (the counter before tiktoken) gave for them.
CORPUS = json.loads(Path(__file__).with_name("token_counts.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("model", "encoding"), [("gpt-4o", "o200k_base"), ("gpt-4", "cl100k_base")]
)
def test_counts_match_the_previous_counter_on_a_generated_corpus(model: str, encoding: str) -> None:
    texts = CORPUS["texts"]
    assert len(texts) == 400
    wrong = [t for t in texts if count_text_tokens(t["text"], model) != t[encoding]]
    assert wrong == []


def test_long_text_is_counted_in_chunks_like_the_whole() -> None:
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 5000  # 290k chars
    whole = encoding_for("gpt-4o").count(text)
    assert count_text_tokens(text, "gpt-4o") == whole


def test_text_beyond_the_tokenizer_limits_is_still_counted() -> None:
    # Over 1M characters and 200k tokens (bpe-openai refused either in one call).
    assert count_text_tokens("0123456789 " * 150_000, "gpt-4o") > 200_000


def test_special_token_markup_is_counted_as_text() -> None:
    assert count_text_tokens("<|endoftext|>", "gpt-4o") > 1


def test_a_lone_surrogate_counts_as_the_replacement_character() -> None:
    # bpe-openai counted "a\ud800b" as [64, 3251, 65]: a, U+FFFD, b.
    assert count_text_tokens("a\ud800b", "gpt-4o") == count_text_tokens("a\ufffdb", "gpt-4o") == 3


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
    """A fresh interpreter that may not open a socket still loads both encodings, each only
    when a model that uses it is counted (cl100k costs ~24 MiB that o200k traffic never pays)."""
    script = textwrap.dedent(
        """
        import sys

        def no_network(event, args):
            if event.startswith("socket.") and event != "socket.__new__":
                raise RuntimeError(f"network access: {event}")

        sys.addaudithook(no_network)
        from app.quota import tokens
        built = tokens._encoding.cache_info
        print(built().currsize, tokens.count_text_tokens("hello world", "gpt-4o"), built().currsize)
        print(tokens.count_text_tokens("hi", "gpt-4"), built().currsize)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "2", "1", "1", "2"]
