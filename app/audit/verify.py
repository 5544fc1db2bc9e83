"""Verify a trail: every link of the chain and every segment's signed seal.

Needs only the records, the seals and the public key. The first broken link is named by
the sequence number where the trail stops being what was written, and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
from nacl.signing import VerifyKey

from app.audit.chain import GENESIS, canonical, record_hash
from app.audit.signing import Seal, seal_valid
from app.audit.store import Segment

__all__ = ["Broken", "Report", "verify"]


@dataclass(frozen=True, slots=True)
class Broken:
    seq: int
    segment: int
    reason: str

    def __str__(self) -> str:
        return f"seq {self.seq} (segment {self.segment}): {self.reason}"


@dataclass(slots=True)
class Report:
    records: int = 0
    segments: int = 0
    sealed: int = 0
    broken: Broken | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass(slots=True)
class _Cursor:
    seq: int = 0
    hash: str = GENESIS


def _check_record(line: bytes, cursor: _Cursor) -> str | None:
    """Why `line` is not the next link after `cursor`, or None (then the cursor moves)."""
    expected = cursor.seq + 1
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "unreadable record (truncated or corrupted)"
    if not isinstance(record, dict):
        return "unreadable record (not an object)"
    if record.get("seq") != expected:
        return f"found seq {record.get('seq')!r} (a record deleted, inserted or reordered)"
    if record.get("prev") != cursor.hash:
        return "prev does not match the previous record's hash (a record replaced or inserted)"
    if record.get("hash") != record_hash(record) or canonical(record) != line:
        return "content does not match its hash (record edited)"
    cursor.seq, cursor.hash = expected, str(record["hash"])
    return None


def _check_seal(
    segment: Segment, seal: Seal, first: int, cursor: _Cursor, public: VerifyKey
) -> tuple[int, str] | None:
    """Where and why the seal and the segment disagree: at the first record they differ on,
    or, when the seal itself is untrustworthy, at the segment's first record."""
    if (seal.segment, seal.first_seq) != (segment.number, first):
        return first, f"seal names segment {seal.segment} from seq {seal.first_seq}"
    if seal.last_seq != cursor.seq:
        return min(cursor.seq, seal.last_seq) + 1, (
            f"seal covers seq {seal.first_seq}..{seal.last_seq} but the segment ends at seq "
            f"{cursor.seq} (records truncated or appended)"
        )
    if seal.last_hash != cursor.hash:
        return cursor.seq, "seal's last hash differs from the last record's (segment rewritten)"
    if seal.signature is None:
        return first, "segment seal is not signed (no signing key was configured)"
    if not seal_valid(seal, public):
        return first, "seal signature does not verify with this public key"
    return None


def verify(segments: Iterable[Segment], public: VerifyKey) -> Report:
    report = Report()
    cursor = _Cursor()
    listed = list(segments)
    for index, segment in enumerate(listed):
        report.segments += 1
        if segment.number != index + 1:
            report.broken = Broken(cursor.seq + 1, index + 1, "segment missing")
            return report
        first = cursor.seq + 1
        for line in segment.lines:
            reason = _check_record(line, cursor)
            if reason is not None:
                report.broken = Broken(cursor.seq + 1, segment.number, reason)
                return report
            report.records += 1
        if segment.seal is None:
            if index == len(listed) - 1:
                report.notes.append(
                    f"segment {segment.number} is still open: its {len(segment.lines)} records "
                    "are chained but not yet sealed"
                )
                continue
            report.broken = Broken(cursor.seq, segment.number, "segment has no seal")
            return report
        mismatch = _check_seal(segment, segment.seal, first, cursor, public)
        if mismatch is not None:
            report.broken = Broken(mismatch[0], segment.number, mismatch[1])
            return report
        report.sealed += 1
    return report
