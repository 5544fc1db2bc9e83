"""One pass over a text that tells which detectors cannot find anything in it.

A detector may declare a ``hint``: an RE2 pattern that every text holding one of its findings
matches (a card number needs four digits in a row, an IP address a dot or colon between
digits). All hints go into one ``re2.Set``, which reads the text once as a DFA, about a
microsecond per KB, where each detector's own regex costs ~10 µs per KB in Python's engine. A
detector whose hint is absent is skipped: it could not have found anything, so the findings
are the same. Whenever the set cannot answer (a text that is not valid UTF-8, the DFA out of
memory), every detector runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import re2

__all__ = ["Prefilter"]

# Matches every text: when the set reports it missing, the DFA gave up and the answer is void.
_ALWAYS = ""
# Answers kept per prefilter (one per distinct set of matched hints).
_ANSWERS = 1024


class Prefilter:
    """Which of a fixed list of detectors can match a text, from their ``hint`` patterns."""

    __slots__ = ("_all", "_answers", "_hinted", "_set")

    def __init__(self, hints: Sequence[str | None]) -> None:
        """``hints[i]`` is detector i's hint, or None for one that always runs."""
        options = re2.Options()
        options.log_errors = False  # a DFA out of memory is handled below, not printed
        self._set: Any = None  # re2.Set; re2 ships no types
        self._hinted: dict[int, int] = {}  # set index -> detector index
        self._all = tuple(range(len(hints)))
        # The runnable detectors per set of matched hints, each worked out once (a set
        # difference and a tuple per text cost ~1 µs). Up to 2^hints sets can occur, so at most
        # _ANSWERS are kept: past that, new sets are worked out each time (a tenant bundle with
        # many hints stays bounded; the shipped ones never get near it).
        self._answers: dict[tuple[int, ...], tuple[int, ...]] = {}
        if not any(hint is not None for hint in hints):
            return
        rules = re2.Set.SearchSet(options)
        rules.Add(_ALWAYS)  # index 0
        for position, hint in enumerate(hints):
            if hint is not None:
                self._hinted[rules.Add(hint)] = position
        rules.Compile()
        self._set = rules

    def runnable(self, text: str) -> tuple[int, ...]:
        """Indices of the detectors that may find something in ``text``, in order."""
        if self._set is None:
            return self._all
        try:
            matched = self._set.Match(text)
        except UnicodeEncodeError:  # a lone surrogate: RE2 reads UTF-8 only
            return self._all
        if not matched or 0 not in matched:
            return self._all  # RE2 gave up (its DFA out of memory): no answer, run them all
        key = tuple(sorted(matched))
        answer = self._answers.get(key)
        if answer is None:
            skipped = {self._hinted[index] for index in self._hinted.keys() - set(matched)}
            answer = tuple(i for i in self._all if i not in skipped)
            if len(self._answers) < _ANSWERS:
                self._answers[key] = answer
        return answer
