"""What the cache and the policy's routing saved, per tenant and calendar month (UTC).

Every answered request is priced twice: at its all-cloud baseline (the decision's
``cache.baseline`` route, else the route that answered: then routing claims no saving) and at
what it actually cost (zero for a cache hit). Money is counted in micro-units of the price's
currency, like the quota budgets. docs/cache.md defines each figure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from app.quota.amounts import Price

__all__ = ["charge", "period_of", "report"]

_MICRO = 1_000_000
# The month last named, as [start, end) in Unix seconds and its name: one strftime a month,
# not one per request. The end is kept a microsecond short because `fromtimestamp` rounds to
# microseconds, so a moment just before midnight counts as the next month there too.
_month: tuple[float, float, str] = (0.0, 0.0, "")
_ROUNDING_S = 1e-6


def period_of(now: float | None = None) -> str:
    """The calendar month (UTC) counters are kept under: ``2026-12``."""
    global _month
    moment = time.time() if now is None else now
    start, end, name = _month
    if start <= moment < end:
        return name
    stamp = datetime.fromtimestamp(moment, UTC)
    first = datetime(stamp.year, stamp.month, 1, tzinfo=UTC)
    after = datetime(stamp.year + stamp.month // 12, stamp.month % 12 + 1, 1, tzinfo=UTC)
    name = stamp.strftime("%Y-%m")
    _month = (first.timestamp(), after.timestamp() - _ROUNDING_S, name)
    return name


def cost(usage: Mapping[str, int], price: Price) -> int:
    """Micro-units of ``price.currency`` for ``usage``, rounded up like the quota budgets."""
    micro = (
        usage.get("prompt_tokens", 0) * price.input_per_mtok
        + usage.get("completion_tokens", 0) * price.output_per_mtok
    )
    return math.ceil(micro)


def charge(
    hit: bool, usage: Mapping[str, int], actual: Price | None, baseline: Price | None, routed: bool
) -> dict[str, int]:
    """The counter increments for one answered request.

    ``routed`` is true when the answer came from a route other than the baseline (on-prem or a
    cheaper model); its tokens are what routing kept off the all-cloud route.
    """
    tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
    amounts = {"requests": 1, "tokens": tokens}
    if hit:
        amounts |= {"hits": 1, "hit_tokens": tokens}
    elif routed:
        amounts["routed_tokens"] = tokens
    reference = baseline or actual
    if reference is None:
        return amounts
    currency = reference.currency
    at_baseline = cost(usage, reference)
    amounts[f"baseline_{currency}"] = at_baseline
    if hit:
        amounts[f"cache_saved_{currency}"] = at_baseline
    elif actual is not None and actual.currency == currency:
        spent = cost(usage, actual)
        amounts[f"spent_{currency}"] = spent
        amounts[f"routing_saved_{currency}"] = at_baseline - spent
    return amounts


def report(tenant: str, period: str, counters: Mapping[str, int]) -> dict[str, object]:
    """The savings of one tenant and month, in tokens and in currency units."""
    requests, hits = counters.get("requests", 0), counters.get("hits", 0)
    money = {}
    for currency in sorted({k.rpartition("_")[2] for k in counters if k.startswith("baseline_")}):
        baseline = counters.get(f"baseline_{currency}", 0)
        spent = counters.get(f"spent_{currency}", 0)
        money[currency] = {
            "baseline": baseline / _MICRO,
            "spent": spent / _MICRO,
            "saved_by_cache": counters.get(f"cache_saved_{currency}", 0) / _MICRO,
            "saved_by_routing": counters.get(f"routing_saved_{currency}", 0) / _MICRO,
            "saved": (baseline - spent) / _MICRO,
            "reduction": round((baseline - spent) / baseline, 4) if baseline else 0.0,
        }
    return {
        "object": "usage.savings",
        "tenant": tenant,
        "period": period,
        "requests": requests,
        "cache_hits": hits,
        "hit_rate": round(hits / requests, 4) if requests else 0.0,
        "tokens": counters.get("tokens", 0),
        "tokens_saved_by_cache": counters.get("hit_tokens", 0),
        "tokens_routed_off_baseline": counters.get("routed_tokens", 0),
        "money": money,
    }
