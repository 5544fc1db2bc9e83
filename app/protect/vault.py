"""Session pseudonym vault: keeps a session's placeholder mapping between its requests.

One seam, ``PseudonymVault``: ``load`` a scope's mapping, ``save`` it back with a TTL. The
in-memory store here serves one process; the Redis store (``redis_vault.py``) serves a fleet.

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
import time
from collections.abc import Callable, Mapping
from typing import NewType, Protocol

import orjson

from app.errors import KordonError

__all__ = [
    "MemoryVault",
    "PseudonymVault",
    "SessionScope",
    "VaultUnavailable",
    "VaultUnreadable",
    "check_ttl",
    "session_scope",
]

SessionScope = NewType("SessionScope", str)


def session_scope(tenant: str, key_id: str, session: str) -> SessionScope:
    """The vault scope of one agent session: bound to its tenant and API key, and opaque."""
    # A JSON array encodes the three fields unambiguously, whatever characters they hold.
    digest = hashlib.sha256(orjson.dumps([tenant, key_id, session])).hexdigest()
    return SessionScope(digest)


class VaultUnreadable(KordonError):
    """A stored mapping failed to decrypt or parse: wrong key, tampering or a foreign format."""

    code = "pseudonym_vault_unreadable"


class VaultUnavailable(Exception):
    """The vault's store could not be reached; the request goes on with its own placeholders."""


class PseudonymVault(Protocol):
    """Where a session's placeholder → original mapping lives between requests."""

    async def load(self, scope: SessionScope) -> dict[str, str]:
        """The scope's mapping, or an empty one if there is none or it has expired."""
        ...

    async def save(self, scope: SessionScope, mapping: Mapping[str, str], ttl_s: float) -> None:
        """Replace the scope's mapping; it expires ttl_s seconds from now."""
        ...


def check_ttl(ttl_s: float) -> None:
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
        check_ttl(ttl_s)
        now = self._clock()
        self._entries[scope] = (now + ttl_s, dict(mapping))
        if len(self._entries) >= self._sweep_at:
            self._entries = {key: entry for key, entry in self._entries.items() if entry[0] > now}
            self._sweep_at = max(64, 2 * len(self._entries))
