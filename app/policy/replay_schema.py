"""The replay report's JSON schema, `kordon.replay/v1` (docs/policy-lifecycle-replay.md).

CI parses this document, so it is checked against these models before it is written: a field
is only renamed or removed with a new schema version.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ReplayReport"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class BundleRef(_Closed):
    path: str
    revision: str | None


class Baseline(_Closed):
    kind: Literal["recorded", "bundle"]
    path: str | None = None
    revision: str | None = None


class Records(_Closed):
    read: int = Field(ge=0)
    replayed: int = Field(ge=0)
    skipped: int = Field(ge=0)
    changed: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    recorded_revisions: dict[str, int]


class Transition(_Closed):
    change: str
    count: int = Field(ge=1)
    examples: list[str]


class ChangeKind(_Closed):
    count: int = Field(ge=0)
    by_tenant: dict[str, int]
    examples: list[str]
    transitions: list[Transition]
    transitions_omitted: int = Field(ge=0)


class Changes(_Closed):
    allow: ChangeKind
    region: ChangeKind
    routes: ChangeKind
    redaction: ChangeKind
    quota_limits: ChangeKind
    invalid: ChangeKind


class GateResult(_Closed):
    name: str
    description: str
    source: Literal["flag", "candidate"]
    passed: bool
    count: int = Field(ge=0)
    by_tenant: dict[str, int]
    examples: list[str]


class Timing(_Closed):
    seconds: float
    decisions_per_s: int


class ReplayReport(_Closed):
    schema_: Literal["kordon.replay/v1"] = Field(alias="schema")
    candidate: BundleRef
    baseline: Baseline
    records: Records
    changes: Changes
    gates: list[GateResult]
    passed: bool
    timing: Timing
