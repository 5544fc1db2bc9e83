"""Replay gates: the changes a team forbids a candidate bundle to make.

A gate is a predicate over one replayed case (the recorded or baseline decision, the
candidate's decision, the input document). Gates are named by flag (`--gate NAME`) or in the
candidate's own data, `data.kordon_release.forbidden_changes` (docs/policy-lifecycle-replay.md).
Names are kebab-case; snake_case spellings are accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GATES", "Case", "Gate", "UnknownGate", "World", "resolve"]

# Weakest to strongest protection before data leaves: a placeholder hides more than a mask.
_REDACTION_RANK = {"none": 0, "mask": 1, "pseudonymize": 2, "block": 3}
_PROTECTED = ("personal", "special")


class UnknownGate(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class World:
    """What gates need from the candidate's data: where providers are, whose tenants are RU."""

    provider_regions: Mapping[str, str]
    tenant_jurisdictions: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Case:
    tenant: str
    input: Mapping[str, Any]
    before: Mapping[str, Any]
    after: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    description: str
    violated: Callable[[Case, World], bool]


def _allowed(decision: Mapping[str, Any] | None) -> bool:
    return decision is not None and decision.get("allow") is True


def _denied_becomes_allowed(case: Case, _: World) -> bool:
    return not _allowed(case.before) and _allowed(case.after)


def _allowed_becomes_denied(case: Case, _: World) -> bool:
    return _allowed(case.before) and not _allowed(case.after)


def _redaction_weakened(case: Case, _: World) -> bool:
    if not (_allowed(case.before) and _allowed(case.after) and case.after is not None):
        return False
    before = _REDACTION_RANK.get(str(case.before.get("redaction")), 3)
    return _REDACTION_RANK.get(str(case.after.get("redaction")), 0) < before


def _region_changed(case: Case, _: World) -> bool:
    return case.after is not None and case.before.get("region") != case.after.get("region")


def _limits(decision: Mapping[str, Any]) -> dict[str, int]:
    limits = (decision.get("quota") or {}).get("limits") or []
    return {f"{x.get('name')}[{x.get('scope') or ''}]": int(x.get("limit", 0)) for x in limits}


def _quota_loosened(case: Case, _: World) -> bool:
    if not (_allowed(case.before) and _allowed(case.after) and case.after is not None):
        return False
    before, after = _limits(case.before), _limits(case.after)
    return any(key not in after or after[key] > value for key, value in before.items())


def _ru_subject(case: Case, world: World) -> bool:
    data = case.input.get("data") or {}
    if data.get("sensitivity") not in _PROTECTED:
        return False
    subjects = data.get("subjects") or []
    # The policy presumes the tenant's jurisdiction for subjects the scan could not place.
    return "RU" in subjects or (
        not subjects and world.tenant_jurisdictions.get(case.tenant) == "RU"
    )


def _route_regions(decision: Mapping[str, Any], world: World) -> set[str | None]:
    return {
        world.provider_regions.get(str(r.get("provider"))) for r in decision.get("routes") or []
    }


def _personal_data_leaves_ru(case: Case, world: World) -> bool:
    if case.after is None or not _allowed(case.after) or not _ru_subject(case, world):
        return False
    # An unknown provider counts as outside ru: the gate fails closed.
    leaves = _route_regions(case.after, world) != {"ru"}
    stayed = not _allowed(case.before) or _route_regions(case.before, world) == {"ru"}
    return leaves and stayed


def _invalid_decision(case: Case, _: World) -> bool:
    return case.after is None


GATES: dict[str, Gate] = {
    gate.name: gate
    for gate in (
        Gate(
            "personal-data-leaves-ru",
            "personal or special data of a RU subject, kept in region ru (or refused) before, "
            "would be allowed to a provider outside ru",
            _personal_data_leaves_ru,
        ),
        Gate(
            "denied-becomes-allowed", "a denied request would be allowed", _denied_becomes_allowed
        ),
        Gate(
            "allowed-becomes-denied", "an allowed request would be denied", _allowed_becomes_denied
        ),
        Gate(
            "redaction-weakened",
            "redaction would be weaker (block > pseudonymize > mask > none)",
            _redaction_weakened,
        ),
        Gate("region-changed", "the residency region would change", _region_changed),
        Gate("quota-loosened", "a quota limit would be raised or removed", _quota_loosened),
        Gate(
            "invalid-decision",
            "the candidate's decision would be undefined, fail or be off contract (503)",
            _invalid_decision,
        ),
    )
}


def resolve(names: Iterable[str]) -> list[Gate]:
    """The gates named, each once, in the order first named; UnknownGate names the unknown."""
    gates: dict[str, Gate] = {}
    for raw in names:
        name = raw.strip().replace("_", "-")
        if name not in GATES:
            raise UnknownGate(f"unknown gate {raw!r}; known: {', '.join(GATES)}")
        gates.setdefault(name, GATES[name])
    return list(gates.values())
