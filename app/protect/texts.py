"""Where the texts are in an OpenAI request: read them, or rewrite them into a new payload.

The texts the model will see, per endpoint:

* ``chat.completions``: each message's ``content`` (a string, or an array of parts whose
  ``text`` parts, and ``refusal`` parts of assistant turns, are read), its ``name``, the
  ``function.arguments`` of assistant ``tool_calls`` and of the legacy ``function_call``
  (JSON strings, treated as text), and so tool results, which are ``tool`` messages' content;
* ``embeddings``: ``input``, a string or a list of strings; token-id arrays are left alone.

Tool *definitions* (``tools``) and response schemas are the developer's, not user data, and
are not read. Both functions share one walker so they can never disagree about what a text
is. The rewrite is copy-on-write: every container on the way to a replaced text is new,
everything else is shared with the input, which is never mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["ENDPOINTS", "iter_texts", "map_texts"]

ENDPOINTS = frozenset({"chat.completions", "embeddings"})

_Rewrite = Callable[[Any], Any]
_TEXT_PARTS = {"text": "text", "refusal": "refusal"}  # part type → key holding its text


def iter_texts(endpoint: str, payload: dict[str, object]) -> Iterator[str]:
    """Every text of ``payload`` the model will see, in payload order (map_texts order)."""
    found: list[str] = []

    def collect(text: str) -> str:
        found.append(text)
        return text  # unchanged, so the walker copies nothing

    _walk(endpoint, payload, collect)
    return iter(found)


def map_texts(
    endpoint: str, payload: dict[str, object], fn: Callable[[str], str]
) -> dict[str, object]:
    """Return a new payload with every text replaced by ``fn(text)``; the input is untouched."""
    result = _walk(endpoint, payload, fn)
    return dict(result) if result is payload else result


def _walk(endpoint: str, payload: dict[str, object], fn: Callable[[str], str]) -> dict[str, object]:
    """Apply ``fn`` to each text, copying containers only where a text changed."""
    if endpoint not in ENDPOINTS:
        # Failing loudly keeps a new endpoint from silently bypassing the scan.
        raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {sorted(ENDPOINTS)}")

    def text(value: Any) -> Any:
        return fn(value) if isinstance(value, str) else value

    def texts(value: Any) -> Any:
        return text(value) if isinstance(value, str) else _items(value, text)

    def part(value: Any) -> Any:
        kind = value.get("type") if isinstance(value, dict) else None
        key = _TEXT_PARTS.get(kind) if isinstance(kind, str) else None
        return value if key is None else _field(value, key, text)

    def content(value: Any) -> Any:
        return text(value) if isinstance(value, str) else _items(value, part)

    def function(value: Any) -> Any:
        return _field(value, "arguments", text)

    def tool_call(value: Any) -> Any:
        return _field(value, "function", function)

    def message(value: Any) -> Any:
        value = _field(value, "content", content)
        value = _field(value, "name", text)
        value = _field(value, "tool_calls", lambda calls: _items(calls, tool_call))
        return _field(value, "function_call", function)

    result: dict[str, object]
    if endpoint == "embeddings":
        result = _field(payload, "input", texts)
    else:
        result = _field(payload, "messages", lambda messages: _items(messages, message))
    return result


def _field(container: Any, key: str, rewrite: _Rewrite) -> Any:
    """``container`` with ``container[key]`` rewritten; the same object if nothing changed."""
    if not isinstance(container, dict) or key not in container:
        return container
    old = container[key]
    new = rewrite(old)
    return container if new is old else {**container, key: new}


def _items(items: Any, rewrite: _Rewrite) -> Any:
    """``items`` with each element rewritten; the same list if nothing changed."""
    if not isinstance(items, list):
        return items
    copy: list[Any] | None = None
    for index, item in enumerate(items):
        new = rewrite(item)
        if new is not item:
            if copy is None:
                copy = list(items)
            copy[index] = new
    return items if copy is None else copy
