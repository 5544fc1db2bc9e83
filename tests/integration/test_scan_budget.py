"""No input holds a worker: tenant patterns run on RE2 and every scan has a budget.

One gateway (budget 250 ms) serves a tenant whose bundle data carries the textbook
catastrophic pattern ``(a+)+$``. Under a backtracking engine "aaa…!" would stall the worker
for every tenant; on RE2 it is one linear pass, so the request is answered. A body built to
be expensive to scan (hundreds of thousands of phone-shaped near-misses, each a
``phonenumbers`` parse) is refused with 413 before the budget is far behind, and never reaches
an upstream. The assertions are on outcomes, not on time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import openai
import pytest

from app.keys import KeyStore
from tests.support.bundles import patched_bundle
from tests.support.clients import openai_client
from tests.support.processes import running_gateway, running_opa
from tests.support.upstream import RecordingUpstream

TENANT = "redos-co"


@dataclass(frozen=True)
class Budgeted:
    url: str
    key: str

    def client(self) -> openai.OpenAI:
        return openai_client(f"{self.url}/v1", self.key)


@pytest.fixture(scope="module")
def budgeted(
    tmp_path_factory: pytest.TempPathFactory, provider_env: dict[str, str]
) -> Iterator[Budgeted]:
    root = tmp_path_factory.mktemp("budget")
    patterns = [{"category": "code_word", "regex": r"(a+)+$"}]
    bundle = patched_bundle(
        root, tenants={TENANT: {"base": "gulf-retail", "detection": {"patterns": patterns}}}
    )
    store = KeyStore.load(root / "keys.json")
    key = store.create(TENANT, "agent")[0]
    env = {**provider_env, "KORDON_SCAN_BUDGET_MS": "250"}
    with (
        running_opa(bundle) as (opa_url, _),
        running_gateway(opa_url, root / "keys.json", env, root / "gateway.log") as url,
    ):
        yield Budgeted(url, key)


def _sent(upstreams: dict[str, RecordingUpstream]) -> str:
    return "".join(str(body) for u in upstreams.values() for body in u.received)


def test_catastrophic_tenant_pattern_is_answered(
    budgeted: Budgeted, upstreams: dict[str, RecordingUpstream]
) -> None:
    client = budgeted.client()
    evil = "a" * 200_000 + "!"
    answer = client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": evil}], max_tokens=8
    )
    assert answer.choices  # answered: the pattern did not stall the worker
    # The pattern is live, not skipped: a text ending in a's is caught and pseudonymized.
    client.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "пароль baaaa"}], max_tokens=8
    )
    sent = _sent(upstreams)
    assert "[CODE_WORD_1]" in sent
    assert "baaaa" not in sent


def test_input_too_costly_to_scan_is_refused_within_the_budget(
    budgeted: Budgeted, upstreams: dict[str, RecordingUpstream]
) -> None:
    rng = random.Random(7)
    # ~2.5 MB of "+7 9xx xxx xx 0": each a candidate phonenumbers must parse and reject.
    costly = " ".join(
        f"+7 9{rng.randrange(100):02d} {rng.randrange(1000):03d} {rng.randrange(100):02d} 0"
        for _ in range(160_000)
    )
    with pytest.raises(openai.APIStatusError) as caught:
        budgeted.client().chat.completions.create(
            model="auto", messages=[{"role": "user", "content": costly}], max_tokens=8
        )
    assert caught.value.status_code == 413
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["code"] == "scan_budget_exceeded"
    assert body["type"] == "invalid_request_error"
    assert _sent(upstreams) == ""  # refused, never passed on partly scanned
    # The worker is free again: the next ordinary request is served.
    answer = budgeted.client().chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "hello"}], max_tokens=8
    )
    assert answer.choices
