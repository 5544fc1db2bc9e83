"""Replay gates on single cases."""

from __future__ import annotations

from typing import Any

import pytest

from app.policy.replay_gates import GATES, Case, UnknownGate, World, resolve

WORLD = World(
    provider_regions={"cloudru": "ru", "onprem-vllm": "ru", "mistral-eu": "eu"},
    tenant_jurisdictions={"acme-ru": "RU", "eu-bank": "EU"},
)


def _input(sensitivity: str = "personal", subjects: tuple[str, ...] = ("RU",)) -> dict[str, Any]:
    return {"data": {"sensitivity": sensitivity, "subjects": list(subjects)}}


def _allowed(*providers: str, redaction: str = "pseudonymize", rpm: int = 600) -> dict[str, Any]:
    return {
        "allow": True,
        "region": "ru",
        "routes": [{"provider": p, "model": "m"} for p in providers],
        "redaction": redaction,
        "quota": {"limits": [{"name": "rpm", "limit": rpm}]},
    }


DENIED: dict[str, Any] = {"allow": False, "region": "ru", "routes": [], "redaction": "block"}


def _violated(
    gate: str,
    before: dict[str, Any],
    after: dict[str, Any] | None,
    document: dict[str, Any] | None = None,
    tenant: str = "acme-ru",
) -> bool:
    return GATES[gate].violated(Case(tenant, document or _input(), before, after), WORLD)


@pytest.mark.parametrize(
    ("before", "after", "document", "tenant", "violated"),
    [
        (_allowed("cloudru"), _allowed("cloudru", "mistral-eu"), None, "acme-ru", True),
        (DENIED, _allowed("mistral-eu"), None, "acme-ru", True),
        (_allowed("cloudru"), _allowed("onprem-vllm"), None, "acme-ru", False),
        (_allowed("cloudru"), DENIED, None, "acme-ru", False),
        # already outside ru before: a change, not this gate's
        (_allowed("mistral-eu"), _allowed("mistral-eu"), None, "acme-ru", False),
        # an unknown provider counts as outside ru
        (_allowed("cloudru"), _allowed("new-cloud"), None, "acme-ru", True),
        # not personal, or not a RU subject
        (_allowed("cloudru"), _allowed("mistral-eu"), _input("confidential"), "acme-ru", False),
        (_allowed("cloudru"), _allowed("mistral-eu"), _input(subjects=("EU",)), "acme-ru", False),
        # no subject found: the tenant's jurisdiction is presumed
        (_allowed("cloudru"), _allowed("mistral-eu"), _input(subjects=()), "acme-ru", True),
        (_allowed("cloudru"), _allowed("mistral-eu"), _input(subjects=()), "eu-bank", False),
        (_allowed("cloudru"), _allowed("mistral-eu"), _input("special"), "acme-ru", True),
    ],
)
def test_personal_data_leaves_ru(
    before: dict[str, Any],
    after: dict[str, Any],
    document: dict[str, Any] | None,
    tenant: str,
    violated: bool,
) -> None:
    assert _violated("personal-data-leaves-ru", before, after, document, tenant) is violated


def test_allow_flips() -> None:
    assert _violated("denied-becomes-allowed", DENIED, _allowed("cloudru"))
    assert not _violated("denied-becomes-allowed", _allowed("cloudru"), DENIED)
    assert _violated("allowed-becomes-denied", _allowed("cloudru"), DENIED)
    assert _violated("allowed-becomes-denied", _allowed("cloudru"), None)


@pytest.mark.parametrize(
    ("before", "after", "violated"),
    [
        ("pseudonymize", "none", True),
        ("block", "mask", True),
        ("pseudonymize", "mask", True),
        ("mask", "pseudonymize", False),
        ("none", "block", False),
        ("mask", "mask", False),
    ],
)
def test_redaction_weakened(before: str, after: str, violated: bool) -> None:
    was, now = _allowed("cloudru", redaction=before), _allowed("cloudru", redaction=after)
    assert _violated("redaction-weakened", was, now) is violated


def test_region_quota_and_invalid() -> None:
    assert _violated("region-changed", DENIED, {**DENIED, "region": "eu"})
    assert not _violated("region-changed", DENIED, None)
    assert _violated("quota-loosened", _allowed("cloudru"), _allowed("cloudru", rpm=601))
    assert _violated("quota-loosened", _allowed("cloudru"), {**_allowed("cloudru"), "quota": {}})
    assert not _violated("quota-loosened", _allowed("cloudru"), _allowed("cloudru", rpm=10))
    assert _violated("invalid-decision", _allowed("cloudru"), None)


def test_resolve_accepts_snake_case_once_and_rejects_unknown_names() -> None:
    gates = resolve(["redaction_weakened", "redaction-weakened", "region-changed"])
    assert [g.name for g in gates] == ["redaction-weakened", "region-changed"]
    with pytest.raises(UnknownGate, match="no-such-gate"):
        resolve(["no-such-gate"])
