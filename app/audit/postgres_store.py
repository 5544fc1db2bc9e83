"""The audit store for deployments: two append-only PostgreSQL tables.

psycopg 3, not asyncpg: the store is synchronous by design (see `store.py`) and psycopg
serves that, the CLI and replay's reader with one well-kept driver; asyncpg is async only.
Append-only is enforced by the database: triggers refuse UPDATE, DELETE and TRUNCATE for
every role, the table owner included (dropping the trigger is visible in the catalog, and
the chain and seals still expose any edit).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import orjson
import psycopg

from app.audit.chain import GENESIS
from app.audit.signing import Seal
from app.audit.store import AuditStoreBusy, Head, Line, Segment

__all__ = ["SCHEMA", "PostgresAuditStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS kordon_audit_records (
    seq bigint PRIMARY KEY,
    segment integer NOT NULL,
    time timestamptz NOT NULL,
    decision_id text,
    body text NOT NULL
);
CREATE INDEX IF NOT EXISTS kordon_audit_records_time ON kordon_audit_records (time);
CREATE INDEX IF NOT EXISTS kordon_audit_records_decision ON kordon_audit_records (decision_id);
CREATE TABLE IF NOT EXISTS kordon_audit_seals (
    segment integer PRIMARY KEY,
    body text NOT NULL
);
CREATE OR REPLACE FUNCTION kordon_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kordon audit tables are append-only: % refused', TG_OP;
END $$;
CREATE OR REPLACE TRIGGER kordon_audit_records_append_only
    BEFORE UPDATE OR DELETE ON kordon_audit_records
    FOR EACH ROW EXECUTE FUNCTION kordon_audit_append_only();
CREATE OR REPLACE TRIGGER kordon_audit_records_no_truncate
    BEFORE TRUNCATE ON kordon_audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION kordon_audit_append_only();
CREATE OR REPLACE TRIGGER kordon_audit_seals_append_only
    BEFORE UPDATE OR DELETE ON kordon_audit_seals
    FOR EACH ROW EXECUTE FUNCTION kordon_audit_append_only();
CREATE OR REPLACE TRIGGER kordon_audit_seals_no_truncate
    BEFORE TRUNCATE ON kordon_audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION kordon_audit_append_only();
"""

# One writer per trail: a session advisory lock named after the schema holding the tables,
# so replicas that write separate trails (one schema each, via search_path) do not collide.
_CLAIM = "SELECT pg_try_advisory_lock(hashtext(current_schema() || '.kordon_audit'))"


class PostgresAuditStore:
    def __init__(self, dsn: str) -> None:
        self._conn = psycopg.connect(dsn, autocommit=True)

    def head(self) -> Head:
        with self._conn.transaction():
            self._conn.execute(SCHEMA)
        claimed = self._conn.execute(_CLAIM).fetchone()
        if not claimed or not claimed[0]:
            raise AuditStoreBusy("the PostgreSQL audit trail is held by another writer")
        tail = self._conn.execute(
            "SELECT segment, body FROM kordon_audit_records ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        sealed = self._conn.execute("SELECT max(segment) FROM kordon_audit_seals").fetchone()
        last_sealed = int(sealed[0]) if sealed and sealed[0] is not None else 0
        if tail is None:
            return Head(0, GENESIS, last_sealed + 1, 0, 1)
        segment, record = int(tail[0]), orjson.loads(tail[1])
        seq, digest = int(record["seq"]), str(record["hash"])
        if segment <= last_sealed:
            return Head(seq, digest, last_sealed + 1, 0, seq + 1)
        counted = self._conn.execute(
            "SELECT count(*), min(seq) FROM kordon_audit_records WHERE segment = %s", (segment,)
        ).fetchone()
        count, first = (int(counted[0]), int(counted[1])) if counted else (0, seq + 1)
        return Head(seq, digest, segment, count, first)

    def append(self, segment: int, lines: Sequence[Line]) -> None:
        with self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO kordon_audit_records (seq, segment, time, decision_id, body)"
                " VALUES (%s, %s, %s, %s, %s)",
                [(ln.seq, segment, ln.time, ln.decision_id, ln.data.decode()) for ln in lines],
            )

    def seal(self, seal: Seal) -> None:
        body = orjson.dumps(seal.to_json(), option=orjson.OPT_SORT_KEYS).decode()
        self._conn.execute(
            "INSERT INTO kordon_audit_seals (segment, body) VALUES (%s, %s)", (seal.segment, body)
        )

    def segments(self) -> Iterator[Segment]:
        seals = {
            int(number): Seal.from_json(orjson.loads(body))
            for number, body in self._conn.execute("SELECT segment, body FROM kordon_audit_seals")
        }
        unlined = sorted(seals)  # sealed segments not met among the records (yet)
        for number, lines in self._grouped():
            while unlined and unlined[0] < number:
                yield Segment(unlined[0], [], seals[unlined.pop(0)])
            if unlined and unlined[0] == number:
                unlined.pop(0)
            yield Segment(number, lines, seals.get(number))
        for number in unlined:
            yield Segment(number, [], seals[number])

    def _grouped(self) -> Iterator[tuple[int, list[bytes]]]:
        # A server-side cursor streams the table instead of loading it whole.
        with self._conn.transaction(), self._conn.cursor(name="kordon_audit_read") as cursor:
            cursor.execute("SELECT segment, body FROM kordon_audit_records ORDER BY segment, seq")
            for number, rows in itertools.groupby(cursor, key=lambda row: int(row[0])):
                yield number, [str(row[1]).encode() for row in rows]

    def close(self) -> None:
        self._conn.close()
