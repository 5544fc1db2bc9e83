"""The replay report's JSON schema, `kordon.replay/v1` (docs/policy-lifecycle-replay.md).

CI parses this document, so it is checked against these types before it is written (closed:
an unknown field is an error; strict: no "1" for 1): a field is only renamed or removed with a
new schema version.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from app.schemas.bounds import Count, Positive

__all__ = ["ReplayReport", "check_report"]


class _Closed(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class BundleRef(_Closed, frozen=True):
    path: str
    revision: str | None


class Baseline(_Closed, frozen=True):
    kind: Literal["recorded", "bundle"]
    path: str | None = None
    revision: str | None = None


class Records(_Closed, frozen=True):
    read: Count
    replayed: Count
    skipped: Count
    changed: Count
    unchanged: Count
    recorded_revisions: dict[str, int]


class Transition(_Closed, frozen=True):
    change: str
    count: Positive
    examples: list[str]


class ChangeKind(_Closed, frozen=True):
    count: Count
    by_tenant: dict[str, int]
    examples: list[str]
    transitions: list[Transition]
    transitions_omitted: Count


class Changes(_Closed, frozen=True):
    allow: ChangeKind
    region: ChangeKind
    routes: ChangeKind
    redaction: ChangeKind
    quota_limits: ChangeKind
    invalid: ChangeKind


class GateResult(_Closed, frozen=True):
    name: str
    description: str
    source: Literal["flag", "candidate"]
    passed: bool
    count: Count
    by_tenant: dict[str, int]
    examples: list[str]


class Timing(_Closed, frozen=True):
    seconds: float
    decisions_per_s: int


class ReplayReport(_Closed, frozen=True):
    schema_: Literal["kordon.replay/v1"] = msgspec.field(name="schema")
    candidate: BundleRef
    baseline: Baseline
    records: Records
    changes: Changes
    gates: list[GateResult]
    passed: bool
    timing: Timing


def check_report(report: object) -> None:
    """Raise msgspec.ValidationError, naming the first field, unless `report` is a valid
    `kordon.replay/v1` document."""
    msgspec.convert(report, ReplayReport)
