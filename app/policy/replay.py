"""Replay recorded input documents against a candidate bundle and report what would change.

The candidate's decisions are compared with what actually happened (the recorded decision), or
with a baseline bundle's decisions for the same inputs. Both bundles are evaluated by a real
OPA (`replay_opa`). The result is a JSON-ready report (schema in
docs/policy-lifecycle-replay.md); `replay_report` renders it as text or Markdown.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.policy.replay_diff import KINDS, diff
from app.policy.replay_gates import Case, Gate, World, resolve
from app.policy.replay_opa import BundleOpa, running_bundle
from app.policy.replay_records import Recorded
from app.policy.replay_tally import Tally

__all__ = ["REPORT_SCHEMA", "ReplayRequest", "replay"]

REPORT_SCHEMA = "kordon.replay/v1"
BATCH = 1000
IN_FLIGHT = 3  # batches at OPA at once: one per core, one queued while Python compares


@dataclass(frozen=True)
class ReplayRequest:
    opa_binary: str
    candidate: Path
    baseline: Path | None = None
    gates: Sequence[str] = ()
    gates_from_candidate: bool = False
    # `opa run`'s signature flags (`--verification-key` …) for signed bundles.
    verification: Sequence[str] = ()
    # Called with the number of records just dealt with (a progress bar's update).
    progress: Callable[[int], None] | None = None


@dataclass
class _Totals:
    read: int = 0
    replayed: int = 0
    skipped: int = 0
    changed: int = 0
    revisions: Counter[str] = field(default_factory=Counter)
    kinds: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})


async def _world(opa: BundleOpa) -> World:
    providers = await opa.data("providers") or {}
    tenants = await opa.data("tenants") or {}
    return World(
        provider_regions=_field(providers, "region"),
        tenant_jurisdictions=_field(tenants, "jurisdiction"),
    )


def _field(documents: object, name: str) -> dict[str, str]:
    """`name` of each keyed document that has it (bundle data the schema does not bind)."""
    if not isinstance(documents, dict):
        return {}
    return {k: str(v[name]) for k, v in documents.items() if isinstance(v, dict) and name in v}


async def _candidate_gates(opa: BundleOpa) -> list[str]:
    declared = await opa.data("kordon_release/forbidden_changes")
    if declared is None:
        return []
    if not isinstance(declared, list) or not all(isinstance(x, str) for x in declared):
        raise ValueError("data.kordon_release.forbidden_changes must be a list of gate names")
    return declared


# A batch of records, the candidate's decisions, and the decisions they are compared with.
_Decided = tuple[list[Recorded], list[dict[str, Any] | None], list[dict[str, Any]]]


async def _decided(
    batches: Iterable[list[Recorded]], candidate: BundleOpa, baseline: BundleOpa | None
) -> AsyncIterator[_Decided]:
    """Per batch: the records, the candidate's decisions and the decisions to compare with;
    IN_FLIGHT batches are evaluated while earlier ones are compared."""

    async def decide(batch: list[Recorded]) -> _Decided:
        documents = [r.input for r in batch]
        after = candidate.decide(documents)
        if baseline is None:
            return batch, await after, [r.decision for r in batch]
        before = baseline.decide(documents)
        got_after, got_before = await asyncio.gather(after, before)
        # An undefined baseline decision compares as a deny without a region.
        return batch, got_after, [d if d is not None else {} for d in got_before]

    pending: list[asyncio.Task[_Decided]] = []
    try:
        for batch in batches:
            pending.append(asyncio.create_task(decide(batch)))
            if len(pending) >= IN_FLIGHT:
                yield await pending.pop(0)
        while pending:
            yield await pending.pop(0)
    finally:
        for task in pending:
            task.cancel()


def _replayable(records: Iterable[Recorded | None], totals: _Totals) -> Iterator[Recorded]:
    for record in records:
        totals.read += 1
        if record is None:
            totals.skipped += 1
            continue
        totals.revisions[record.revision or "(none)"] += 1
        yield record


def _batched(items: Iterable[Recorded], size: int) -> Iterator[list[Recorded]]:
    batch: list[Recorded] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _Run:
    gates: list[Gate]
    sources: dict[str, str]
    world: World
    totals: _Totals = field(default_factory=_Totals)
    violations: dict[str, Tally] = field(default_factory=dict)

    @classmethod
    async def prepare(cls, candidate: BundleOpa, request: ReplayRequest) -> _Run:
        flagged = resolve(request.gates)
        declared = (
            resolve(await _candidate_gates(candidate)) if request.gates_from_candidate else []
        )
        sources = {gate.name: "flag" for gate in flagged}
        for gate in declared:
            sources.setdefault(gate.name, "candidate")
        gates = resolve(sources)  # each gate once, flags first
        return cls(
            gates, sources, await _world(candidate), _Totals(), {g.name: Tally() for g in gates}
        )

    def compare(
        self,
        batch: list[Recorded],
        after: list[dict[str, Any] | None],
        before: list[dict[str, Any]],
    ) -> None:
        totals = self.totals
        for record, candidate, previous in zip(batch, after, before, strict=True):
            totals.replayed += 1
            changes = diff(previous, candidate)
            if changes:
                totals.changed += 1
            for change in changes:
                totals.kinds[change.kind].add(record.tenant, record.decision_id, change.transitions)
            valid = None if changes and changes[0].kind == "invalid" else candidate
            case = Case(record.tenant, record.input, previous, valid)
            for gate in self.gates:
                if gate.violated(case, self.world):
                    self.violations[gate.name].add(record.tenant, record.decision_id)

    def report(self, header: dict[str, Any], seconds: float) -> dict[str, Any]:
        totals = self.totals
        return {
            "schema": REPORT_SCHEMA,
            **header,
            "records": {
                "read": totals.read,
                "replayed": totals.replayed,
                "skipped": totals.skipped,
                "changed": totals.changed,
                "unchanged": totals.replayed - totals.changed,
                "recorded_revisions": dict(sorted(totals.revisions.items())),
            },
            "changes": {kind: tally.as_dict() for kind, tally in totals.kinds.items()},
            "gates": [
                {
                    "name": gate.name,
                    "description": gate.description,
                    "source": self.sources[gate.name],
                    "passed": self.violations[gate.name].count == 0,
                    **self.violations[gate.name].as_dict(with_transitions=False),
                }
                for gate in self.gates
            ],
            "passed": all(v.count == 0 for v in self.violations.values()),
            "timing": {
                "seconds": round(seconds, 3),
                "decisions_per_s": round(totals.replayed / seconds) if seconds else 0,
            },
        }


async def replay(records: Iterable[Recorded | None], request: ReplayRequest) -> dict[str, Any]:
    """Replay `records` and return the report (see docs/policy-lifecycle-replay.md)."""
    started = time.perf_counter()
    async with AsyncExitStack() as stack:
        candidate = await stack.enter_async_context(
            running_bundle(request.opa_binary, request.candidate, request.verification)
        )
        header: dict[str, Any] = {
            "candidate": {"path": str(request.candidate), "revision": await candidate.revision()},
            "baseline": {"kind": "recorded"},
        }
        baseline = None
        if request.baseline is not None:
            baseline = await stack.enter_async_context(
                running_bundle(request.opa_binary, request.baseline, request.verification)
            )
            header["baseline"] = {
                "kind": "bundle",
                "path": str(request.baseline),
                "revision": await baseline.revision(),
            }
        run = await _Run.prepare(candidate, request)
        batches = _batched(_replayable(records, run.totals), BATCH)
        reported = 0
        async for batch, after, before in _decided(batches, candidate, baseline):
            run.compare(batch, after, before)
            if request.progress is not None:
                # Records read, skipped ones included, so the bar ends at the file's count.
                request.progress(run.totals.read - reported)
                reported = run.totals.read
    return run.report(header, time.perf_counter() - started)
