"""The detector seam: one Protocol every personal-data detector implements, and its helpers.

A detector is one method wide (``find``) and declares the categories it can report, so the
scanner can pick detectors by the category names the policy asks for. Detectors never keep
the values they find: a :class:`~app.protect.findings.Finding` is a category and a span.
A detector may also declare a ``hint``, an RE2 pattern every text it finds something in
matches, so the scanner can skip it for other texts (:mod:`app.protect.prefilter`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Protocol

from app.protect.findings import Finding

__all__ = ["Detector", "DetectorUnavailableError", "nearest_label"]


class Detector(Protocol):
    """Finds personal data of the ``categories`` it declares inside one text."""

    categories: frozenset[str]

    def find(self, text: str) -> Iterator[Finding]:
        """Yield every finding in ``text``, in any order; overlaps are the scanner's job."""
        ...


class DetectorUnavailableError(RuntimeError):
    """An optional detector was asked to run but its library is not installed."""


def nearest_label(labels: re.Pattern[str], text: str, start: int, window: int) -> str | None:
    """Name the group of the label nearest before ``start`` (within ``window`` characters).

    ``labels`` is an alternation of named groups, one per category. The *nearest* label wins
    so that "ИНН 7707083893, паспорт 4512345678" gives each number its own label.
    """
    last = deque(labels.finditer(text, max(0, start - window), start), maxlen=1)
    return last[0].lastgroup if last else None
