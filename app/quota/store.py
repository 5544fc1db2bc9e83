"""The one seam every quota backend plugs into.

A store keeps, per subject, one counter ("bucket") per limit and window, plus a record of each
open reservation. The record lives in the store rather than in the caller's memory so that any
replica can settle or refund it, and so that a reservation whose process died is not lost: its
amounts stay charged until its windows end, and then the record expires with them.

Semantics every implementation honours (``tests/unit/quota/test_store.py`` holds them to it):

- ``reserve`` is all-or-nothing: if any bucket would go over its capacity, nothing is taken and
  the result names the first such limit. A zero amount never blocks. Reserving again under an
  id that is still open takes nothing more (a retried call must not charge twice).
- ``settle`` moves each bucket by actual - reserved, ``refund`` gives everything back; both
  close the record, so repeating either (or mixing them) changes nothing and returns False.
  A bucket never goes below zero, and a bucket whose window has expired is left alone.
- ``settle`` and ``refund`` take the subject as well as the id: in Redis Cluster the record must
  sit in the subject's hash slot, beside the buckets it adjusts, for the update to be atomic.
- Time comes from the store's clock: Redis server ``TIME`` for Redis, so replicas with skewed
  clocks still share windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.quota.limits import Admission, Amounts, BucketState, Limit

__all__ = ["QuotaStore"]


class QuotaStore(Protocol):
    """Counters for quota buckets and the reservations held against them."""

    async def reserve(
        self, subject: str, limits: Sequence[Limit], amounts: Amounts, reservation_id: str
    ) -> Admission:
        """Take ``amounts`` from every limit's current bucket, or nothing at all."""
        ...

    async def settle(self, subject: str, reservation_id: str, actual: Amounts) -> bool:
        """Replace the reserved amounts by ``actual`` (limits missing from it keep theirs).

        Returns False if the reservation is unknown: already closed or expired.
        """
        ...

    async def refund(self, subject: str, reservation_id: str) -> bool:
        """Give back everything the reservation took; False if it was unknown."""
        ...

    async def usage(self, subject: str, limits: Sequence[Limit]) -> list[BucketState]:
        """The current state of each limit's bucket, in the order given."""
        ...
