"""The governed path end to end with the openai SDK: allow, stream, deny, route, fallback."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from tests.integration.conftest import Stack
from tests.support.clients import openai_client
from tests.support.processes import running_gateway

RU_REGION = {"onprem-vllm", "cloudru", "gigachat"}


def test_allowed_call_names_decision_revision_and_route(stack: Stack) -> None:
    raw = stack.client("acme-ru").chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Summarise the Q3 roadmap."}]
    )
    completion = raw.parse()
    assert raw.headers["x-kordon-policy-revision"] == stack.revision
    assert raw.headers["x-kordon-decision-id"]
    assert raw.headers["x-kordon-request-id"]
    # Internal data, model auto: the policy's cheapest capable route for acme-ru.
    assert raw.headers["x-kordon-route"] == "mistral-eu/mistral-small-latest"
    assert stack.received() == {"mistral-eu": 1}
    sent = stack.upstreams["mistral-eu"].received[0]
    assert sent["model"] == "mistral-small-latest"
    assert completion.choices[0].message.content is not None
    assert completion.choices[0].message.content.endswith("Summarise the Q3 roadmap.")


def test_streaming_passes_the_upstream_events_through(stack: Stack) -> None:
    client = stack.client("acme-ru")
    with client.chat.completions.with_streaming_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Stream a short answer."}],
        stream=True,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-kordon-policy-revision"] == stack.revision
        chunks = list(response.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.endswith("received: Stream a short answer.")
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_deny_returns_403_with_the_policy_reasons(stack: Stack) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        stack.client("gulf-retail").chat.completions.create(
            model="GigaChat-2-Max", messages=[{"role": "user", "content": "hello"}]
        )
    error = caught.value
    assert error.status_code == 403
    assert isinstance(error.body, dict)
    assert error.body["code"] == "policy_denied"
    assert "GigaChat-2-Max" in str(error.body["message"])
    assert error.response.headers["x-kordon-decision-id"]
    assert stack.received() == {}


def test_model_outside_the_allowed_region_is_denied_not_swapped(stack: Stack) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        stack.client("acme-ru").chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Позвоните Ивану: +7 912 345-67-89"}],
        )
    assert "region ru" in str(caught.value.body)
    assert stack.received() == {}


def test_ru_personal_data_reaches_only_region_ru(stack: Stack) -> None:
    raw = stack.client("acme-ru").chat.completions.with_raw_response.create(
        model="auto",
        messages=[
            {"role": "user", "content": "Напишите ivan.petrov@mail.ru, тел. +7 912 345-67-89"}
        ],
    )
    assert raw.headers["x-kordon-route"] == "onprem-vllm/qwen2.5-72b-instruct"
    assert set(stack.received()) == {"onprem-vllm"}
    # acme-ru pseudonymizes personal data: placeholders left, the originals came back.
    sent = str(stack.upstreams["onprem-vllm"].received[0]["messages"])
    assert "ivan.petrov@mail.ru" not in sent
    assert "912 345-67-89" not in sent
    assert "[EMAIL_1]" in sent
    answer = raw.parse().choices[0].message.content or ""
    assert answer.endswith("Напишите ivan.petrov@mail.ru, тел. +7 912 345-67-89")


def test_pseudonymized_stream_is_restored_for_the_client(stack: Stack) -> None:
    content = "Свяжитесь с ivan.petrov@mail.ru или +7 912 345-67-89 сегодня"
    stream = stack.client("acme-ru").chat.completions.create(
        model="auto", messages=[{"role": "user", "content": content}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.endswith(content)
    sent = str(stack.upstreams["onprem-vllm"].received[0]["messages"])
    assert "ivan.petrov@mail.ru" not in sent


def test_ru_personal_data_never_falls_back_outside_region_ru(stack: Stack) -> None:
    for name in RU_REGION:
        stack.upstreams[name].fail_status = 500
    with pytest.raises(openai.APIStatusError) as caught:
        stack.client("acme-ru").chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": "Клиент: ivan.petrov@mail.ru, +7 912 345-67-89"}],
        )
    assert caught.value.status_code == 503
    assert "region ru" in str(caught.value.body)
    assert set(stack.received()) <= RU_REGION
    # Every RU route was tried, nothing else (gigachat failed at its OAuth endpoint first).
    assert set(stack.received()) == RU_REGION - {"gigachat"}
    assert "gigachat/GigaChat-2-Lite: GigaChat token request answered HTTP 404" in str(
        caught.value.body
    )


def test_falls_back_when_the_first_route_answers_500(stack: Stack) -> None:
    stack.upstreams["mistral-eu"].fail_status = 500
    raw = stack.client("acme-ru").chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Plan the offsite."}]
    )
    assert raw.headers["x-kordon-route"] == "onprem-vllm/qwen2.5-72b-instruct"
    assert stack.received() == {"mistral-eu": 1, "onprem-vllm": 1}


def test_embeddings_follow_the_policy(stack: Stack) -> None:
    raw = stack.client("acme-ru").embeddings.with_raw_response.create(
        model="auto", input=["Квартальный отчёт", "roadmap"]
    )
    result = raw.parse()
    assert len(result.data) == 2
    assert raw.headers["x-kordon-policy-revision"] == stack.revision
    provider = raw.headers["x-kordon-route"].split("/")[0]
    assert stack.received() == {provider: 1}


def test_models_lists_only_what_the_tenant_may_use(stack: Stack) -> None:
    gulf = {m.id for m in stack.client("gulf-retail").models.list()}
    assert gulf == {
        "gpt-4o-mini",
        "text-embedding-3-small",
        "mistral-small-latest",
        "mistral-embed",
    }
    acme = {m.id for m in stack.client("acme-ru").models.list()}
    assert {"qwen2.5-72b-instruct", "GigaChat-2-Max", "gpt-4o"} <= acme
    assert stack.received() == {}


def test_a_session_keeps_placeholders_stable_across_requests(stack: Stack) -> None:
    client = stack.client("acme-ru")

    def send(text: str, session: str) -> str:
        client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": text}],
            extra_headers={"x-kordon-session": session},
        )
        sent = stack.upstreams["onprem-vllm"].received[-1]["messages"]
        assert isinstance(sent, list)
        return str(sent[-1]["content"])

    assert send("Пишите ivan@example.ru", "s-1") == "Пишите [EMAIL_1]"
    # Same session: ivan keeps [EMAIL_1] though petr comes first in this request.
    assert send("Сравните petr@example.ru и ivan@example.ru", "s-1") == (
        "Сравните [EMAIL_2] и [EMAIL_1]"
    )
    # Another session starts its own numbering.
    assert send("Сравните petr@example.ru и ivan@example.ru", "s-2") == (
        "Сравните [EMAIL_1] и [EMAIL_2]"
    )


def test_falls_back_when_the_first_route_misses_the_first_byte_timeout(
    stack: Stack, tmp_path: Path
) -> None:
    stack.upstreams["mistral-eu"].delay_s = 2.0
    env = {**stack.provider_env, "KORDON_UPSTREAM_FIRST_BYTE_TIMEOUT_S": "0.3"}
    with running_gateway(stack.opa_url, stack.keys_file, env, tmp_path / "gw.log") as url:
        client = openai_client(f"{url}/v1", stack.keys["acme-ru"])
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Plan the offsite."}]
        )
    assert raw.headers["x-kordon-route"] == "onprem-vllm/qwen2.5-72b-instruct"
    assert stack.received() == {"mistral-eu": 1, "onprem-vllm": 1}
