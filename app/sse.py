"""Server-sent events: split bytes into whole events (separators kept verbatim), read `data:`.

Shared by the executor (splitting upstream streams) and protect (restoring placeholders in them),
so it sits below both.
"""

from __future__ import annotations

import re

__all__ = ["SseSplitter", "event_data", "split_events"]

# An event ends at a blank line; servers use \n\n, some \r\n\r\n.
_BOUNDARY = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_DATA = b"data:"


class SseSplitter:
    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes]]:
        """Return the events completed by ``chunk`` as (event, separator) pairs."""
        return split_events(self.feed_whole(chunk))

    def feed_whole(self, chunk: bytes) -> bytes:
        """The bytes of the events ``chunk`` completes, separators included, as they came.

        A relay that changes nothing passes these on without taking them apart.
        """
        buffer = self._buffer + chunk if self._buffer else chunk
        end = 0
        for boundary in _BOUNDARY.finditer(buffer):
            end = boundary.end()
        self._buffer = buffer[end:]
        return buffer[:end]

    def flush(self) -> bytes:
        """Whatever followed the last complete event (a stream cut short)."""
        rest, self._buffer = self._buffer, b""
        return rest


def split_events(whole: bytes) -> list[tuple[bytes, bytes]]:
    """Whole events (what `feed_whole` returns) as (event, separator) pairs."""
    events: list[tuple[bytes, bytes]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(whole):
        events.append((whole[start : boundary.start()], boundary.group()))
        start = boundary.end()
    return events


def event_data(event: bytes) -> bytes | None:
    """The payload of a one-line `data:` event, or None for comments and other fields."""
    if not event.startswith(_DATA):
        return None
    return event[len(_DATA) :].strip()
