"""Tenant patterns: detectors a compliance team defines in bundle data as ``{category, regex}``.

The regexes come from a signed policy bundle, but one careless pattern (``(a+)+$``) would let
any request stall a worker for every tenant under a backtracking engine. So they run on RE2
(google-re2), whose matching is linear in the text: a pattern RE2 cannot compile
(backreferences, look-arounds) is refused at bundle build (``app.policy.bundle_checks``) and
again here, where the tenant's plan then fails closed. RE2's ``\\d``, ``\\w`` and ``\\b`` are
ASCII-only; Cyrillic needs explicit ranges (``[А-Яа-яЁё]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import re2

from app.protect.findings import Finding

__all__ = ["PatternDetector", "compile_pattern"]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the error is raised (and named) here; no stray stderr lines


def compile_pattern(regex: str) -> Any:
    """Compile ``regex`` with RE2; raise ValueError saying why it cannot be used."""
    try:
        pattern = re2.compile(regex, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode(errors="replace")
        raise ValueError(f"not a linear-time (RE2) regex: {reason}") from exc
    if pattern.fullmatch(""):
        raise ValueError("matches the empty string")
    return pattern


class PatternDetector:
    """Finds every match of each ``{"category": …, "regex": …}`` entry."""

    categories: frozenset[str]

    def __init__(self, entries: Iterable[Mapping[str, str]]) -> None:
        """Compile the entries; raise ValueError naming the entry that is malformed."""
        compiled: list[tuple[str, Any]] = []
        for index, entry in enumerate(entries):
            category, regex = entry.get("category"), entry.get("regex")
            if not category or not isinstance(category, str) or not isinstance(regex, str):
                raise ValueError(f"pattern {index}: needs a 'category' and a 'regex' string")
            try:
                compiled.append((category, compile_pattern(regex)))
            except ValueError as exc:
                raise ValueError(f"pattern {index} ({category}) {regex!r}: {exc}") from exc
        self._patterns = tuple(compiled)
        self.categories = frozenset(category for category, _ in compiled)

    def find(self, text: str) -> Iterator[Finding]:
        """Yield every non-empty match of every pattern."""
        for category, pattern in self._patterns:
            for match in pattern.finditer(text):
                start, end = match.span()
                if end > start:
                    yield Finding(category, start, end)
