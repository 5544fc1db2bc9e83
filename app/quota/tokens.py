"""Offline prompt token counting, for reserving tokens before the upstream call.

The two OpenAI encodings every OpenAI chat and embeddings model uses, ``o200k_base`` and
``cl100k_base``, ship in ``encodings/`` (OpenAI's published tiktoken files, gzipped; a test
checks their SHA-256 against the hashes tiktoken pins), so counting needs no network. Each
encoding is loaded on its first use.

The count goes into the input document (``request.tokens.prompt``: the policy's context-fit
check and its deny messages), the quota reservation, the executor's output bound and its
delivered-usage fallback, so it stays exact for OpenAI's models. Models outside OpenAI's
catalogue (Qwen, GigaChat, Voyage, ...) have tokenizers of their own; ``o200k_base`` is an
estimate for them: settlement uses the usage the provider reports, so an estimate costs
accuracy for the length of one request, never money.

The counter is ``kordon_bpe`` (``native/kordon-bpe``), a counting-only derivative of tiktoken's
Rust BPE: the same regex engine, pre-tokenisation and merge, but only the ranks in memory (~4
MiB for o200k; tiktoken's core always builds an encoder, a decoder and a sorted token list,
~40 MiB) and no token list per call (bench/profiles/memory-tokens.md). Counts are tiktoken's:
the tests compare both encodings with tiktoken itself on stored and generated corpora.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson
from kordon_bpe import Counter

__all__ = [
    "count_chat_tokens",
    "count_embedding_tokens",
    "count_prompt_tokens",
    "count_text_tokens",
    "encoding_for",
    "encoding_name",
]

DEFAULT_ENCODING = "o200k_base"
ENCODINGS_DIR = Path(__file__).with_name("encodings")

# Split patterns as tiktoken_ext.openai_public defines them (that module builds each encoding
# from a download, so it cannot be called here; the tests compare with it).
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501
_PATTERNS = {"o200k_base": _O200K_PATTERN, "cl100k_base": _CL100K_PATTERN}

# OpenAI's chat format wraps each message as <|start|>{role}<|message|>{content}<|end|> and
# primes the reply with <|start|>assistant<|message|>; these are the counts from OpenAI's
# cookbook ("How to count tokens with tiktoken") for gpt-3.5-turbo and later.
_PER_MESSAGE = 3
_PER_NAME = 1
_REPLY_PRIMER = 3
# Image size is unknown without fetching it: low detail is a flat 85 tokens, high/auto is
# estimated as a 1024x1024 image (85 + 4 tiles x 170). Settlement corrects the difference.
_IMAGE_LOW = 85
_IMAGE_HIGH = 765
# Text is counted in chunks of at most 32k characters, cut at whitespace: BPE's merge is
# quadratic in the length of a piece, and one 1 MB run of letters would be a single piece.
_CHUNK_CHARS = 32_768
# The models OpenAI counts with cl100k (tiktoken's model table); every other model is o200k.
_CL100K_MODELS = frozenset({"gpt-4", "cl100k_base"})
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "text-embedding-")


class Encoding(Protocol):
    """A counter of one encoding's tokens (``kordon_bpe.Counter``)."""

    def count(self, text: str) -> int: ...


def encoding_name(model: str) -> str:
    """The encoding for ``model``: cl100k for the GPT-4/3.5 and embeddings families, else o200k."""
    lowered = model.lower()
    if lowered in _CL100K_MODELS or lowered.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return DEFAULT_ENCODING


def encoding_for(model: str) -> Encoding:
    """The encoding used to count ``model``'s tokens."""
    return _encoding(encoding_name(model))


@functools.cache
def _encoding(name: str) -> Encoding:
    return Counter(ENCODINGS_DIR / f"{name}.tiktoken.gz", _PATTERNS[name])


@functools.lru_cache(maxsize=64)
def _role_tokens(role: str, encoding: str) -> int:
    # Roles recur in every message; content is never cached (it may be personal data).
    return _encoding(encoding).count(role)


def count_text_tokens(text: str, model: str) -> int:
    """Tokens in ``text`` as ordinary text (special-token markup is not interpreted)."""
    encoding = encoding_for(model)
    total = 0
    start = 0
    while start < len(text):
        end = start + _CHUNK_CHARS
        if end < len(text):
            # Cut at whitespace where possible so the chunks tokenise like the whole text.
            space = text.rfind(" ", start + 1, end)
            end = space if space > start else end
        total += _count(encoding, text[start:end])
        start = end
    return total


def _count(encoding: Encoding, text: str) -> int:
    try:
        return encoding.count(text)
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form: count it as U+FFFD, as tiktoken.Encoding does.
        fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return encoding.count(fixed)


def count_prompt_tokens(endpoint: str, payload: Mapping[str, object]) -> int:
    """Prompt tokens of a validated OpenAI request body; 0 for endpoints without a prompt."""
    model = str(payload.get("model", ""))
    if endpoint == "chat.completions":
        messages = payload.get("messages")
        tools = payload.get("tools")
        return count_chat_tokens(
            messages if isinstance(messages, list) else [],
            model,
            tools if isinstance(tools, list) else None,
        )
    if endpoint == "embeddings":
        inputs = payload.get("input")
        return count_embedding_tokens(inputs, model) if isinstance(inputs, str | list) else 0
    return 0


def count_chat_tokens(
    messages: Sequence[Mapping[str, Any]],
    model: str,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Prompt tokens of a chat completion request, counted the way OpenAI's cookbook does.

    Non-string fields (tool calls) and tool definitions are counted as their JSON, which
    overestimates slightly: OpenAI renders them more compactly.
    """
    total = _REPLY_PRIMER
    for message in messages:
        total += _PER_MESSAGE
        for key, value in message.items():
            if key == "content":
                total += _content_tokens(value, model)
            elif key == "role" and isinstance(value, str):
                total += _role_tokens(value, encoding_name(model))
            else:
                total += _value_tokens(value, model)
            if key == "name":
                total += _PER_NAME
    if tools:
        total += count_text_tokens(orjson.dumps(tools).decode(), model)
    return total


def count_embedding_tokens(
    inputs: str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]], model: str
) -> int:
    """Tokens of an embeddings ``input``: a string, strings, or already tokenised arrays."""
    if isinstance(inputs, str):
        return count_text_tokens(inputs, model)
    total = 0
    for item in inputs:
        if isinstance(item, str):
            total += count_text_tokens(item, model)
        elif isinstance(item, int):
            total += 1
        else:
            total += len(item)
    return total


def _content_tokens(content: object, model: str) -> int:
    """``content`` is a string, None (tool-call turns), or a list of typed parts."""
    if not isinstance(content, list):
        return _value_tokens(content, model)
    total = 0
    for part in content:
        if isinstance(part, Mapping) and part.get("type") == "text":
            total += count_text_tokens(str(part.get("text", "")), model)
        elif isinstance(part, Mapping) and part.get("type") == "image_url":
            image = part.get("image_url")
            low = isinstance(image, Mapping) and image.get("detail") == "low"
            total += _IMAGE_LOW if low else _IMAGE_HIGH
        else:
            total += _value_tokens(part, model)
    return total


def _value_tokens(value: object, model: str) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return count_text_tokens(value, model)
    return count_text_tokens(orjson.dumps(value).decode(), model)
