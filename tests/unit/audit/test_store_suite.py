"""One suite, every audit store: the written trail verifies, and each kind of tampering is
named at the record where it happened. Runs against segment files and a real PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from app.audit.chain import canonical, link
from app.audit.reader import read_records
from app.audit.signing import Signer, generate_keypair, load_public_key
from app.audit.store import AuditStoreBusy, Segment
from app.audit.verify import Report, verify
from app.audit.writer import ChainWriter
from tests.unit.audit.conftest import Keys, Trail, event, seal_of

RECORDS = 25
PER_SEGMENT = 10


def _write(trail: Trail, signer: Signer | None, numbers: range, *, seal: bool = True) -> None:
    store = trail.open()
    try:
        writer = ChainWriter(store, signer, PER_SEGMENT)
        writer.write([event(n) for n in numbers])
        if seal:
            writer.seal_open()
    finally:
        store.close()


def _verify(trail: Trail, keys: Keys) -> Report:
    store = trail.open()
    try:
        return verify(store.segments(), load_public_key(keys.public))
    finally:
        store.close()


@pytest.fixture
def written(trail: Trail, keys: Keys) -> Trail:
    _write(trail, keys.signer, range(1, RECORDS + 1))
    return trail


def test_written_trail_verifies_and_reads_back_in_order(written: Trail, keys: Keys) -> None:
    report = _verify(written, keys)
    assert report.broken is None
    assert (report.records, report.segments, report.sealed) == (RECORDS, 3, 3)
    store = written.open()
    try:
        records = list(read_records(store))
    finally:
        store.close()
    assert [r["seq"] for r in records] == list(range(1, RECORDS + 1))
    assert [r["request_id"] for r in records] == [f"req_{n:04d}" for n in range(1, RECORDS + 1)]
    assert records[0]["prev"] == "0" * 64
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(records))


def _lines(segments: list[Segment]) -> list[bytes]:
    return [line for s in segments for line in s.lines]


def _regroup(segments: list[Segment], lines: list[bytes]) -> list[Segment]:
    """Put `lines` back into the segments, keeping each segment's length (the last takes
    the rest) and its seal."""
    out, start = [], 0
    for i, s in enumerate(segments):
        end = len(lines) if i == len(segments) - 1 else start + len(s.lines)
        out.append(Segment(s.number, lines[start:end], s.seal))
        start = end
    return out


def _edit(line: bytes, rehash: bool) -> bytes:
    record = orjson.loads(line)
    record["status"] = 500
    if not rehash:
        return canonical(record)
    body = {k: v for k, v in record.items() if k not in ("seq", "prev", "hash")}
    return link(body, record["seq"], record["prev"])[0]


def _forged_after(line: bytes) -> bytes:
    before = orjson.loads(line)
    return link({"request_id": "req_forged", "status": 200}, before["seq"] + 1, before["hash"])[0]


def _edited(segs: list[Segment]) -> list[Segment]:
    lines = _lines(segs)
    lines[13] = _edit(lines[13], rehash=False)
    return _regroup(segs, lines)


def _edited_rehashed(segs: list[Segment]) -> list[Segment]:
    lines = _lines(segs)
    lines[13] = _edit(lines[13], rehash=True)
    return _regroup(segs, lines)


def _deleted(segs: list[Segment]) -> list[Segment]:
    lines = _lines(segs)
    del lines[13]
    return [*_regroup(segs[:2], lines[:19]), Segment(3, lines[19:], segs[2].seal)]


def _reordered(segs: list[Segment]) -> list[Segment]:
    lines = _lines(segs)
    lines[13], lines[14] = lines[14], lines[13]
    return _regroup(segs, lines)


def _inserted(segs: list[Segment]) -> list[Segment]:
    lines = _lines(segs)
    lines.insert(13, _forged_after(lines[12]))
    return [*_regroup(segs[:2], lines[:21]), Segment(3, lines[21:], segs[2].seal)]


def _truncated(segs: list[Segment]) -> list[Segment]:
    last = segs[-1]
    return [*segs[:-1], Segment(last.number, last.lines[:-1], last.seal)]


def _torn(segs: list[Segment]) -> list[Segment]:
    last = segs[-1]
    torn = last.lines[-1][: len(last.lines[-1]) // 2]
    return [*segs[:-1], Segment(last.number, [*last.lines[:-1], torn], last.seal)]


def _seal_removed(segs: list[Segment]) -> list[Segment]:
    return [segs[0], Segment(2, segs[1].lines, None), segs[2]]


def _segment_removed(segs: list[Segment]) -> list[Segment]:
    return [segs[0], segs[2]]


def _extended(segs: list[Segment]) -> list[Segment]:
    last = segs[-1]
    return [
        *segs[:-1],
        Segment(last.number, [*last.lines, _forged_after(last.lines[-1])], last.seal),
    ]


@pytest.mark.parametrize(
    ("change", "seq", "reason"),
    [
        (_edited, 14, "record edited"),
        (_edited_rehashed, 15, "prev does not match"),
        (_deleted, 14, "found seq 15"),
        (_reordered, 14, "found seq 15"),
        (_inserted, 15, "found seq 14"),
        (_truncated, 25, "truncated"),
        (_torn, 25, "unreadable record"),
        (_seal_removed, 20, "segment has no seal"),
        (_segment_removed, 11, "segment missing"),
        (_extended, 26, "truncated or appended"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)).strip("_"),
)
def test_tampering_is_named_at_the_first_broken_link(
    written: Trail, keys: Keys, change: object, seq: int, reason: str
) -> None:
    written.rewrite(change)  # type: ignore[arg-type]
    report = _verify(written, keys)
    assert report.broken is not None, "tampering went undetected"
    assert report.broken.seq == seq
    assert reason in report.broken.reason


def test_a_seal_signed_by_another_key_fails(written: Trail, tmp_path: Path) -> None:
    generate_keypair(tmp_path / "other.pem", tmp_path / "other.pub.pem")
    store = written.open()
    try:
        report = verify(store.segments(), load_public_key(tmp_path / "other.pub.pem"))
    finally:
        store.close()
    assert report.broken is not None
    assert (report.broken.seq, report.broken.reason) == (
        1,
        "seal signature does not verify with this public key",
    )


def test_unsigned_seals_do_not_verify(trail: Trail, keys: Keys) -> None:
    _write(trail, None, range(1, 4))
    report = _verify(trail, keys)
    assert report.broken is not None
    assert "not signed" in report.broken.reason


def test_an_open_tail_is_chained_and_reported(trail: Trail, keys: Keys) -> None:
    _write(trail, keys.signer, range(1, 14), seal=False)
    report = _verify(trail, keys)
    assert report.broken is None
    assert (report.records, report.sealed) == (13, 1)
    assert report.notes == ["segment 2 is still open: its 3 records are chained but not yet sealed"]


def test_a_restart_continues_the_chain(trail: Trail, keys: Keys) -> None:
    _write(trail, keys.signer, range(1, 8), seal=False)
    _write(trail, keys.signer, range(8, 16))
    _write(trail, keys.signer, range(16, 19))
    report = _verify(trail, keys)
    assert report.broken is None
    assert (report.records, report.segments, report.sealed) == (18, 3, 3)


def test_a_second_writer_is_refused(trail: Trail) -> None:
    first = trail.open()
    try:
        first.head()
        second = trail.open()
        try:
            with pytest.raises(AuditStoreBusy):
                second.head()
        finally:
            second.close()
    finally:
        first.close()
    released = trail.open()
    try:
        assert released.head().seq == 0
    finally:
        released.close()


def _kordon(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # Another machine: no KORDON_* settings, no private key, only the trail and the public key.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KORDON_")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "audit", "verify", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_verified_elsewhere_with_only_the_public_key(
    written: Trail, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    public = elsewhere / "trail.pub.pem"
    shutil.copy(keys.public, public)
    args = list(written.verify_args)
    if args[0] == "--dir":
        args[1] = str(shutil.copytree(args[1], elsewhere / "trail"))
    assert [p.name for p in elsewhere.rglob("*.pem")] == ["trail.pub.pem"]
    ok = _kordon([*args, "--public-key", str(public)], elsewhere)
    assert ok.returncode == 0, ok.stderr
    assert f"ok: {RECORDS} records, 3 segments, 3 sealed" in ok.stdout

    if args[0] == "--dir":
        target = Path(args[1]) / "segment-00000002.jsonl"
        lines = target.read_bytes().splitlines()
        lines[3] = _edit(lines[3], rehash=False)
        target.write_bytes(b"".join(line + b"\n" for line in lines))
    else:
        written.rewrite(_edited)
    broken = _kordon([*args, "--public-key", str(public)], elsewhere)
    assert broken.returncode == 1
    assert "BROKEN at seq 14 (segment 2): content does not match its hash" in broken.stderr


def test_seal_of_each_segment_names_its_last_record(written: Trail) -> None:
    store = written.open()
    try:
        seals = [seal_of(s) for s in store.segments()]
    finally:
        store.close()
    assert [(s.first_seq, s.last_seq) for s in seals] == [(1, 10), (11, 20), (21, 25)]
