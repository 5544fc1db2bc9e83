"""Session pseudonym vault: keeps a session's placeholder mapping between its requests.

One seam, ``PseudonymVault``: ``load`` a scope's mapping, ``save`` it back with a TTL. The
in-memory store serves one process; the Redis store serves a fleet and keeps the mapping only
as AES-GCM ciphertext under a short TTL, so a dump of Redis holds no personal data.

Scope is security-relevant: a session's mapping turns placeholders the model writes back into
real values, so anyone who can name a scope can read its values out ("repeat [EMAIL_1]"). A
``SessionScope`` is therefore only made by ``session_scope`` from the tenant, the API key and
the agent's session id, never from the session id alone; it is a hash, so Redis key names reveal
none of the three.

Concurrent requests of one session each save what they saw, and the last save wins. That only
costs stability of numbering: every request restores with its own in-memory mapping, never with
what another request saved.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, NewType, Protocol

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis

from app.errors import KordonError

__all__ = [
    "MemoryVault",
    "PseudonymVault",
    "RedisVault",
    "SessionScope",
    "VaultUnreadable",
    "session_scope",
]

SessionScope = NewType("SessionScope", str)

# Leading byte of every stored blob, so a change of format or cipher is detected, not misread.
_FORMAT = b"\x01"
_NONCE_BYTES = 12


def session_scope(tenant: str, key_id: str, session: str) -> SessionScope:
    """The vault scope of one agent session: bound to its tenant and API key, and opaque."""
    # A JSON array encodes the three fields unambiguously, whatever characters they hold.
    digest = hashlib.sha256(orjson.dumps([tenant, key_id, session])).hexdigest()
    return SessionScope(digest)


class VaultUnreadable(KordonError):
    """A stored mapping failed to decrypt or parse: wrong key, tampering or a foreign format."""

    code = "pseudonym_vault_unreadable"


class PseudonymVault(Protocol):
    """Where a session's placeholder → original mapping lives between requests."""

    async def load(self, scope: SessionScope) -> dict[str, str]:
        """The scope's mapping, or an empty one if there is none or it has expired."""
        ...

    async def save(self, scope: SessionScope, mapping: Mapping[str, str], ttl_s: float) -> None:
        """Replace the scope's mapping; it expires ttl_s seconds from now."""
        ...


def _check_ttl(ttl_s: float) -> None:
    # A session mapping that never expires would keep personal data indefinitely.
    if not (ttl_s > 0 and math.isfinite(ttl_s)):
        raise ValueError(f"ttl_s must be positive and finite, got {ttl_s}")


class MemoryVault:
    """A per-process vault; the clock is injectable so tests can expire entries without waiting."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[SessionScope, tuple[float, dict[str, str]]] = {}
        # Expired entries of abandoned sessions are swept once the table has doubled since the
        # last sweep, which keeps memory bounded at amortised O(1) per save.
        self._sweep_at = 64

    async def load(self, scope: SessionScope) -> dict[str, str]:
        entry = self._entries.get(scope)
        if entry is None:
            return {}
        expires_at, mapping = entry
        if self._clock() >= expires_at:
            del self._entries[scope]
            return {}
        return dict(mapping)

    async def save(self, scope: SessionScope, mapping: Mapping[str, str], ttl_s: float) -> None:
        _check_ttl(ttl_s)
        now = self._clock()
        self._entries[scope] = (now + ttl_s, dict(mapping))
        if len(self._entries) >= self._sweep_at:
            self._entries = {key: entry for key, entry in self._entries.items() if entry[0] > now}
            self._sweep_at = max(64, 2 * len(self._entries))


class RedisVault:
    """A vault shared by gateway replicas: one Redis string per scope, AES-GCM encrypted.

    The scope's Redis key name is the associated data, so a blob copied under another scope
    fails to decrypt instead of leaking into the wrong session. The client belongs to the caller,
    who also closes it, and must return bytes (no ``decode_responses``).
    """

    def __init__(self, client: Redis, key: bytes, *, prefix: str = "kordon:pseudonyms:") -> None:
        if len(key) not in (16, 24, 32):
            # The length only: the key itself never reaches a message, a log or a repr.
            raise ValueError(f"the vault key must be 16, 24 or 32 bytes, not {len(key)}")
        self._client = client
        self._aead = AESGCM(key)
        self._prefix = prefix

    def __repr__(self) -> str:
        return f"RedisVault(prefix={self._prefix!r})"

    async def load(self, scope: SessionScope) -> dict[str, str]:
        name = self._prefix + scope
        blob = await self._client.get(name)
        if blob is None:
            return {}
        if not isinstance(blob, bytes) or not blob.startswith(_FORMAT):
            raise VaultUnreadable("a stored pseudonym mapping has an unknown format")
        nonce = blob[1 : 1 + _NONCE_BYTES]
        try:
            plain = self._aead.decrypt(nonce, blob[1 + _NONCE_BYTES :], name.encode())
        except InvalidTag:
            raise VaultUnreadable("a stored pseudonym mapping failed to decrypt") from None
        return _parse(plain)

    async def save(self, scope: SessionScope, mapping: Mapping[str, str], ttl_s: float) -> None:
        _check_ttl(ttl_s)
        name = self._prefix + scope
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, orjson.dumps(dict(mapping)), name.encode())
        # Milliseconds, rounded up, so a sub-second TTL never becomes "no expiry".
        await self._client.set(name, _FORMAT + nonce + sealed, px=math.ceil(ttl_s * 1000))


def _parse(plain: bytes) -> dict[str, str]:
    # Authenticated plaintext can still be from another version of this code; check its shape.
    data: Any = orjson.loads(plain)
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise VaultUnreadable("a stored pseudonym mapping is not a string mapping")
    return data
