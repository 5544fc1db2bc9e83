"""Decision parsing fails closed: undefined, malformed or off-contract results never pass."""

from __future__ import annotations

import uuid

import orjson
import pytest

from app.errors import PolicyUnavailable
from app.policy.opa import _parse

ALLOW = {
    "version": 1,
    "allow": True,
    "reasons": ["public data may go anywhere the tenant allows"],
    "region": "any",
    "routes": [{"provider": "onprem-vllm", "model": "qwen2.5-72b-instruct"}],
    "redaction": "none",
    "quota": {
        "subject": "tenant:acme-ru",
        "limits": [
            {"name": "requests_per_minute", "unit": "requests", "limit": 600, "window_s": 60}
        ],
    },
    "cache": {"mode": "off", "ttl_s": 0},
    "audit": {"level": "metadata"},
}
PROVENANCE = {"version": "1.22.2", "bundles": {"bundle.tar.gz": {"revision": "abc+git.123"}}}


def test_a_valid_decision_carries_its_revision() -> None:
    result = _parse(orjson.dumps({"result": ALLOW, "provenance": PROVENANCE}))
    assert result.decision.allow
    assert result.decision.routes[0].provider == "onprem-vllm"
    assert result.revision == "abc+git.123"
    assert result.decision_id.startswith("dec_")


def test_the_gateway_names_a_decision_by_a_random_version_4_uuid() -> None:
    ids = {_parse(orjson.dumps({"result": ALLOW})).decision_id for _ in range(500)}
    assert len(ids) == 500
    for decision_id in ids:
        prefix, _, spelled = decision_id.partition("_")
        named = uuid.UUID(spelled)
        assert (prefix, named.hex, named.version, named.variant) == (
            "dec",
            spelled,
            4,
            uuid.RFC_4122,
        )


def test_opa_decision_id_is_kept_when_opa_logs_decisions() -> None:
    body = {"result": ALLOW, "provenance": PROVENANCE, "decision_id": "4f1c"}
    assert _parse(orjson.dumps(body)).decision_id == "4f1c"


def test_undefined_decision_fails_closed() -> None:
    with pytest.raises(PolicyUnavailable) as caught:
        _parse(b"{}")
    assert caught.value.code == "policy_undefined"
    assert caught.value.status == 503


@pytest.mark.parametrize(
    "broken",
    [
        {**ALLOW, "allow": "yes"},
        {**ALLOW, "redaction": "scramble"},
        {**ALLOW, "version": 2},
        {k: v for k, v in ALLOW.items() if k != "routes"},
        {**ALLOW, "routes": [{"provider": "", "model": "x"}]},
        {
            **ALLOW,
            "quota": {
                "subject": "t",
                "limits": [{"name": "x", "unit": "tokens", "limit": -1, "window_s": 60}],
            },
        },
    ],
)
def test_off_contract_decision_fails_closed(broken: dict[str, object]) -> None:
    with pytest.raises(PolicyUnavailable) as caught:
        _parse(orjson.dumps({"result": broken}))
    assert caught.value.code == "policy_invalid"


def test_garbage_fails_closed() -> None:
    with pytest.raises(PolicyUnavailable):
        _parse(b"<html>")
