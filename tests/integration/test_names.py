"""A person's name alone is personal data: it keeps the call in the subject's region and never
reaches an upstream in clear (real OPA with the shipped bundle, recording upstreams, openai SDK).

Before names were detected by default, "клиент <ФИО> просит вернуть деньги" from tenant
acme-ru was internal data to the policy and went to mistral-eu with the name in it.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.integration.conftest import Stack

RU_REGION = {"onprem-vllm", "cloudru", "gigachat"}
RU_NAME = ("Петров", "Иван", "Сергеевич")
RU_TEXT = "клиент Петров Иван Сергеевич просит вернуть деньги"
LATIN_TEXT = "Please refund Mohammed bin Rashid Al-Farsi, he was charged twice."
LATIN_NAME = ("Mohammed", "Rashid", "Al-Farsi")


def _sent(stack: Stack) -> str:
    return "".join(str(body) for u in stack.upstreams.values() for body in u.received)


def _provider(headers: Mapping[str, str]) -> str:
    return headers["x-kordon-route"].split("/")[0]


def test_a_name_alone_keeps_a_ru_tenants_call_in_ru_and_pseudonymized(stack: Stack) -> None:
    client = stack.client("acme-ru")
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": RU_TEXT}]
    )
    answer = raw.parse().choices[0].message.content or ""
    assert _provider(raw.headers) in RU_REGION
    assert set(stack.received()) <= RU_REGION
    assert sum(stack.received().values()) == 1
    sent = _sent(stack)
    assert "[PERSON_NAME_1]" in sent
    assert not [word for word in RU_NAME if word in sent]
    assert answer.endswith(RU_TEXT)  # the demo upstream echoes; the gateway restored the name


def test_a_streamed_name_is_restored_and_never_sent(stack: Stack) -> None:
    client = stack.client("acme-ru")
    stream = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": RU_TEXT}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text.endswith(RU_TEXT)
    assert set(stack.received()) <= RU_REGION
    assert not [word for word in RU_NAME if word in _sent(stack)]


def test_a_latin_script_name_is_masked_for_an_eu_tenant(stack: Stack) -> None:
    raw = stack.client("eu-bank").chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": LATIN_TEXT}]
    )
    answer = raw.parse().choices[0].message.content or ""
    # Personal data of (presumed) EU subjects stays in the EU.
    assert _provider(raw.headers) == "mistral-eu"
    sent = _sent(stack)
    assert not [word for word in LATIN_NAME if word in sent]
    assert "[REDACTED:person_name]" in sent
    assert "Mohammed" not in answer  # masking is irreversible: the answer has no name either


def test_names_count_in_the_decision_the_tenant_gets(stack: Stack) -> None:
    # The same request with the name left out is internal data and may leave region ru.
    raw = stack.client("acme-ru").chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "клиент просит вернуть деньги"}]
    )
    assert _provider(raw.headers) == "mistral-eu"
    assert "просит вернуть деньги" in _sent(stack)
