"""Reading OpenAI chat messages, shared by the adapters that rewrite them."""

from __future__ import annotations

import orjson

from app.providers.failures import RouteFailed

__all__ = ["content_text", "dicts", "parse_arguments"]


def dicts(value: object) -> list[dict[str, object]]:
    """The objects of a JSON list (anything else is skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def content_text(content: object) -> str:
    """A message's text: the string, or its text parts joined."""
    if isinstance(content, str):
        return content
    return "".join(str(part.get("text") or "") for part in dicts(content) if "text" in part)


def parse_arguments(arguments: object) -> dict[str, object]:
    """A tool call's `arguments` (a JSON string in OpenAI's form) as the object vendors want."""
    if isinstance(arguments, dict):
        return arguments
    try:
        value = orjson.loads(str(arguments or "{}"))
    except orjson.JSONDecodeError as exc:
        raise RouteFailed("a tool call's arguments are not JSON") from exc
    return value if isinstance(value, dict) else {"value": value}
