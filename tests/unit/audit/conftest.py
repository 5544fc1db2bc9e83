"""Audit fixtures: every store behind one factory, a real PostgreSQL server per session.

`trail` hands out a `Trail`: `open()` gives a new store on the same trail (a restart),
`rewrite()` changes what is stored behind the store's back (the tamperer's view), and
`verify_args` names the trail for `kordon audit verify` in a child process.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import psycopg
import pytest
from psycopg import sql

from app.audit.file_store import FileAuditStore
from app.audit.postgres_store import PostgresAuditStore
from app.audit.record import AuditEvent
from app.audit.signing import Seal, Signer, generate_keypair
from app.audit.store import AuditStore, Segment
from app.keys import Principal
from tests.postgres_server import start_postgres

# What a tamperer does: every stored segment in, the segments to store instead out.
Rewrite = Callable[[list[Segment]], list[Segment]]


@dataclass
class Trail:
    open: Callable[[], AuditStore]
    rewrite: Callable[[Rewrite], None]
    verify_args: list[str]


@dataclass(frozen=True)
class Keys:
    signer: Signer
    private: Path
    public: Path


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    # start_postgres raises when PostgreSQL is missing: these tests then error, never skip.
    with start_postgres() as dsn:
        yield dsn


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    root = tmp_path_factory.mktemp("audit-keys")
    generate_keypair(root / "signing.pem", root / "signing.pub.pem")
    return Keys(
        Signer.from_file(root / "signing.pem"), root / "signing.pem", root / "signing.pub.pem"
    )


def _rewrite_files(directory: Path, change: Rewrite) -> None:
    before = list(FileAuditStore(directory).segments())
    for path in directory.glob("segment-*"):
        path.unlink()
    for segment in change(before):
        name = directory / f"segment-{segment.number:08d}"
        if segment.lines:
            name.with_suffix(".jsonl").write_bytes(b"".join(line + b"\n" for line in segment.lines))
        if segment.seal is not None:
            name.with_suffix(".seal.json").write_bytes(orjson.dumps(segment.seal.to_json()))


_TABLES = (sql.Identifier("kordon_audit_records"), sql.Identifier("kordon_audit_seals"))


def _rewrite_postgres(dsn: str, change: Rewrite) -> None:
    store = PostgresAuditStore(dsn)
    try:
        before = list(store.segments())
    finally:
        store.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Only a superuser can switch the append-only triggers off; a tamperer with that power
        # is exactly who the chain and the seals are for.
        for table in _TABLES:
            conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table))
            conn.execute(sql.SQL("DELETE FROM {}").format(table))
        seq = 0
        for segment in change(before):
            for line in segment.lines:
                seq += 1  # storage order only; the verifier reads the records' own seq
                conn.execute(
                    "INSERT INTO kordon_audit_records (seq, segment, time, body)"
                    " VALUES (%s, %s, now(), %s)",
                    (seq, segment.number, line.decode(errors="replace")),
                )
            if segment.seal is not None:
                conn.execute(
                    "INSERT INTO kordon_audit_seals (segment, body) VALUES (%s, %s)",
                    (segment.number, orjson.dumps(segment.seal.to_json()).decode()),
                )
        for table in _TABLES:
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(table))


@pytest.fixture(params=["file", "postgres"])
def trail(request: pytest.FixtureRequest, tmp_path: Path) -> Trail:
    """The same tests run against every backend."""
    if request.param == "file":
        directory = tmp_path / "trail"
        return Trail(
            lambda: FileAuditStore(directory),
            lambda change: _rewrite_files(directory, change),
            ["--dir", str(directory)],
        )
    server: str = request.getfixturevalue("postgres_dsn")
    database = f"audit_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    dsn = server.rsplit("/", 1)[0] + f"/{database}"
    return Trail(
        lambda: PostgresAuditStore(dsn),
        lambda change: _rewrite_postgres(dsn, change),
        ["--dsn", dsn],
    )


def event(n: int, tenant: str = "acme-ru") -> AuditEvent:
    """A finished event for request n (no decision: the chain does not care what is in it)."""
    principal = Principal(tenant, f"key_{n % 3}", "tester", ("analyst",))
    done = AuditEvent(f"req_{n:04d}", principal, started_at=1_800_000_000.0 + n)
    done.status, done.finished = 200, done.started + 0.001
    return done


def seal_of(segment: Segment) -> Seal:
    if segment.seal is None:
        raise AssertionError(f"segment {segment.number} is not sealed")
    return segment.seal
