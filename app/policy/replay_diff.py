"""What changed between two decisions for the same input document, by kind.

Kinds: `allow` (allow <-> deny), `region`, `routes`, `redaction`, `quota_limits`, `invalid`
(the candidate's decision is undefined, fails to evaluate or is off contract v1: the gateway
would answer 503).
Only what the gateway acts on is compared: when `allow` flips, routes, redaction and limits
follow from it and are not reported again; when both deny, only the region is compared (a
denied decision keeps only reasons, region and quota subject).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from app.schemas.contract import parse_decision
from app.schemas.validation import failure

__all__ = ["KINDS", "Change", "diff"]

KINDS = ("allow", "region", "routes", "redaction", "quota_limits", "invalid")


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    transitions: tuple[str, ...]


def diff(before: dict[str, Any], after: dict[str, Any] | None) -> list[Change]:
    """The changes from `before` (recorded or baseline) to `after` (the candidate's)."""
    if after is None:
        return [Change("invalid", ("undefined or evaluation error",))]
    try:
        parse_decision(after)
    except msgspec.ValidationError as exc:
        where = failure(exc)[0] or "decision"
        return [Change("invalid", (f"off contract at {where}",))]
    changes: list[Change] = []
    allowed_before, allowed_after = before.get("allow") is True, after["allow"] is True
    if allowed_before != allowed_after:
        changes.append(
            Change("allow", (f"{_verdict(allowed_before)} -> {_verdict(allowed_after)}",))
        )
    if before.get("region") != after["region"]:
        changes.append(Change("region", (f"{before.get('region')} -> {after['region']}",)))
    if not (allowed_before and allowed_after):
        return changes
    if _routes(before) != _routes(after):
        changes.append(Change("routes", (f"{_routes(before)} -> {_routes(after)}",)))
    if before.get("redaction") != after["redaction"]:
        changes.append(Change("redaction", (f"{before.get('redaction')} -> {after['redaction']}",)))
    limits = _limit_changes(_limits(before), _limits(after))
    if limits:
        changes.append(Change("quota_limits", limits))
    return changes


def _verdict(allowed: bool) -> str:
    return "allow" if allowed else "deny"


def _routes(decision: dict[str, Any]) -> str:
    routes = decision.get("routes") or []
    return ", ".join(f"{r.get('provider')}/{r.get('model')}" for r in routes) or "(none)"


def _limits(decision: dict[str, Any]) -> dict[str, str]:
    """Each limit as `amount unit/window`, keyed by name and scope."""
    quota = decision.get("quota") or {}
    out: dict[str, str] = {}
    for limit in quota.get("limits") or []:
        key = limit.get("name", "?") + (f"[{limit['scope']}]" if limit.get("scope") else "")
        out[key] = f"{limit.get('limit')} {limit.get('unit')}/{limit.get('window_s')}s"
    return out


def _limit_changes(before: dict[str, str], after: dict[str, str]) -> tuple[str, ...]:
    return tuple(
        f"{key}: {before.get(key, '(none)')} -> {after.get(key, '(none)')}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    )
