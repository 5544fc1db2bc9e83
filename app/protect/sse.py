"""Restore placeholders inside an OpenAI SSE stream, event by event.

Events (split by `app.sse.SseSplitter`) pass through byte for byte unless a delta
carries text; those are re-encoded with the restored text. A placeholder split across events
is held back by one StreamRestorer per choice (and per tool call), and released when it
completes or the choice finishes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson

from app.protect.restore import StreamRestorer
from app.sse import event_data

__all__ = ["SseRestorer"]

# Where a placeholder (or the start of one) may be in an event's JSON: a "[" before a character
# of a placeholder's body or the end of a string, or a \u escape of an ASCII character (a
# placeholder spelled with escapes). Cyrillic text escaped as \u04xx does not match.
_MAY_HOLD_PLACEHOLDER = re.compile(rb'\[[A-Za-z0-9_"]|\\u00[2-7]')


class SseRestorer:
    __slots__ = ("_arguments", "_mapping", "_restorers")

    def __init__(self, mapping: Mapping[str, str], arguments: Mapping[str, str]) -> None:
        """`mapping` restores message text; `arguments` (its JSON-escaped twin) tool calls."""
        self._mapping = mapping
        self._arguments = arguments
        self._restorers: dict[tuple[int, int], StreamRestorer] = {}

    def flush(self) -> bytes:
        """At the end of the stream: one more event with any text still held, or nothing."""
        held: dict[int, dict[str, object]] = {}
        for (choice, slot), restorer in self._restorers.items():
            text = restorer.flush()
            if text:
                _append(held.setdefault(choice, {}), slot, text)
        self._restorers.clear()
        if not held:
            return b""
        choices = [{"index": c, "delta": d, "finish_reason": None} for c, d in held.items()]
        return b"data: " + orjson.dumps({"choices": choices}) + b"\n\n"

    def _holding(self) -> bool:
        return any(restorer.pending for restorer in self._restorers.values())

    def _restorer(self, choice: int, slot: int) -> StreamRestorer:
        key = (choice, slot)
        restorer = self._restorers.get(key)
        if restorer is None:
            mapping = self._mapping if slot == -1 else self._arguments
            restorer = self._restorers[key] = StreamRestorer(mapping)
        return restorer

    def event(self, event: bytes) -> bytes:
        """One event without its separator; returned as is, or re-encoded when restored."""
        data = event_data(event)
        if not data or data == b"[DONE]":
            return event
        if _MAY_HOLD_PLACEHOLDER.search(data) is None and not self._holding():
            return event  # nothing to restore and nothing held: not even parsed
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            return event
        changed = False
        for choice in payload.get("choices") or ():
            index = int(choice.get("index", 0))
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                delta = choice["delta"] = {}
            changed |= self._feed(delta, "content", (index, -1))
            for call in delta.get("tool_calls") or ():
                function = call.get("function") or {}
                changed |= self._feed(function, "arguments", (index, int(call.get("index", 0))))
            if choice.get("finish_reason") is not None:
                changed |= self._release(index, delta)
        return b"data: " + orjson.dumps(payload) if changed else event

    def _feed(self, holder: dict[str, object], key: str, slot: tuple[int, int]) -> bool:
        text = holder.get(key)
        if not isinstance(text, str) or not text:
            return False
        holder[key] = self._restorer(*slot).feed(text)
        return True

    def _release(self, index: int, delta: dict[str, object]) -> bool:
        """Put the text still held for a finished choice into its last delta."""
        released = False
        for key in [k for k in self._restorers if k[0] == index]:
            held = self._restorers.pop(key).flush()
            if held:
                _append(delta, key[1], held)
                released = True
        return released


def _append(delta: dict[str, object], slot: int, text: str) -> None:
    if slot == -1:
        delta["content"] = str(delta.get("content") or "") + text
        return
    calls = delta.setdefault("tool_calls", [])
    if isinstance(calls, list):
        calls.append({"index": slot, "function": {"arguments": text}})
