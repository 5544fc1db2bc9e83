"""Personal data leaves only in the form the policy decided, and is never logged.

A dedicated OPA writes its console decision log (every input document it evaluated) to a file
and the gateway logs at debug level to another; after the traffic both are searched for the
seeded values. The identifiers were made with tests/corpus/identifiers.py (valid checksums).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from app.keys import KeyStore
from tests.integration.conftest import Stack
from tests.support.bundles import patched_bundle
from tests.support.clients import openai_client
from tests.support.processes import running_gateway, running_opa
from tests.support.upstream import RecordingUpstream

SEEDED = {
    "email": "ivan.petrov@mail.ru",
    "phone": "+7 912 345-67-89",
    "fr_phone": "+33 1 42 68 53 00",
    "ru_passport": "1408 518190",
    "snils": "063-277-869 88",
    "inn": "422601815982",
    "card": "4016 6131 8609 1397",
    "iban": "DE61 0996 0308 2462 8194 82",
}
TEXT = (
    f"Клиент: паспорт {SEEDED['ru_passport']}, СНИЛС {SEEDED['snils']}, ИНН {SEEDED['inn']}, "
    f"карта {SEEDED['card']}, IBAN {SEEDED['iban']}, почта {SEEDED['email']}, "
    f"тел. {SEEDED['phone']}."
)


def _forms(value: str) -> set[str]:
    """The value as written and as bare digits (how a careless log might print it)."""
    digits = re.sub(r"\D", "", value)
    return {value} | ({digits} if len(digits) >= 8 else set())


LEAKS = set().union(*(_forms(v) for v in SEEDED.values()))


def _leaked(text: str) -> set[str]:
    return {form for form in LEAKS if form in text}


@dataclass(frozen=True)
class Observed:
    url: str
    keys: dict[str, str]
    opa_log: Path
    gateway_log: Path

    def client(self, tenant: str) -> openai.OpenAI:
        return openai_client(f"{self.url}/v1", self.keys[tenant])


@pytest.fixture(scope="module")
def observed(
    tmp_path_factory: pytest.TempPathFactory, stack: Stack, provider_env: dict[str, str]
) -> Iterator[Observed]:
    root = tmp_path_factory.mktemp("observed")
    bundle = patched_bundle(
        root,
        tenants={
            "t-block": {
                "base": "gulf-retail",
                "redaction": {"personal": "block", "special": "block"},
            }
        },
    )
    store = KeyStore.load(root / "keys.json")
    keys = {t: store.create(t, "agent")[0] for t in ("acme-ru", "eu-bank", "t-block")}
    opa_log, gateway_log = root / "opa.log", root / "gateway.log"
    with (
        running_opa(bundle, args=["--set", "decision_logs.console=true"], log_file=opa_log) as (
            opa_url,
            _,
        ),
        running_gateway(opa_url, root / "keys.json", provider_env, gateway_log) as url,
    ):
        yield Observed(url, keys, opa_log, gateway_log)


def _sent(upstreams: dict[str, RecordingUpstream]) -> str:
    return "".join(str(body) for u in upstreams.values() for body in u.received)


def test_pseudonymized_values_never_leave_and_come_back_restored(
    observed: Observed, upstreams: dict[str, RecordingUpstream]
) -> None:
    client = observed.client("acme-ru")
    answer = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": TEXT}]
    )
    assert (answer.choices[0].message.content or "").endswith(TEXT)
    stream = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": TEXT}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).endswith(TEXT)
    client.chat.completions.create(
        model="auto",
        messages=[
            {"role": "system", "content": f"Оператор: {SEEDED['email']}"},
            {"role": "user", "name": "ivan", "content": [{"type": "text", "text": TEXT}]},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "lookup", "arguments": f'{{"inn": "{SEEDED["inn"]}"}}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": f"карта {SEEDED['card']}"},
        ],
    )  # fmt: skip
    client.embeddings.create(model="auto", input=[TEXT, SEEDED["email"]])
    sent = _sent(upstreams)
    assert sent, "the upstreams received nothing"
    assert _leaked(sent) == set()
    assert "[EMAIL_1]" in sent
    assert "[INN_1]" in sent


def test_masked_values_never_leave(
    observed: Observed, upstreams: dict[str, RecordingUpstream]
) -> None:
    client = observed.client("eu-bank")
    # EU subjects only (a French phone, a German IBAN): eu-bank may route them in region eu.
    text = f"Call {SEEDED['fr_phone']} or mail {SEEDED['email']} about IBAN {SEEDED['iban']}."
    answer = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": text}]
    )
    stream = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": text}], stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    sent = _sent(upstreams)
    assert _leaked(sent) == set()
    assert "+33 * ** ** ** 00" in sent
    # Masking is irreversible: the client sees what the model saw.
    for received in (answer.choices[0].message.content or "", streamed):
        assert _leaked(received) == set()
        assert "+33 * ** ** ** 00" in received


def test_block_and_bad_input_errors_name_categories_never_values(
    observed: Observed, upstreams: dict[str, RecordingUpstream]
) -> None:
    # No subject hints: presumed the tenant's (AE), so residency allows it and redaction blocks.
    text = f"Почта {SEEDED['email']}, карта {SEEDED['card']}."
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        observed.client("t-block").chat.completions.create(
            model="auto", messages=[{"role": "user", "content": text}]
        )
    message = str(caught.value.body)
    assert "email" in message
    assert "card" in message
    assert _leaked(message) == set()
    bad = httpx.post(
        f"{observed.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {observed.keys['acme-ru']}"},
        json={"model": "auto", "messages": [{"role": TEXT, "content": TEXT}]},
    )
    assert bad.status_code == 400
    assert _leaked(bad.text) == set()
    assert _sent(upstreams) == ""


def test_no_value_reaches_logs_or_decision_inputs(
    observed: Observed, upstreams: dict[str, RecordingUpstream]
) -> None:
    # Runs after the traffic above (tests in a module run in order).
    decisions = observed.opa_log.read_text()
    assert '"categories"' in decisions, "OPA logged no decision input: the search is void"
    assert '"inn"' in decisions
    assert _leaked(decisions) == set()
    gateway = observed.gateway_log.read_text()
    assert _leaked(gateway) == set()
