"""The PostgreSQL trail refuses UPDATE, DELETE and TRUNCATE, for its owner too."""

from __future__ import annotations

import psycopg
import pytest

from app.audit.writer import ChainWriter
from tests.unit.audit.conftest import Keys, Trail, event


@pytest.mark.parametrize("trail", ["postgres"], indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE kordon_audit_records SET body = '{}' WHERE seq = 1",
        "DELETE FROM kordon_audit_records WHERE seq = 1",
        "TRUNCATE kordon_audit_records",
        "UPDATE kordon_audit_seals SET body = '{}'",
        "DELETE FROM kordon_audit_seals",
        "TRUNCATE kordon_audit_seals",
    ],
)
def test_rows_cannot_be_changed_or_removed(trail: Trail, keys: Keys, statement: str) -> None:
    store = trail.open()
    try:
        writer = ChainWriter(store, keys.signer, 10)
        writer.write([event(1), event(2)])
        writer.seal_open()
    finally:
        store.close()
    dsn = trail.verify_args[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(statement)
        rows = conn.execute("SELECT count(*) FROM kordon_audit_records").fetchone()
    assert rows == (2,)
