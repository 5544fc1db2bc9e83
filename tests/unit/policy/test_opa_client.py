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


def _with(path: str, value: object) -> dict[str, object]:
    """ALLOW with the field at dotted `path` set to `value` (or removed, for _GONE)."""
    document = orjson.loads(orjson.dumps(ALLOW))
    *parents, last = path.split(".")
    node = document
    for step in parents:
        node = node[int(step)] if isinstance(node, list) else node[step]
    if value is _GONE:
        del node[last]
    else:
        node[last] = value
    return document  # type: ignore[no-any-return]


_GONE = object()
_LIMIT = "quota.limits.0"

# Strict, as the contract was under pydantic: no coercion, every bound and value list checked.
OFF_CONTRACT = {
    "'yes' as a boolean": _with("allow", "yes"),
    "1 as a boolean": _with("allow", 1),
    "'1' as an integer": _with(f"{_LIMIT}.limit", "1"),
    "true as an integer": _with("cache.ttl_s", True),
    "a float as an integer": _with(f"{_LIMIT}.window_s", 60.5),
    "a number as a string": _with("region", 7),
    "null for a required field": _with("region", None),
    "a number among the reasons": _with("reasons", ["ok", 1]),
    "an unknown redaction": _with("redaction", "scramble"),
    "an unknown cache mode": _with("cache.mode", "fuzzy"),
    "an unknown outage rule": _with("quota.on_store_error", "maybe"),
    "another contract version": _with("version", 2),
    "routes missing": _with("routes", _GONE),
    "a nested required field missing": _with("cache.ttl_s", _GONE),
    "an audit level missing": _with("audit.level", _GONE),
    "an empty provider": _with("routes", [{"provider": "", "model": "x"}]),
    "an empty quota scope": _with(f"{_LIMIT}.scope", ""),
    "a negative limit": _with(f"{_LIMIT}.limit", -1),
    "no output tokens by default": _with("quota.max_output_default", 0),
    "a similarity above 1": _with("cache.min_similarity", 1.5),
    "routes not a list": _with("routes", {"provider": "p", "model": "m"}),
    "a decision that is not an object": [ALLOW],
    "a null decision": None,
}


@pytest.mark.parametrize("broken", OFF_CONTRACT.values(), ids=OFF_CONTRACT.keys())
def test_off_contract_decision_fails_closed(broken: object) -> None:
    with pytest.raises(PolicyUnavailable) as caught:
        _parse(orjson.dumps({"result": broken}))
    assert caught.value.code == "policy_invalid"
    assert caught.value.status == 503


def test_unknown_fields_are_ignored_and_defaults_filled() -> None:
    newer = _with("routes", [{"provider": "p", "model": "m", "weight": 3}])
    newer["explain"] = {"rules": ["region"]}
    newer["cache"] = {"mode": "exact", "ttl_s": 60, "min_similarity": 1, "tier": "hot"}
    decision = _parse(orjson.dumps({"result": newer})).decision
    assert (decision.routes[0].provider, decision.routes[0].model) == ("p", "m")
    assert (decision.cache.mode, decision.cache.min_similarity, decision.cache.epoch) == (
        "exact",
        1.0,
        0,
    )
    assert decision.provider_logging is False
    assert decision.quota.on_store_error == "deny"
    assert decision.quota.limits[0].scope is None
    assert decision.audit.on_queue_full == "deny"


def test_a_decision_is_frozen() -> None:
    decision = _parse(orjson.dumps({"result": ALLOW})).decision
    with pytest.raises(AttributeError):
        decision.allow = False  # type: ignore[misc]


def test_an_answer_that_is_not_an_object_is_undefined() -> None:
    with pytest.raises(PolicyUnavailable) as caught:
        _parse(b"[]")
    assert caught.value.code == "policy_undefined"


def test_garbage_fails_closed() -> None:
    with pytest.raises(PolicyUnavailable):
        _parse(b"<html>")
