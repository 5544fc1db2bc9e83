"""Replicas of one provider behind the real gateway and OPA: the `openai` SDK as the client,
chaos upstreams on loopback as onprem-vllm's three replicas (`endpoint.replicas` in the bundle).

The decision names provider and model only; the gateway picks the replica with the fewest
requests in flight, skips one whose circuit is open, and tries every replica of a route before
the next route, which is still only ever one the decision listed (residency holds).
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.integration.conftest import Stack
from tests.integration.test_resilience import RU_PERSONAL, RU_REGION, Chaos, _gateway

ROUTE = "onprem-vllm/qwen2.5-72b-instruct"
PRIMARY, SECOND, THIRD = "onprem-vllm", "onprem-vllm#2", "onprem-vllm#3"
LABELS = {
    PRIMARY: "KORDON_PROVIDER_ONPREM_VLLM_BASE_URL",
    SECOND: "KORDON_PROVIDER_ONPREM_VLLM_2_BASE_URL",
    THIRD: "KORDON_PROVIDER_ONPREM_VLLM_3_BASE_URL",
}
FOREIGN = ("mistral-eu", "openai-us", "anthropic-us")


def _replicas(chaos: Chaos) -> dict[str, dict[str, object]]:
    """The admin endpoint's rows for onprem-vllm, by test upstream name."""
    rows = {r["replica"]: r for r in chaos.rows() if r["provider"] == "onprem-vllm"}
    return {name: rows[label] for name, label in LABELS.items() if label in rows}


def _served_by_onprem(chaos: Chaos) -> None:
    raw = chaos.client().chat.completions.with_raw_response.create(
        model="auto", messages=RU_PERSONAL
    )
    assert raw.headers["x-kordon-route"] == ROUTE  # the route, never a replica
    assert raw.parse().choices[0].message.content == "Сводка готова: три пункта."


def _foreign_untouched(chaos: Chaos) -> None:
    for name in FOREIGN:
        assert not chaos.upstreams[name].received


def test_a_replica_holding_a_stream_gets_no_new_request(stack: Stack, tmp_path: Path) -> None:
    # The held stream stays open past the test: nothing times it out or waits for it.
    for chaos in _gateway(
        stack, tmp_path, replicas=True, upstream_idle_timeout_s="30", drain_timeout_s="0"
    ):
        chaos.upstreams[PRIMARY].plan = ["drip"]  # a stream that stays open ~10 s
        chaos.upstreams[PRIMARY].pause_s = 10
        held = chaos.client().chat.completions.create(
            model="auto", messages=RU_PERSONAL, stream=True
        )
        assert chaos.tape == [PRIMARY]
        for _ in range(4):
            _served_by_onprem(chaos)
        assert chaos.tape == [PRIMARY, SECOND, THIRD, SECOND, THIRD]
        rows = _replicas(chaos)
        # Still in flight on the primary when the others were chosen.
        assert {name: (r["outstanding"], r["requests"]) for name, r in rows.items()} == {
            PRIMARY: (1, 1),
            SECOND: (0, 2),
            THIRD: (0, 2),
        }
        assert {r["state"] for r in rows.values()} == {"closed"}
        held.close()
        _foreign_untouched(chaos)


def test_a_dead_replica_is_skipped_and_its_circuit_opens(stack: Stack, tmp_path: Path) -> None:
    for chaos in _gateway(stack, tmp_path, dead=(SECOND,), replicas=True):
        for _ in range(8):
            _served_by_onprem(chaos)  # the client never sees the dead replica
        dead = _replicas(chaos)[SECOND]
        assert (dead["state"], dead["requests"], dead["failures"]) == ("open", 2, 2)
        assert isinstance(dead["last_error"], str)
        assert dead["last_error"].startswith("connection failed")
        # Failed over to the other replicas of the route, never to the next route.
        assert set(chaos.tape) == {PRIMARY, THIRD}
        assert len(chaos.tape) == 8
        for _ in range(4):
            _served_by_onprem(chaos)
        assert _replicas(chaos)[SECOND]["requests"] == 2  # no traffic while open
        _foreign_untouched(chaos)


def test_residency_holds_when_every_replica_is_down(stack: Stack, tmp_path: Path) -> None:
    for chaos in _gateway(stack, tmp_path, dead=(PRIMARY, SECOND, THIRD), replicas=True):
        chaos.upstreams["cloudru"].default = "http_500"
        with pytest.raises(openai.APIStatusError) as caught:
            chaos.client().chat.completions.create(model="auto", messages=RU_PERSONAL)
        assert caught.value.status_code == 503
        message = str(caught.value.body)
        assert "no route outside it was tried" in message
        # Every replica of onprem-vllm was tried before the next route of region ru.
        assert message.count(f"{ROUTE}: connection failed") == 3
        assert set(chaos.tape) <= RU_REGION
        assert chaos.tape == ["cloudru"]  # gigachat fails at its OAuth endpoint, locally
        _foreign_untouched(chaos)
