"""Shared quota store in Redis: one atomic Lua script per operation.

Each call is a single EVALSHA round trip; the script reads the server clock (``TIME``), works out
the windows, checks and moves every bucket, so no other client can interleave. Keys carry the
subject as a hash tag (``kordon:quota:{tenant:acme}:...``), which keeps a subject's buckets and
reservation records in one Cluster slot: a script may only touch keys of one slot. The buckets a
settle adjusts are named in the reservation record rather than in KEYS, which is safe because
they share that slot.

Every key expires (window end + margin), so an abandoned reservation or an idle subject costs
nothing after its windows close. Any Redis or socket failure surfaces as
:class:`~app.quota.errors.QuotaStoreUnavailable` (after one retry with a client from
:func:`connect`); retrying is safe because a reservation id already recorded is not charged
again, and a closed reservation cannot be closed twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from app.quota.errors import QuotaStoreUnavailable
from app.quota.limits import (
    EXPIRY_MARGIN_S,
    Admission,
    Amounts,
    BucketState,
    Clock,
    Limit,
    check_amounts,
)

__all__ = ["RedisQuotaStore", "connect"]

# Shared by the three scripts. ARGV[1] is a test-only clock override (milliseconds, or '' for
# the server clock). Calendar arithmetic is Howard Hinnant's days/civil conversion, because
# Redis's Lua has no os.date; it only needs the year and month.
_PRELUDE = """
local function now_ms()
  if ARGV[1] ~= '' then return tonumber(ARGV[1]) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function days_from_civil(y, m)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5)
  return era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end
local function window(window_s, now_s)
  if window_s > 0 then
    local start = now_s - now_s % window_s
    return start, start + window_s
  end
  local y, m = civil_from_days(math.floor(now_s / 86400))
  local ny, nm = y, m + 1
  if nm == 13 then ny, nm = y + 1, 1 end
  return days_from_civil(y, m) * 86400, days_from_civil(ny, nm) * 86400
end
-- Lua prints large numbers as 1e+15; Redis wants integer text.
local function int(x) return string.format('%d', x) end
"""

# KEYS[1] reservation record, KEYS[2..] bucket key prefixes (the window start is appended here,
# since only the script knows the time). ARGV[2] margin_s, then per bucket: name, window_s,
# capacity, amount. Reply: admitted (1/0), index of the blocking bucket (0 = none), then per
# bucket: used, milliseconds to reset. Expiries are relative (EXPIRE, not EXPIREAT) so that a
# test clock far from the real one still yields sane TTLs.
_RESERVE = (
    _PRELUDE
    + """
local now = now_ms()
local now_s = math.floor(now / 1000)
local margin = tonumber(ARGV[2])
local n = #KEYS - 1
local keys, ends, used = {}, {}, {}
for i = 1, n do
  local start, stop = window(tonumber(ARGV[i * 4]), now_s)
  keys[i] = KEYS[i + 1] .. ':' .. int(start)
  ends[i] = stop
  used[i] = tonumber(redis.call('GET', keys[i]) or '0')
end
local function reply(admitted, blocked)
  local out = {admitted, blocked}
  for i = 1, n do
    out[#out + 1] = used[i]
    out[#out + 1] = ends[i] * 1000 - now
  end
  return out
end
local record = redis.call('GET', KEYS[1])
if record and cjson.decode(record).x * 1000 > now then return reply(1, 0) end
for i = 1, n do
  local amount = tonumber(ARGV[i * 4 + 2])
  if amount > 0 and used[i] + amount > tonumber(ARGV[i * 4 + 1]) then return reply(0, i) end
end
local held, expiry = {}, now_s + margin
for i = 1, n do
  local amount = ARGV[i * 4 + 2]
  if tonumber(amount) > 0 then
    local v = redis.call('INCRBY', keys[i], amount)
    if v == tonumber(amount) then redis.call('EXPIRE', keys[i], ends[i] + margin - now_s) end
    used[i] = v
  end
  held[i] = {ARGV[i * 4 - 1], keys[i], amount}
  expiry = math.max(expiry, ends[i] + margin)
end
redis.call('SET', KEYS[1], cjson.encode({x = expiry, h = held}), 'EX', expiry - now_s)
return reply(1, 0)
"""
)

# KEYS[1] reservation record. ARGV[2] 'settle' or 'refund', then name/actual pairs. The record
# is deleted first, which is what makes a second settle or refund a no-op. The expiry inside the
# record agrees with its TTL on the server clock and only matters under a test clock. Buckets
# that have expired are left alone: recreating one would leak a key without a TTL.
_CLOSE = (
    _PRELUDE
    + """
local now = now_ms()
local record = redis.call('GET', KEYS[1])
if not record then return 0 end
redis.call('DEL', KEYS[1])
record = cjson.decode(record)
if record.x * 1000 <= now then return 0 end
local actual = {}
for i = 3, #ARGV, 2 do actual[ARGV[i]] = tonumber(ARGV[i + 1]) end
for _, h in ipairs(record.h) do
  local target = actual[h[1]]
  if ARGV[2] == 'refund' then target = 0 end
  if target ~= nil and redis.call('EXISTS', h[2]) == 1 then
    local delta = target - tonumber(h[3])
    if delta ~= 0 and redis.call('INCRBY', h[2], int(delta)) < 0 then
      redis.call('SET', h[2], '0', 'KEEPTTL')
    end
  end
end
return 1
"""
)

# KEYS bucket key prefixes, ARGV[2..] their window_s. Reply: per bucket used, ms to reset.
_USAGE = (
    _PRELUDE
    + """
local now = now_ms()
local now_s = math.floor(now / 1000)
local out = {}
for i = 1, #KEYS do
  local start, stop = window(tonumber(ARGV[i + 1]), now_s)
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i] .. ':' .. int(start)) or '0')
  out[#out + 1] = stop * 1000 - now
end
return out
"""
)


class RedisQuotaStore:
    """Quota buckets in Redis (standalone, Sentinel-managed, or Cluster thanks to hash tags)."""

    def __init__(
        self,
        client: Redis | RedisCluster,
        *,
        prefix: str = "kordon:quota",
        margin_s: int = EXPIRY_MARGIN_S,
        test_clock: Clock | None = None,
    ) -> None:
        """Wrap ``client``, which the caller keeps and closes.

        ``test_clock`` exists for tests only: it replaces Redis ``TIME`` so window roll-over can
        be tested without waiting. Production leaves it None so every replica shares one clock.
        """
        self._client = client
        self._prefix = prefix
        self._margin_s = margin_s
        self._test_clock = test_clock
        self._reserve = client.register_script(_RESERVE)
        self._close = client.register_script(_CLOSE)
        self._usage = client.register_script(_USAGE)

    async def reserve(
        self, subject: str, limits: Sequence[Limit], amounts: Amounts, reservation_id: str
    ) -> Admission:
        check_amounts(limits, amounts)
        keys = [self._record_key(subject, reservation_id)]
        args: list[str | int] = [self._now_arg(), self._margin_s]
        for limit in limits:
            keys.append(self._bucket_key(subject, limit))
            args += [limit.name, limit.window_s, limit.capacity, amounts[limit.name]]
        reply = await self._run(self._reserve, keys, args)
        states = _states(limits, reply[2:])
        blocked = states[reply[1] - 1] if reply[1] else None
        return Admission(tuple(states), blocked)

    async def settle(self, subject: str, reservation_id: str, actual: Amounts) -> bool:
        check_amounts((), actual)
        args: list[str | int] = [self._now_arg(), "settle"]
        for name, amount in actual.items():
            args += [name, amount]
        reply = await self._run(self._close, [self._record_key(subject, reservation_id)], args)
        return bool(reply)

    async def refund(self, subject: str, reservation_id: str) -> bool:
        args: list[str | int] = [self._now_arg(), "refund"]
        reply = await self._run(self._close, [self._record_key(subject, reservation_id)], args)
        return bool(reply)

    async def usage(self, subject: str, limits: Sequence[Limit]) -> list[BucketState]:
        keys = [self._bucket_key(subject, limit) for limit in limits]
        args: list[str | int] = [self._now_arg(), *(limit.window_s for limit in limits)]
        return _states(limits, await self._run(self._usage, keys, args))

    def _bucket_key(self, subject: str, limit: Limit) -> str:
        # Unit and window length are part of the name, so a policy change that reuses a limit
        # name for another unit or window starts a fresh counter instead of misreading this one.
        return f"{self._prefix}:{{{subject}}}:b:{limit.name}:{limit.unit}:{limit.window_s}"

    def _record_key(self, subject: str, reservation_id: str) -> str:
        return f"{self._prefix}:{{{subject}}}:r:{reservation_id}"

    def _now_arg(self) -> str:
        return "" if self._test_clock is None else str(round(self._test_clock() * 1000))

    async def _run(self, script: Any, keys: list[str], args: list[str | int]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            raise QuotaStoreUnavailable(f"quota store: {exc}") from exc


def connect(url: str, *, timeout_s: float = 0.25, max_connections: int = 128) -> Redis:
    """A client suited to the quota path: short timeouts, one immediate retry, no backoff.

    A quota check that waits seconds for Redis is worse than one that fails fast and lets the
    Decision's failure mode decide. The pool blocks (up to ``timeout_s``) when all connections
    are busy, instead of failing a burst outright. The caller owns the client and closes it
    with ``await client.aclose()``, which also closes the pool.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_s,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 1),
    )
    return Redis.from_pool(pool)


def _states(limits: Sequence[Limit], pairs: Sequence[int]) -> list[BucketState]:
    """Pair each limit with its (used, ms to reset) from a script reply."""
    return [
        BucketState(limit, int(pairs[2 * i]), int(pairs[2 * i + 1]) / 1000)
        for i, limit in enumerate(limits)
    ]
