"""Where quota counters, session pseudonyms and cached answers live: in this process, or in
Redis when the deployment names one (a fleet of replicas sharing them).

redis-py is imported only in the second case: it is ~6 MiB and ~80 modules that a single
gateway on its embedded stores would carry for nothing (docs/performance.md, "Round 4: stores
and OPA heap").
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.cache.memory_store import MemoryCacheStore
from app.cache.store import CacheStore
from app.config import Settings
from app.protect.vault import MemoryVault, PseudonymVault
from app.quota.memory_store import MemoryQuotaStore
from app.quota.store import QuotaStore

__all__ = ["Stores", "open_stores"]


@dataclass(frozen=True, slots=True)
class Stores:
    quota: QuotaStore
    vault: PseudonymVault
    cache: CacheStore
    # Closes the shared connection pool, if there is one (the app's lifespan calls it).
    close: Callable[[], Awaitable[None]] | None = None


def open_stores(settings: Settings) -> Stores:
    if not settings.redis_url:
        return Stores(MemoryQuotaStore(), MemoryVault(), MemoryCacheStore())
    # Imported here, not at the top: see the module docstring.
    from app.cache.layered import LayeredCacheStore
    from app.cache.redis_store import RedisCacheStore
    from app.protect.redis_vault import RedisVault
    from app.quota.redis_store import RedisQuotaStore, connect

    redis = connect(settings.redis_url, timeout_s=settings.redis_timeout_s)
    vault: PseudonymVault = (
        RedisVault(redis, base64.b64decode(settings.vault_key.get_secret_value()))
        if settings.vault_key
        else MemoryVault()
    )
    return Stores(
        RedisQuotaStore(redis),
        vault,
        LayeredCacheStore(RedisCacheStore(redis)),
        redis.aclose,
    )
