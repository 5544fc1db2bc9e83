"""What counts as a change between a recorded decision and a candidate's."""

from __future__ import annotations

from typing import Any

from app.policy.replay_diff import Change, diff


def _decision(**fields: Any) -> dict[str, Any]:
    decision: dict[str, Any] = {
        "version": 1,
        "allow": True,
        "reasons": ["personal data of RU subjects is processed only in region ru"],
        "region": "ru",
        "routes": [{"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"}],
        "redaction": "pseudonymize",
        "quota": {
            "subject": "tenant:acme-ru",
            "limits": [
                {"name": "rpm", "unit": "requests", "limit": 600, "window_s": 60},
                {"name": "rpk", "unit": "requests", "limit": 300, "window_s": 60, "scope": "key:k"},
            ],
        },
        "cache": {"mode": "off", "ttl_s": 0},
        "audit": {"level": "metadata"},
    }
    return decision | fields


def _denied(**fields: Any) -> dict[str, Any]:
    base = {"allow": False, "routes": [], "redaction": "block"}
    return _decision(**base, quota={"subject": "tenant:acme-ru", "limits": []}) | fields


def test_the_same_decision_is_no_change() -> None:
    assert diff(_decision(), _decision()) == []


def test_reasons_alone_are_no_change() -> None:
    assert diff(_decision(), _decision(reasons=["reworded"])) == []


def test_allow_flip_reports_allow_and_region_only() -> None:
    assert diff(_decision(), _denied()) == [Change("allow", ("allow -> deny",))]
    assert diff(_denied(region="any"), _decision()) == [
        Change("allow", ("deny -> allow",)),
        Change("region", ("any -> ru",)),
    ]


def test_two_denials_compare_only_the_region() -> None:
    assert diff(_denied(), _denied(reasons=["other"])) == []
    assert diff(_denied(), _denied(region="eu")) == [Change("region", ("ru -> eu",))]


def test_routes_redaction_and_limits_of_two_allowed_decisions() -> None:
    after = _decision(
        routes=[{"provider": "mistral-eu", "model": "mistral-small-latest"}],
        redaction="mask",
        quota={
            "subject": "tenant:acme-ru",
            "limits": [{"name": "rpm", "unit": "requests", "limit": 1200, "window_s": 60}],
        },
    )
    assert diff(_decision(), after) == [
        Change(
            "routes",
            ("onprem-vllm/qwen2.5-72b-instruct -> mistral-eu/mistral-small-latest",),
        ),
        Change("redaction", ("pseudonymize -> mask",)),
        Change(
            "quota_limits",
            (
                "rpk[key:k]: 300 requests/60s -> (none)",
                "rpm: 600 requests/60s -> 1200 requests/60s",
            ),
        ),
    ]


def test_route_order_is_a_change() -> None:
    two = [{"provider": "a", "model": "m"}, {"provider": "b", "model": "m"}]
    assert [c.kind for c in diff(_decision(routes=two), _decision(routes=two[::-1]))] == ["routes"]


def test_an_undefined_or_off_contract_candidate_is_invalid() -> None:
    assert diff(_decision(), None) == [Change("invalid", ("undefined or evaluation error",))]
    assert diff(_decision(), _decision(allow="yes")) == [
        Change("invalid", ("off contract at allow",))
    ]
    assert diff(_decision(), _decision(redaction="scramble")) == [
        Change("invalid", ("off contract at redaction",))
    ]
