"""The semantic cache's vectors: an in-process index per scope, bounded, with TTL.

Redis 7.0 as Debian ships it has no vector search (that needs the RediSearch module), so each
gateway process keeps its own index; the answers themselves stay in the shared cache store
under their exact keys, so a hit found here is read from Redis like any other (docs/cache.md).

Search is brute force: one matrix product over a scope's rows, which at the bounded size
(``per_scope`` rows of 512 floats) is cheaper than the embedding it follows. Memory is bounded
by ``max_entries`` over all scopes (2 KB a row): past it the least recently used scope gives
up its oldest row. Rows expire with the answer's TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.cache.embedder import Vectors
from app.cache.guards import Signature

__all__ = ["Candidate", "SemanticIndex"]


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    similarity: float
    signature: Signature


@dataclass(slots=True)
class _Row:
    key: str
    vector: Vectors
    signature: Signature
    expires: float


@dataclass(slots=True)
class _Bucket:
    rows: list[_Row] = field(default_factory=list)
    matrix: Vectors | None = None  # the rows' vectors stacked, rebuilt after a change

    def stacked(self) -> Vectors:
        if self.matrix is None:
            self.matrix = np.vstack([r.vector for r in self.rows])
        return self.matrix

    def drop(self, keep: Callable[[_Row], bool]) -> int:
        before = len(self.rows)
        self.rows = [r for r in self.rows if keep(r)]
        if len(self.rows) != before:
            self.matrix = None
        return before - len(self.rows)


class SemanticIndex:
    def __init__(
        self,
        max_entries: int = 10_000,
        per_scope: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_entries = max_entries
        self._per_scope = per_scope
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, scope: str, key: str, vector: Vectors, sig: Signature, ttl_s: int) -> None:
        if ttl_s <= 0:
            return
        bucket = self._live(scope) or self._buckets.setdefault(scope, _Bucket())
        self._size -= bucket.drop(lambda r: r.key != key)
        bucket.rows.append(_Row(key, vector, sig, self._clock() + ttl_s))
        bucket.matrix = None
        self._size += 1
        if len(bucket.rows) > self._per_scope:
            bucket.rows.pop(0)
            self._size -= 1
        while self._size > self._max_entries:
            self._evict_one()

    def search(
        self, scope: str, vector: Vectors, min_similarity: float, limit: int = 5
    ) -> list[Candidate]:
        """The rows of ``scope`` at least ``min_similarity`` from ``vector``, closest first."""
        bucket = self._live(scope)
        if bucket is None:
            return []
        similarities = bucket.stacked() @ vector
        order = np.argsort(-similarities)[:limit]
        return [
            Candidate(bucket.rows[i].key, float(similarities[i]), bucket.rows[i].signature)
            for i in order
            if similarities[i] >= min_similarity
        ]

    def forget(self, scope: str, key: str) -> None:
        """Drop a row whose answer is gone from the store (purged, or evicted there)."""
        bucket = self._buckets.get(scope)
        if bucket is not None:
            self._size -= bucket.drop(lambda r: r.key != key)
            self._discard_if_empty(scope, bucket)

    def _live(self, scope: str) -> _Bucket | None:
        """The scope's rows that have not expired (None when none has), marked recently used."""
        bucket = self._buckets.get(scope)
        if bucket is None:
            return None
        now = self._clock()
        self._size -= bucket.drop(lambda r: r.expires > now)
        self._buckets.move_to_end(scope)
        self._discard_if_empty(scope, bucket)
        return bucket if bucket.rows else None

    def _evict_one(self) -> None:
        scope, bucket = next(iter(self._buckets.items()))
        bucket.rows.pop(0)
        bucket.matrix = None
        self._size -= 1
        self._discard_if_empty(scope, bucket)

    def _discard_if_empty(self, scope: str, bucket: _Bucket) -> None:
        if not bucket.rows:
            self._buckets.pop(scope, None)
