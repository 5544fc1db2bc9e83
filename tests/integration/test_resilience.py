"""Chaos tests: misbehaving upstreams on loopback, the real gateway and OPA, the `openai` SDK.

Each test asserts what the client saw, which upstreams were called in what order (the shared
tape), and what the gateway's health endpoint and quota say afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from app.quota.tokens import count_prompt_tokens, count_text_tokens
from tests.integration.conftest import Stack, _providers
from tests.support.clients import openai_client
from tests.support.processes import free_port, running_gateway
from tests.support.vendors.chaos import ChaosUpstream, Mode, chaos_app
from tests.support.vendors.serving import serving
from tests.support.windows import clear_of_window_edge

ADMIN_KEY = "test-admin-key-4d1f"
PLAIN: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Plan the offsite."}]
RU_PERSONAL: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Клиент: ivan.petrov@mail.ru, +7 912 345-67-89"}
]
RU_REGION = {"onprem-vllm", "cloudru", "gigachat"}
# acme-ru's routes for PLAIN: mistral-eu first, onprem-vllm next (see test_chat).
FIRST, SECOND = "mistral-eu", "onprem-vllm"
FIRST_MODEL = "mistral-small-latest"


@dataclass
class Chaos:
    url: str
    key: str
    upstreams: dict[str, ChaosUpstream]
    tape: list[str]
    log_file: Path

    def client(self) -> openai.OpenAI:
        return openai_client(f"{self.url}/v1", self.key)

    def rows(self) -> list[dict[str, object]]:
        """The admin endpoint's rows, one per (provider, model, replica)."""
        answer = httpx.get(
            f"{self.url}/admin/health", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        answer.raise_for_status()
        rows: list[dict[str, object]] = answer.json()["routes"]
        return rows

    def health(self) -> dict[tuple[str, str], dict[str, object]]:
        """By (provider, model): for providers with one replica."""
        return {(str(r["provider"]), str(r["model"])): r for r in self.rows()}

    def state(self, provider: str) -> set[object]:
        return {r["state"] for (p, _), r in self.health().items() if p == provider}

    def tokens_used(self) -> int:
        answer = httpx.get(f"{self.url}/v1/usage", headers={"Authorization": f"Bearer {self.key}"})
        limits = {row["name"]: row for row in answer.json()["limits"]}
        used = limits["tokens_per_minute"]["used"]
        assert isinstance(used, int)
        return used


def _wiring(replicas: bool) -> dict[str, dict[str, str]]:
    """Upstream name -> the endpoint variables it answers for: one per provider and, with
    `replicas`, one per further replica the bundle names (`onprem-vllm#2`, …)."""
    wiring: dict[str, dict[str, str]] = {}
    for name, spec in _providers().items():
        endpoint = spec["endpoint"]
        assert isinstance(endpoint, dict)
        wiring[name] = endpoint
        for index, extra in enumerate(endpoint.get("replicas", []) if replicas else [], start=2):
            wiring[f"{name}#{index}"] = extra
    return wiring


def _gateway(
    stack: Stack,
    tmp_path: Path,
    dead: tuple[str, ...] = (),
    replicas: bool = False,
    **settings: str,
) -> Iterator[Chaos]:
    tape: list[str] = []
    wiring = _wiring(replicas)
    upstreams = {name: ChaosUpstream(name, tape) for name in wiring}
    with serving({name: chaos_app(u) for name, u in upstreams.items()}) as ports:
        env = {
            "KORDON_UPSTREAM_FIRST_BYTE_TIMEOUT_S": "0.5",
            "KORDON_UPSTREAM_IDLE_TIMEOUT_S": "0.5",
            "KORDON_BREAKER_FAILURES": "2",
            "KORDON_BREAKER_OPEN_S": "30",
            "KORDON_ADMIN_KEY": ADMIN_KEY,
            **{f"KORDON_{k.upper()}": v for k, v in settings.items()},
        }
        for name, endpoint in wiring.items():
            port = free_port() if name in dead else ports[name]  # nothing listens on a dead one
            upstreams[name].port = port
            env[endpoint["base_url_env"]] = upstreams[name].base_url
            env[endpoint["api_key_env"]] = f"test-provider-key-{name}"
            if "auth_url_env" in endpoint:  # GigaChat's OAuth: none here (404), fails locally
                env[endpoint["auth_url_env"]] = f"{upstreams[name].base_url}/oauth"
        log = tmp_path / "gateway.log"
        with running_gateway(stack.opa_url, stack.keys_file, env, log) as url:
            yield Chaos(url, stack.keys["acme-ru"], upstreams, tape, log)


@pytest.fixture(scope="module")
def shared(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chaos]:
    """One gateway for the tests that do not depend on breaker state: its circuits open for
    a millisecond only, so each (sequential) test finds them ready for a call."""
    yield from _gateway(stack, tmp_path_factory.mktemp("chaos"), breaker_open_s="0.001")


@pytest.fixture
def chaos(shared: Chaos) -> Chaos:
    shared.tape.clear()
    for upstream in shared.upstreams.values():
        upstream.plan.clear()
    return shared


@pytest.fixture
def alone(stack: Stack, tmp_path: Path) -> Iterator[Chaos]:
    yield from _gateway(stack, tmp_path)


def _route(chaos: Chaos) -> str:
    raw = chaos.client().chat.completions.with_raw_response.create(model="auto", messages=PLAIN)
    assert raw.parse().choices[0].message.content == "Сводка готова: три пункта."
    return raw.headers["x-kordon-route"].split("/")[0]


def test_refused_connection_falls_back_invisibly(stack: Stack, tmp_path: Path) -> None:
    for chaos in _gateway(stack, tmp_path, dead=(FIRST,)):
        assert _route(chaos) == SECOND
        assert chaos.tape == [SECOND]


@pytest.mark.parametrize("mode", ["http_500", "hang"])
def test_failure_before_the_first_byte_falls_back_invisibly(chaos: Chaos, mode: Mode) -> None:
    chaos.upstreams[FIRST].plan = [mode]
    assert _route(chaos) == SECOND
    assert chaos.tape == [FIRST, SECOND]


def test_429_with_retry_after_cools_the_route_down(alone: Chaos) -> None:
    chaos = alone
    chaos.upstreams[FIRST].plan = ["http_429"]
    assert _route(chaos) == SECOND
    assert _route(chaos) == SECOND
    # The second request skipped the cooling route without calling it.
    assert chaos.tape == [FIRST, SECOND, SECOND]
    route = chaos.health()[(FIRST, FIRST_MODEL)]
    assert route["state"] == "open"
    assert isinstance(route["open_for_s"], float)
    assert route["open_for_s"] > 20


def test_an_open_circuit_receives_no_traffic_until_its_trial(stack: Stack, tmp_path: Path) -> None:
    for chaos in _gateway(stack, tmp_path, breaker_open_s="1"):
        chaos.upstreams[FIRST].plan = ["http_500", "http_500"]
        assert _route(chaos) == SECOND
        assert chaos.state(FIRST) == {"closed"}
        assert _route(chaos) == SECOND
        assert chaos.state(FIRST) == {"open"}
        assert _route(chaos) == SECOND
        assert chaos.tape == [FIRST, SECOND, FIRST, SECOND, SECOND]
        while chaos.state(FIRST) == {"open"}:
            pass  # the breaker's 1 s; the loop polls the admin endpoint until half-open
        assert chaos.state(FIRST) == {"half_open"}
        assert _route(chaos) == FIRST  # the one trial, and it succeeded
        assert chaos.tape[5:] == [FIRST]
        assert chaos.state(FIRST) == {"closed"}


def test_retry_budget_stops_fallbacks_multiplying_load(stack: Stack, tmp_path: Path) -> None:
    for chaos in _gateway(stack, tmp_path, retry_budget_ratio="0", retry_budget_min_per_s="0"):
        chaos.upstreams[FIRST].plan = ["http_500"]
        with pytest.raises(openai.APIStatusError) as caught:
            chaos.client().chat.completions.create(model="auto", messages=PLAIN)
        assert caught.value.status_code == 503
        assert "retry budget exhausted" in str(caught.value.body)
        assert chaos.tape == [FIRST]


def test_residency_holds_when_every_ru_route_is_down(stack: Stack, tmp_path: Path) -> None:
    for chaos in _gateway(stack, tmp_path, dead=("onprem-vllm",)):
        for name in RU_REGION - {"onprem-vllm"}:
            chaos.upstreams[name].default = "http_500"
        for _ in range(3):  # the third finds every RU circuit open
            with pytest.raises(openai.APIStatusError) as caught:
                chaos.client().chat.completions.create(model="auto", messages=RU_PERSONAL)
            assert caught.value.status_code == 503
            message = str(caught.value.body)
            assert "region ru" in message
            assert "no route outside it was tried" in message
        assert "circuit open" in message
        # gigachat fails at its OAuth endpoint before a chat call, so only cloudru is called.
        assert set(chaos.tape) == RU_REGION - {"onprem-vllm", "gigachat"}
        assert not chaos.upstreams["mistral-eu"].received
        assert not chaos.upstreams["openai-us"].received


BROKEN: dict[Mode, str] = {
    "die_before_chunk": "",
    "die_after_chunks": "Сводка готова:",
    "cut_mid_event": "Сводка готова:",
    "error_in_stream": "Сводка готова:",
    "drip": "Сводка готова:",
}


@pytest.mark.parametrize("mode", list(BROKEN))
def test_a_stream_broken_after_the_first_byte_ends_with_an_error_event(
    chaos: Chaos, mode: Mode
) -> None:
    chaos.upstreams[FIRST].plan = [mode, mode]
    request = {"model": "auto", "messages": PLAIN, "stream": True}
    clear_of_window_edge(60, 10)  # tokens_per_minute is read before and after the stream
    used_before = chaos.tokens_used()
    with httpx.stream(
        "POST",
        f"{chaos.url}/v1/chat/completions",
        json=request,
        headers={"Authorization": f"Bearer {chaos.key}"},
    ) as raw:
        assert raw.status_code == 200
        assert raw.headers["x-kordon-route"].startswith(FIRST)
        body = raw.read().decode()
    assert "[DONE]" not in body
    assert body.rstrip().splitlines()[-1].startswith('data: {"error":')
    # Settled on what was delivered (estimated: the upstream sent no usage), not the hold.
    prompt = count_prompt_tokens("chat.completions", request)
    completion = count_text_tokens(BROKEN[mode], FIRST_MODEL)
    assert chaos.tokens_used() == used_before + prompt + completion

    stream = chaos.client().chat.completions.create(model="auto", messages=PLAIN, stream=True)
    seen: list[str] = []

    def read() -> None:
        for chunk in stream:
            assert isinstance(chunk, ChatCompletionChunk)
            seen.append(chunk.choices[0].delta.content or "" if chunk.choices else "")

    with pytest.raises(openai.APIError) as caught:
        read()
    assert "the upstream stream broke" in caught.value.message
    assert "".join(seen) == BROKEN[mode]
    assert chaos.tape == [FIRST, FIRST]  # no fallback once bytes went out


def test_a_stream_that_ends_without_done_is_not_a_clean_end(chaos: Chaos) -> None:
    chaos.upstreams[FIRST].plan = ["end_without_done"]
    failures = chaos.health()[(FIRST, FIRST_MODEL)]["failures"]
    assert isinstance(failures, int)
    stream = chaos.client().chat.completions.create(model="auto", messages=PLAIN, stream=True)
    with pytest.raises(openai.APIError) as caught:
        list(stream)
    assert "ended before [DONE]" in caught.value.message
    assert chaos.health()[(FIRST, FIRST_MODEL)]["failures"] == failures + 1


def test_admin_health_needs_the_admin_key(alone: Chaos, stack: Stack) -> None:
    chaos = alone
    _route(chaos)
    assert httpx.get(f"{chaos.url}/admin/health").status_code == 401
    wrong = httpx.get(f"{chaos.url}/admin/health", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["type"] == "authentication_error"
    route = chaos.health()[(FIRST, FIRST_MODEL)]
    assert (route["requests"], route["failures"], route["state"]) == (1, 0, "closed")
    assert route["latency_ms"] is not None
    # Without KORDON_ADMIN_KEY (the shared stack) the endpoint is off.
    assert httpx.get(f"{stack.url}/admin/health").status_code == 403
    assert ADMIN_KEY not in chaos.log_file.read_text()
