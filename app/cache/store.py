"""The one seam every cache backend plugs into.

Semantics every implementation honours (``tests/unit/cache/test_store.py`` holds them to it):

- Entries live under (tenant, key); a tenant never reads another tenant's entry, whatever key
  it asks for, and ``purge(tenant)`` removes that tenant's entries only.
- ``put`` with ``ttl_s`` > 0 keeps the entry at most that long; ``ttl_s`` 0 stores nothing.
- Savings counters live under (tenant, period); ``add`` is an atomic increment per field, and
  ``purge`` leaves them alone (a purge forgets answers, not what they saved).
- Any backend failure raises :class:`CacheUnavailable`; the cache step treats it as a miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["CacheStore", "CacheUnavailable"]


class CacheUnavailable(Exception):
    """The cache backend did not answer; never fatal to a request."""


class CacheStore(Protocol):
    async def get(self, tenant: str, key: str) -> bytes | None:
        """The entry stored under ``key`` for ``tenant``, or None."""
        ...

    async def put(self, tenant: str, key: str, value: bytes, ttl_s: int) -> None:
        """Store ``value`` for ``ttl_s`` seconds."""
        ...

    async def purge(self, tenant: str) -> int:
        """Remove every entry of ``tenant``; the number removed."""
        ...

    async def add(self, tenant: str, period: str, amounts: Mapping[str, int]) -> None:
        """Add ``amounts`` to the tenant's counters of ``period``."""
        ...

    async def counters(self, tenant: str, period: str) -> dict[str, int]:
        """The tenant's counters of ``period`` (empty when none)."""
        ...
