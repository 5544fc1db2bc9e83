"""The hot-path decision call to the OPA sidecar.

This does not use opa-python-client: its async client retries connection errors and
502/503/504 with backoff (a retried decision is evaluated and logged twice), takes its headers
once at construction (no per-call request id) and has one timeout for every call. The decision
is one POST on a pool of its own (`opa_wire.py`); readiness and bundle data are two GETs of
`opa_admin.py`. bench/bench_decision.py measures the trip.
With a decision memo (`memo.py`), a repeat of an input document under the active revision is
answered without the trip, once that revision's policies are analysed as deterministic.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import msgspec
import orjson

from app.errors import PolicyUnavailable
from app.policy.memo import DecisionMemo, memo_key
from app.policy.opa_wire import OpaWire, WireError
from app.schemas.contract import Decision, InputDocument
from app.schemas.validation import failure

__all__ = ["DECISION_PATH", "DecisionClient", "PolicyResult", "bundle_revision"]

log = logging.getLogger("kordon.policy")

# `provenance` makes OPA name the bundle revision it evaluated with, so the revision on a
# response is the one that decided it, even while a new bundle is being activated.
DECISION_PATH = "/v1/data/kordon/decision?provenance"


@dataclass(frozen=True, slots=True)
class PolicyResult:
    decision: Decision
    decision_id: str
    revision: str
    # Served from the decision memo: the decision OPA gave an identical input document
    # under the same revision, under a decision id of this request's own.
    memo: bool = False


class DecisionClient:
    """Evaluates `data.kordon.decision` once per request; never retries."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        pool_size: int = 8,
        queue_timeout_s: float = 1.0,
        unix_socket: Path | None = None,
        memo: DecisionMemo[PolicyResult] | None = None,
    ) -> None:
        # At most `pool_size` decisions are in OPA at once: the rest wait for a pooled
        # connection in the gateway, up to `queue_timeout_s`, so `timeout_s` (connect, then the
        # answer) times OPA's own evaluation, not a queue inside OPA on a shared core
        # (docs/performance.md, "Decision backpressure"). Either bound exceeded fails closed.
        self._new_wire = partial(
            OpaWire,
            base_url,
            size=pool_size,
            timeout_s=timeout_s,
            queue_timeout_s=queue_timeout_s,
            unix_socket=unix_socket,
        )
        self._wire: OpaWire | None = None
        self.memo = memo

    async def start(self) -> None:
        self._wire = self._new_wire()

    async def close(self) -> None:
        if self._wire is not None:
            await self._wire.close()
            self._wire = None

    async def decide(self, document: InputDocument, request_id: str) -> PolicyResult:
        """Return the validated decision, or raise PolicyUnavailable (the caller fails closed)."""
        memo = self.memo
        if memo is None:
            return await self._ask(document, request_id)
        with_time = memo.keying
        generation = memo.generation
        if with_time is None:  # the revision is not analysed yet, or never memoized
            result = await self._ask(document, request_id)
            memo.learn(generation, result.revision)
            return result
        key = memo_key(document, with_time=with_time)
        epoch = document["context"]["time"] if with_time else ""
        known = memo.get(key, epoch=epoch)
        if known is not None:
            return PolicyResult(known.decision, _new_decision_id(), known.revision, memo=True)
        result = await self._ask(document, request_id)
        memo.store(key, generation, result.revision, result, epoch=epoch)
        return result

    async def _ask(self, document: InputDocument, request_id: str) -> PolicyResult:
        if self._wire is None:
            raise PolicyUnavailable("policy client is not started")
        try:
            status, raw = await self._wire.post(
                DECISION_PATH, orjson.dumps({"input": document}), request_id
            )
        except (WireError, TimeoutError) as exc:
            log.warning("decision %s failed: %s", request_id, type(exc).__name__)
            raise PolicyUnavailable(
                "policy engine unreachable; request refused", code="policy_unreachable"
            ) from exc
        if status != 200:
            raise PolicyUnavailable(
                f"policy engine answered HTTP {status}; request refused", code="policy_error"
            )
        return _parse(raw)


class _Answer(msgspec.Struct):
    """OPA's answer; `result` is absent when the decision is undefined."""

    result: Decision | msgspec.UnsetType = msgspec.UNSET
    decision_id: object = None
    provenance: object = None


# Decoded straight from OPA's bytes into the contract's types: one pass, ~1.3 µs a decision
# less than orjson then msgspec.convert (docs/performance.md, "Round 4: msgspec").
_ANSWER = msgspec.json.Decoder(_Answer)


def _parse(raw: bytes) -> PolicyResult:
    try:
        answer = _ANSWER.decode(raw)
    except msgspec.ValidationError as exc:
        if failure(exc)[0] is None:  # the answer itself is not an object
            raise PolicyUnavailable(
                "policy decision is undefined; request refused", code="policy_undefined"
            ) from exc
        raise PolicyUnavailable(
            "policy decision does not match contract v1; request refused",
            code="policy_invalid",
        ) from exc
    except msgspec.DecodeError as exc:
        raise PolicyUnavailable("policy engine sent invalid JSON", code="policy_error") from exc
    if isinstance(answer.result, msgspec.UnsetType):
        raise PolicyUnavailable(
            "policy decision is undefined; request refused", code="policy_undefined"
        )
    # OPA returns a decision id only when its decision log is on (which halves its throughput
    # on one core); otherwise the gateway names the decision itself.
    decision_id = answer.decision_id or _new_decision_id()
    provenance = answer.provenance
    bundles = provenance.get("bundles") if isinstance(provenance, dict) else None
    return PolicyResult(answer.result, str(decision_id), bundle_revision(bundles))


def _new_decision_id() -> str:
    """`dec_` and a random (version 4) UUID's hex, as `uuid.uuid4().hex` spells it: the bits
    set here directly, without a UUID object (0.6 instead of 1.6 µs)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    return "dec_" + raw.hex()


def bundle_revision(bundles: object) -> str:
    """The revision of the active bundles, as provenance or `data.system.bundles` list them."""
    if not isinstance(bundles, dict) or not bundles:
        return "unknown"
    revisions = sorted(
        str(b.get("revision") or b.get("manifest", {}).get("revision", ""))
        for b in bundles.values()
        if isinstance(b, dict)
    )
    return ",".join(revisions) or "unknown"
