"""Counts for a replay report: per change kind and per gate, by tenant and transition, with a
few example decision ids each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXAMPLES", "Tally"]

EXAMPLES = 3  # example decision ids kept per change kind, transition and gate
_TRANSITIONS = 20  # most frequent transitions reported per kind


@dataclass
class Tally:
    count: int = 0
    by_tenant: Counter[str] = field(default_factory=Counter)
    transitions: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    transition_examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, tenant: str, decision_id: str, transitions: Iterable[str] = ()) -> None:
        self.count += 1
        self.by_tenant[tenant] += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(decision_id)
        for transition in transitions:
            self.transitions[transition] += 1
            examples = self.transition_examples.setdefault(transition, [])
            if len(examples) < EXAMPLES:
                examples.append(decision_id)

    def as_dict(self, *, with_transitions: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": self.count,
            "by_tenant": dict(sorted(self.by_tenant.items())),
            "examples": list(self.examples),
        }
        if with_transitions:
            # Most frequent first, ties by name, so the JSON is stable for the same input.
            top = sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0]))[:_TRANSITIONS]
            out["transitions"] = [
                {"change": name, "count": n, "examples": self.transition_examples[name]}
                for name, n in top
            ]
            out["transitions_omitted"] = max(0, len(self.transitions) - _TRANSITIONS)
        return out
