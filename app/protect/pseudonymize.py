"""Reversible pseudonymization: personal data out, stable placeholders in.

Each distinct value becomes a placeholder such as ``[EMAIL_1]`` or ``[RU_PASSPORT_2]``: the
category in upper case, an index per category, in square brackets. Why this shape:

- It costs five tokens in cl100k/o200k (``[``, ``EMAIL``, ``_``, ``1``, ``]``). Rarer brackets
  such as ``⟦EMAIL_1⟧`` are split into three raw byte tokens on each side, which is both longer
  and exactly the kind of token sequence models copy back wrongly.
- Models read it as "a named slot of kind EMAIL" and reproduce it verbatim, including inside
  markdown bold, backticks or quotes, none of which touch the brackets or the body.
- The body is ASCII ``[A-Za-z0-9_]``, so the restorer can match it case-insensitively
  (``[email_1]``) without Unicode case-mapping surprises.
- Ordinary text does hold bracketed words (``[1]``, ``[TODO]``), but the restorer only ever
  replaces the exact placeholders of this request's mapping, and a literal ``[EMAIL_1]`` already
  present in the input is reserved so it is never handed out (the round trip stays exact).

The same value always gets the same placeholder: within one request, and across a session when
the caller seeds the Pseudonymizer with the mapping loaded from the vault. The mapping lives in
memory only; persisting it is the vault's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from app.protect.findings import Finding

__all__ = ["PLACEHOLDER_RE", "Pseudonymizer", "non_overlapping"]

# Anything of placeholder shape; the restorer matches this and then looks the token up.
PLACEHOLDER_RE = re.compile(r"\[[A-Za-z0-9_]+\]")
# A placeholder this module issues: ``[LABEL_N]``; the index follows the last underscore.
_ISSUED = re.compile(r"\[([A-Z0-9_]+)_([0-9]+)\]")
_NOT_LABEL = re.compile(r"[^A-Z0-9]+")


def non_overlapping(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """The findings in text order with overlaps removed; raise ValueError on a span outside text.

    Detectors may report nested or overlapping spans (a phone inside an address). The earliest
    span wins and, on a tie, the longest, so an outer span always swallows what it contains.
    """
    size = len(text)
    ordered = sorted(findings, key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    end = 0
    for finding in ordered:
        if not 0 <= finding.start < finding.end <= size:
            # Offsets only: the message must not quote the text.
            raise ValueError(
                f"finding {finding.category} [{finding.start}, {finding.end}) "
                f"is empty or outside a text of {size} characters"
            )
        if finding.start >= end:
            kept.append(finding)
            end = finding.end
    return kept


def _label(category: str) -> str:
    return _NOT_LABEL.sub("_", category.upper()).strip("_") or "PII"


class Pseudonymizer:
    """Replaces findings with placeholders for one request, optionally seeded from a session.

    ``mapping`` (placeholder → original) is what the restorer and the vault take.
    """

    __slots__ = ("_by_value", "_mapping", "_next", "_reserved")

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self._mapping: dict[str, str] = {}
        self._by_value: dict[str, str] = {}
        self._next: dict[str, int] = {}
        # Lower-cased placeholder-shaped tokens seen literally in the input: never issued, so
        # the restorer cannot turn the user's own "[EMAIL_1]" into somebody's address.
        self._reserved: set[str] = set()
        for placeholder, value in (mapping or {}).items():
            issued = _ISSUED.fullmatch(placeholder)
            if issued is None:
                raise ValueError("a session mapping key is not a placeholder")
            label, index = issued.group(1), int(issued.group(2))
            self._mapping[placeholder] = value
            self._by_value.setdefault(value, placeholder)
            self._next[label] = max(self._next.get(label, 1), index + 1)

    @property
    def mapping(self) -> Mapping[str, str]:
        """Placeholder → original value, read-only and live."""
        return MappingProxyType(self._mapping)

    def apply(self, text: str, findings: Iterable[Finding]) -> str:
        """Return text with every finding replaced by its value's placeholder."""
        self._reserved.update(token.lower() for token in PLACEHOLDER_RE.findall(text))
        parts: list[str] = []
        pos = 0
        for finding in non_overlapping(text, findings):
            parts.append(text[pos : finding.start])
            parts.append(self._placeholder(finding.category, text[finding.start : finding.end]))
            pos = finding.end
        if not parts:
            return text
        parts.append(text[pos:])
        return "".join(parts)

    def _placeholder(self, category: str, value: str) -> str:
        placeholder = self._by_value.get(value)
        if placeholder is not None:
            return placeholder
        label = _label(category)
        index = self._next.get(label, 1)
        placeholder = f"[{label}_{index}]"
        while placeholder.lower() in self._reserved:
            index += 1
            placeholder = f"[{label}_{index}]"
        self._next[label] = index + 1
        self._mapping[placeholder] = value
        self._by_value[value] = placeholder
        return placeholder
