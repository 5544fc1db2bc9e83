"""Tenant patterns: detectors a compliance team defines in bundle data as ``{category, regex}``.

The regexes come from a signed policy bundle, so they are trusted like code: they are
compiled once, checked when the bundle loads, and never built from request data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from app.protect.findings import Finding

__all__ = ["PatternDetector"]


class PatternDetector:
    """Finds every match of each ``{"category": …, "regex": …}`` entry."""

    categories: frozenset[str]

    def __init__(self, entries: Iterable[Mapping[str, str]]) -> None:
        """Compile the entries; raise ValueError naming the entry that is malformed."""
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for index, entry in enumerate(entries):
            category, regex = entry.get("category"), entry.get("regex")
            if not category or not isinstance(category, str) or not isinstance(regex, str):
                raise ValueError(f"pattern {index}: needs a 'category' and a 'regex' string")
            try:
                pattern = re.compile(regex)
            except re.error as exc:
                raise ValueError(f"pattern {index} ({category}): {exc}") from exc
            if pattern.fullmatch(""):
                raise ValueError(f"pattern {index} ({category}): matches the empty string")
            compiled.append((category, pattern))
        self._patterns = tuple(compiled)
        self.categories = frozenset(category for category, _ in compiled)

    def find(self, text: str) -> Iterator[Finding]:
        """Yield every non-empty match of every pattern."""
        for category, pattern in self._patterns:
            for match in pattern.finditer(text):
                start, end = match.span()
                if end > start:
                    yield Finding(category, start, end)
