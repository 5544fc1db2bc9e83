"""The part of the OpenAI request schema the gateway relies on.

Unknown fields are ignored here and forwarded untouched: the gateway validates what it reads
and passes the request body to the upstream as the client sent it. Validation is lax, as the
OpenAI API's own ("5" is read as 5), except that nothing is ever read as a string.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from app.schemas.bounds import NonEmpty, Positive

__all__ = ["ChatCompletionRequest", "ChatMessage", "EmbeddingRequest"]


class _Open(msgspec.Struct, frozen=True):
    pass


class ContentPart(_Open, frozen=True):
    type: str


class FunctionCall(_Open, frozen=True):
    name: str
    arguments: str


class ToolCall(_Open, frozen=True, kw_only=True):
    id: str
    type: str = "function"
    function: FunctionCall


class ChatMessage(_Open, frozen=True):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None


class ChatCompletionRequest(_Open, frozen=True):
    model: NonEmpty
    messages: Annotated[list[ChatMessage], Meta(min_length=1)]
    stream: bool = False
    max_tokens: Positive | None = None
    max_completion_tokens: Positive | None = None
    tools: list[dict[str, Any]] | None = None

    @property
    def max_output(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    @property
    def has_images(self) -> bool:
        return any(
            part.type in ("image_url", "input_image")
            for message in self.messages
            if isinstance(message.content, list)
            for part in message.content
        )


class EmbeddingRequest(_Open, frozen=True):
    model: NonEmpty
    # A string, or a list of strings, of token ids or of token-id lists. msgspec takes one
    # array type per union, so the list's items are checked below.
    input: str | list[Any]

    def __post_init__(self) -> None:
        if isinstance(self.input, list) and not (
            all(isinstance(item, str) for item in self.input)
            or all(_is_token(item) for item in self.input)
            or all(
                isinstance(item, list) and all(_is_token(t) for t in item) for item in self.input
            )
        ):
            raise ValueError(
                "Expected a string, a list of strings, a list of token ids or a list of "
                "token-id lists - at `$.input`"
            )


def _is_token(item: object) -> bool:
    return isinstance(item, int) and not isinstance(item, bool)
