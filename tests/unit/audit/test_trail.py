"""The bounded queue in front of the writer: admission, the queue-full policy, draining."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.audit.file_store import FileAuditStore
from app.audit.reader import read_records
from app.audit.signing import load_public_key
from app.audit.trail import AuditTrail
from app.audit.verify import verify
from app.errors import AuditUnavailable
from app.schemas.contract import Audit
from tests.unit.audit.conftest import Keys, event

DENY = Audit(level="metadata", on_queue_full="deny")
ALLOW = Audit(level="metadata", on_queue_full="allow")


def _trail(directory: Path, keys: Keys, capacity: int, **kw: float) -> AuditTrail:
    return AuditTrail(
        lambda: FileAuditStore(directory),
        keys.signer,
        capacity=capacity,
        segment_records=int(kw.get("segment_records", 100)),
        segment_seconds=kw.get("segment_seconds", 3600.0),
    )


def _stored(directory: Path) -> list[dict[str, object]]:
    return list(read_records(FileAuditStore(directory)))


def test_a_full_queue_refuses_when_the_policy_says_deny(tmp_path: Path, keys: Keys) -> None:
    trail = _trail(tmp_path, keys, capacity=2)
    assert trail.admit(DENY) is True
    assert trail.admit(DENY) is True
    with pytest.raises(AuditUnavailable) as refused:
        trail.admit(DENY)
    assert (refused.value.status, refused.value.code) == (503, "audit_unavailable")


def test_a_full_queue_serves_unrecorded_when_the_policy_says_allow(
    tmp_path: Path, keys: Keys
) -> None:
    async def scenario() -> None:
        trail = _trail(tmp_path, keys, capacity=1)
        await trail.start()
        held = trail.admit(DENY)
        assert trail.admit(ALLOW) is False
        trail.record(False, event(99))  # no room: dropped, counted
        trail.record(held, event(1))
        await trail.close()
        assert trail.dropped == 1

    asyncio.run(scenario())
    assert [r["request_id"] for r in _stored(tmp_path)] == ["req_0001"]


def test_close_drains_everything_and_seals(tmp_path: Path, keys: Keys) -> None:
    count = 250

    async def scenario() -> None:
        trail = _trail(tmp_path, keys, capacity=1000, segment_records=100)
        await trail.start()
        for n in range(1, count + 1):
            trail.record(trail.admit(DENY), event(n))
            if n % 50 == 0:
                await asyncio.sleep(0)  # let the writer take some batches mid-way
        await trail.close()

    asyncio.run(scenario())
    assert [r["seq"] for r in _stored(tmp_path)] == list(range(1, count + 1))
    report = verify(FileAuditStore(tmp_path).segments(), load_public_key(keys.public))
    assert report.broken is None
    assert (report.records, report.segments, report.sealed) == (count, 3, 3)


def test_an_idle_open_segment_is_sealed_by_age(tmp_path: Path, keys: Keys) -> None:
    async def scenario() -> None:
        trail = _trail(tmp_path, keys, capacity=10, segment_seconds=0.01)
        await trail.start()
        trail.record(trail.admit(DENY), event(1))
        # Waiting on the file system, not on a task: nothing to set an Event.
        while not (tmp_path / "segment-00000001.seal.json").exists():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        trail.record(trail.admit(DENY), event(2))
        await trail.close()

    asyncio.run(asyncio.wait_for(scenario(), 30))
    segments = list(FileAuditStore(tmp_path).segments())
    assert [(s.number, len(s.lines)) for s in segments] == [(1, 1), (2, 1)]
