"""The one value type shared by detectors and the protect actions."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of personal data inside one text: ``text[start:end]`` is the value.

    The value itself is never stored here, so a Finding may be counted, logged or put in
    the policy input without leaking what it points at.
    """

    category: str
    start: int
    end: int
