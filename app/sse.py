"""Server-sent events: split bytes into whole events (separators kept verbatim), read `data:`.

Shared by the executor (splitting upstream streams) and protect (restoring placeholders in them),
so it sits below both.
"""

from __future__ import annotations

import re

__all__ = ["SseSplitter", "event_data"]

# An event ends at a blank line; servers use \n\n, some \r\n\r\n.
_BOUNDARY = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_DATA = b"data:"


class SseSplitter:
    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes]]:
        """Return the events completed by ``chunk`` as (event, separator) pairs."""
        buffer = self._buffer + chunk
        events: list[tuple[bytes, bytes]] = []
        start = 0
        for boundary in _BOUNDARY.finditer(buffer):
            events.append((buffer[start : boundary.start()], boundary.group()))
            start = boundary.end()
        self._buffer = buffer[start:]
        return events

    def flush(self) -> bytes:
        """Whatever followed the last complete event (a stream cut short)."""
        rest, self._buffer = self._buffer, b""
        return rest


def event_data(event: bytes) -> bytes | None:
    """The payload of a one-line `data:` event, or None for comments and other fields."""
    if not event.startswith(_DATA):
        return None
    return event[len(_DATA) :].strip()
