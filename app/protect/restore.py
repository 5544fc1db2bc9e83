"""Put the originals back into the model's answer, whole or streamed.

Only the placeholders of the request's own mapping are replaced, matched case-insensitively
(models sometimes write ``[email_1]``); any other bracketed text passes through untouched.

For streams the gateway feeds the ``delta.content`` strings of successive chunks into one
``StreamRestorer`` per choice (and per tool-call argument stream). A placeholder may be split
across deltas, so the restorer holds back the shortest suffix that could still grow into one of
the mapping's placeholders, and nothing else: at most the longest placeholder minus one
character. Each ``feed`` only looks at the held-back suffix plus the new delta, and a delta
without ``[`` and with nothing held back is returned as is.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping

from app.protect.pseudonymize import PLACEHOLDER_RE

__all__ = ["StreamRestorer", "restore"]

# The first character that cannot be in a placeholder body; searched from a "[", not from the start.
_NOT_BODY = re.compile(r"[^A-Za-z0-9_]")


def _lookup(mapping: Mapping[str, str]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for placeholder, value in mapping.items():
        if PLACEHOLDER_RE.fullmatch(placeholder) is None:
            raise ValueError("a mapping key is not a placeholder")
        lookup[placeholder.lower()] = value
    return lookup


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Return text with every placeholder of mapping replaced by its original value."""
    if not mapping:
        return text
    lookup = _lookup(mapping)

    def original(token: re.Match[str]) -> str:
        found = token.group()
        return lookup.get(found.lower(), found)

    return PLACEHOLDER_RE.sub(original, text)


class StreamRestorer:
    """Restores a text that arrives in pieces; ``feed`` each piece, ``flush`` at the end.

    The concatenation of every ``feed`` result and ``flush`` equals ``restore`` of the whole text,
    however the text was split.
    """

    __slots__ = ("_lookup", "_pending", "_sorted")

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._lookup = _lookup(mapping)
        # Sorted, the placeholders sharing a prefix are neighbours: one bisect finds them.
        self._sorted = sorted(self._lookup)
        self._pending = ""

    @property
    def pending(self) -> str:
        """The held-back suffix: a prefix of some placeholder, never personal data."""
        return self._pending

    def feed(self, chunk: str) -> str:
        """Return what can be emitted now that chunk has arrived."""
        if self._pending:
            text = self._pending + chunk
            self._pending = ""
        elif "[" in chunk and self._lookup:
            text = chunk
        else:
            return chunk
        pieces: list[str] = []
        emitted = 0
        opener = text.find("[")
        while opener >= 0:
            stop = _NOT_BODY.search(text, opener + 1)
            if stop is None:
                # The text stops inside something that may still become a placeholder.
                if self._may_grow(text[opener:].lower()):
                    self._pending = text[opener:]
                    pieces.append(text[emitted:opener])
                    return "".join(pieces)
                break
            end = stop.start()
            if text[end] == "]":
                original = self._lookup.get(text[opener : end + 1].lower())
                if original is not None:
                    pieces.append(text[emitted:opener])
                    pieces.append(original)
                    emitted = end + 1
                end += 1
            # The body holds no "[", so the next placeholder cannot start before end.
            opener = text.find("[", end)
        pieces.append(text[emitted:])
        return "".join(pieces)

    def _may_grow(self, tail: str) -> bool:
        """Whether tail is the start of one of the placeholders: the only text worth holding."""
        at = bisect_left(self._sorted, tail)
        return at < len(self._sorted) and self._sorted[at].startswith(tail)

    def flush(self) -> str:
        """Return the held-back suffix: the stream ended, so it is plain text."""
        rest, self._pending = self._pending, ""
        return rest
