"""The configured audit store (PostgreSQL when a DSN is set, else segment files) and trail."""

from __future__ import annotations

import logging
from pathlib import Path

from app.audit.file_store import FileAuditStore
from app.audit.signing import Signer
from app.audit.store import AuditStore
from app.audit.trail import AuditTrail
from app.config import Settings

__all__ = ["open_store", "open_trail"]

log = logging.getLogger("kordon.audit")


def open_store(
    settings: Settings, *, directory: Path | None = None, dsn: str | None = None
) -> AuditStore:
    """The store `settings` names; `directory` or `dsn` (CLI flags) take precedence."""
    if dsn is None and directory is None and settings.audit_dsn is not None:
        dsn = settings.audit_dsn.get_secret_value()
    if dsn is not None:
        # psycopg costs ~22 MB of RSS: imported only by deployments that name a database.
        from app.audit.postgres_store import PostgresAuditStore

        return PostgresAuditStore(dsn)
    return FileAuditStore(directory or settings.audit_dir, fsync=settings.audit_fsync)


def open_trail(settings: Settings) -> AuditTrail:
    """The gateway's trail; its store is opened (and claimed) when the trail starts."""
    signer = None
    if settings.audit_signing_key is not None:
        signer = Signer.from_file(settings.audit_signing_key)
    else:
        log.warning(
            "KORDON_AUDIT_SIGNING_KEY is not set: audit segments are chained but not signed, "
            "and `kordon audit verify` will refuse them (make a key: kordon audit keygen)"
        )
    return AuditTrail(
        lambda: open_store(settings),
        signer,
        capacity=settings.audit_queue_size,
        segment_records=settings.audit_segment_records,
        segment_seconds=settings.audit_segment_seconds,
    )
