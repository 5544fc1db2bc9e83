"""The default audit store: append-only segment files in one directory.

    segment-00000001.jsonl       one canonical record per line
    segment-00000001.seal.json   written once the segment is closed

Each appended batch is written with one write and fsync'd before the writer takes the next
(group commit: a burst of requests costs one fsync). Seals are written to a temporary file,
fsync'd and renamed, so a seal is either whole or absent.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import orjson

from app.audit.chain import GENESIS
from app.audit.signing import Seal
from app.audit.store import AuditStoreBusy, Head, Line, Segment

__all__ = ["FileAuditStore"]

log = logging.getLogger("kordon.audit")

_NAME = re.compile(r"segment-(\d{8})\.(jsonl|seal\.json)")


class FileAuditStore:
    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self._dir = directory
        self._fsync = fsync
        self._lock: BinaryIO | None = None
        self._open: tuple[int, BinaryIO] | None = None

    def _path(self, number: int, kind: str) -> Path:
        return self._dir / f"segment-{number:08d}.{kind}"

    def _numbers(self) -> list[int]:
        if not self._dir.is_dir():
            return []
        found = {int(m[1]) for p in self._dir.iterdir() if (m := _NAME.fullmatch(p.name))}
        return sorted(found)

    def head(self) -> Head:
        self._dir.mkdir(parents=True, exist_ok=True)
        lock = (self._dir / ".lock").open("ab")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.close()
            raise AuditStoreBusy(f"audit trail {self._dir} is held by another writer") from exc
        self._lock = lock
        numbers = self._numbers()
        if not numbers:
            return Head(0, GENESIS, 1, 0, 1)
        last = numbers[-1]
        lines = self._read_lines(last, repair=True)
        previous = self._last_record(numbers[:-1])
        seal = self._read_seal(last)
        if seal is not None:
            return Head(seal.last_seq, seal.last_hash, last + 1, 0, seal.last_seq + 1)
        if not lines:
            seq, digest = previous
            return Head(seq, digest, last, 0, seq + 1)
        first, tail = orjson.loads(lines[0]), orjson.loads(lines[-1])
        return Head(int(tail["seq"]), str(tail["hash"]), last, len(lines), int(first["seq"]))

    def _last_record(self, numbers: list[int]) -> tuple[int, str]:
        for number in reversed(numbers):
            lines = self._read_lines(number, repair=False)
            if lines:
                tail = orjson.loads(lines[-1])
                return int(tail["seq"]), str(tail["hash"])
        return 0, GENESIS

    def _read_lines(self, number: int, *, repair: bool) -> list[bytes]:
        path = self._path(number, "jsonl")
        if not path.exists():
            return []
        data = path.read_bytes()
        lines = data.split(b"\n")
        torn = lines.pop()
        if torn and repair:
            # A crash in the middle of a write: that record was never acknowledged as stored.
            log.warning("audit: dropping a torn last line in %s (%d bytes)", path.name, len(torn))
            with path.open("r+b") as out:
                out.truncate(len(data) - len(torn))
        elif torn:
            lines.append(torn)
        return lines

    def _read_seal(self, number: int) -> Seal | None:
        path = self._path(number, "seal.json")
        if not path.exists():
            return None
        return Seal.from_json(orjson.loads(path.read_bytes()))

    def append(self, segment: int, lines: Sequence[Line]) -> None:
        if self._open is None or self._open[0] != segment:
            self._close_open()
            self._open = (segment, self._path(segment, "jsonl").open("ab"))
        out = self._open[1]
        offset = out.tell()
        try:
            out.write(b"".join(line.data + b"\n" for line in lines))
            out.flush()
            if self._fsync:
                os.fsync(out.fileno())
        except OSError:
            out.truncate(offset)
            raise

    def seal(self, seal: Seal) -> None:
        self._close_open()
        final = self._path(seal.segment, "seal.json")
        temporary = final.with_suffix(".tmp")
        with temporary.open("wb") as out:
            out.write(orjson.dumps(seal.to_json(), option=orjson.OPT_SORT_KEYS))
            out.flush()
            os.fsync(out.fileno())
        temporary.rename(final)
        directory = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def segments(self) -> Iterator[Segment]:
        for number in self._numbers():
            yield Segment(number, self._read_lines(number, repair=False), self._read_seal(number))

    def _close_open(self) -> None:
        if self._open is not None:
            self._open[1].close()
            self._open = None

    def close(self) -> None:
        self._close_open()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
