"""Quota value types and the window arithmetic every store shares.

A limit counts one unit ("requests", "tokens" or a currency) inside one window: a fixed window
aligned to the Unix epoch when ``window_s > 0``, so every replica agrees on the boundaries without
talking to the others, or the UTC calendar month when ``window_s == 0``, because budgets are billed
per month. Stores count in integer "store units": requests, tokens, or micro-units (1e-6) of a
currency, so that millions of small charges never drift the way floats would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

__all__ = [
    "EXPIRY_MARGIN_S",
    "MAX_AMOUNT",
    "MICRO",
    "REQUESTS",
    "TOKENS",
    "Admission",
    "Amounts",
    "BucketState",
    "Clock",
    "Limit",
    "Window",
    "check_amounts",
    "window_at",
]

REQUESTS = "requests"
TOKENS = "tokens"
MICRO = 1_000_000
# The Redis store does its arithmetic in Lua, whose numbers are doubles: integers are exact only
# up to 2**53 (9e15 micro-units is still nine billion in any currency).
MAX_AMOUNT = 2**53
# Buckets and reservation records outlive their window by this much, so a request that was
# reserved just before a boundary can still be settled or refunded against the window it used.
EXPIRY_MARGIN_S = 300

_CURRENCY = re.compile(r"[a-z]{3}")

Clock = Callable[[], float]
"""Seconds since the Unix epoch, like :func:`time.time`."""

Amounts = Mapping[str, int]
"""Store units per limit name."""


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit from the Decision: ``limit`` units of ``unit`` per window.

    ``limit`` is what the policy wrote (whole currency units for money); :attr:`capacity` is the
    same bound in store units.
    """

    name: str
    unit: str
    limit: int | float
    window_s: int
    # The limit in store units (micro-units for money), worked out once: a request reads it
    # about a dozen times (reserve, headers, remaining), money through Decimal.
    capacity: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a limit needs a name")
        if self.unit not in (REQUESTS, TOKENS) and not _CURRENCY.fullmatch(self.unit):
            raise ValueError(
                f"limit {self.name}: unit {self.unit!r} is not requests, tokens or ISO-4217"
            )
        if not math.isfinite(self.limit) or self.limit < 0:
            raise ValueError(f"limit {self.name}: limit must be a finite number >= 0")
        if not self.is_money and self.limit != int(self.limit):
            raise ValueError(f"limit {self.name}: {self.unit} are counted in whole numbers")
        if self.window_s < 0:
            raise ValueError(f"limit {self.name}: window_s must be >= 0 (0 = calendar month)")
        # Money through str so 0.1 means one tenth, not the nearest binary fraction.
        capacity = int(Decimal(str(self.limit)) * MICRO) if self.is_money else int(self.limit)
        if capacity > MAX_AMOUNT:
            raise ValueError(f"limit {self.name}: limit too large")
        object.__setattr__(self, "capacity", capacity)  # frozen: set once, here

    @property
    def is_money(self) -> bool:
        """True for budgets, whose unit is a currency."""
        return self.unit not in (REQUESTS, TOKENS)


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open interval ``[start, end)`` of epoch seconds."""

    start: int
    end: int


def window_at(window_s: int, now: float) -> Window:
    """The window of length ``window_s`` (0 = UTC calendar month) that contains ``now``."""
    second = math.floor(now)
    if window_s > 0:
        start = second - second % window_s
        return Window(start, start + window_s)
    day = datetime.fromtimestamp(second, UTC)
    first = datetime(day.year, day.month, 1, tzinfo=UTC)
    following = datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=UTC)
    return Window(int(first.timestamp()), int(following.timestamp()))


@dataclass(frozen=True, slots=True)
class BucketState:
    """How much of one limit is used in its current window, and when that window ends."""

    limit: Limit
    used: int
    reset_s: float

    @property
    def remaining(self) -> int:
        """Store units still available; never negative even after an overshooting settle."""
        return max(0, self.limit.capacity - self.used)


@dataclass(frozen=True, slots=True)
class Admission:
    """The outcome of a reserve: every bucket's state, and the one that refused, if any.

    On refusal nothing was taken, and ``blocked`` is the first limit (in Decision order) that the
    request would have pushed over.
    """

    buckets: tuple[BucketState, ...]
    blocked: BucketState | None

    @property
    def admitted(self) -> bool:
        return self.blocked is None


def check_amounts(limits: Sequence[Limit], amounts: Amounts) -> None:
    """Reject what no store can honour: duplicate names, missing or out-of-range amounts."""
    names = [limit.name for limit in limits]
    if len(set(names)) != len(names):
        raise ValueError(f"limit names must be unique: {names}")
    for name in names:
        if name not in amounts:
            raise ValueError(f"no amount for limit {name}")
    for name, amount in amounts.items():
        if not 0 <= amount <= MAX_AMOUNT:
            raise ValueError(f"amount for {name} must be within 0..2**53, got {amount}")
