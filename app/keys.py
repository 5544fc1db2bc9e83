"""API keys, stored hashed: each maps to a tenant, a key id, an agent and roles.

Keys are 256-bit random tokens, so a single SHA-256 is the right hash (as for GitHub or Stripe
tokens): a slow password hash would add milliseconds to every request and buy nothing against
a search space of 2^256. The plaintext is shown once, at creation, and never stored.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

__all__ = ["KEY_PREFIX", "KeyRecord", "KeyStore", "Principal"]

KEY_PREFIX = "kdn-"


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: str
    key_id: str
    agent: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    sha256: str
    tenant: str
    agent: str
    roles: tuple[str, ...]

    @property
    def principal(self) -> Principal:
        return Principal(self.tenant, self.key_id, self.agent, self.roles)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    """Keys in memory, optionally persisted to a JSON file of hashes."""

    def __init__(self, records: list[KeyRecord] | None = None, path: Path | None = None) -> None:
        self._path = path
        self._by_digest = {r.sha256: r for r in records or []}

    @classmethod
    def load(cls, path: Path) -> KeyStore:
        if not path.exists():
            return cls(path=path)
        raw = orjson.loads(path.read_bytes())
        records = [
            KeyRecord(
                key_id=item["key_id"],
                sha256=item["sha256"],
                tenant=item["tenant"],
                agent=item["agent"],
                roles=tuple(item["roles"]),
            )
            for item in raw["keys"]
        ]
        return cls(records, path)

    def authenticate(self, key: str) -> Principal | None:
        record = self._by_digest.get(_digest(key))
        return record.principal if record else None

    def create(
        self, tenant: str, agent: str, roles: tuple[str, ...] = (), *, persist: bool = True
    ) -> tuple[str, KeyRecord]:
        """Make a key; return its plaintext (show it once) and the stored record."""
        key_id = f"key_{secrets.token_hex(4)}"
        key = f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"
        record = KeyRecord(key_id, _digest(key), tenant, agent, tuple(roles))
        self._by_digest[record.sha256] = record
        if persist:
            self._save()
        return key, record

    def records(self) -> list[KeyRecord]:
        return sorted(self._by_digest.values(), key=lambda r: r.key_id)

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        data = orjson.dumps(
            {"keys": [asdict(r) for r in self.records()]}, option=orjson.OPT_INDENT_2
        )
        # Write-then-rename, owner-only, so a crash never leaves a truncated key file.
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".keys-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._path)
