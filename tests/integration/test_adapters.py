"""End to end through the vendor adapters: the `openai` SDK, the real gateway and OPA, vendor
servers on loopback replaying cassettes (GigaChat over HTTPS with a CA made at test time)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from app.keys import KeyStore
from tests.support.bundles import patched_bundle
from tests.support.clients import openai_client
from tests.support.processes import running_gateway, running_opa
from tests.support.vendors.cassettes import Reply, VendorServer, vendor_app
from tests.support.vendors.serving import serving
from tests.support.vendors.tls import make_ca

SECRETS = {
    "KORDON_PROVIDER_ANTHROPIC_US_API_KEY": "sk-ant-e2e-secret-0001",
    "KORDON_PROVIDER_GIGACHAT_API_KEY": base64.b64encode(b"e2e-client:e2e-secret").decode(),
    "KORDON_PROVIDER_YANDEXGPT_API_KEY": "AQVN-e2e-secret-0003",
}
TENANTS = {
    "t-anthropic": ["anthropic-us"],
    "t-gigachat": ["gigachat"],
    "t-yandex": ["yandexgpt"],
    "t-yandex-logs": ["yandexgpt"],
}
PLAIN: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Plan the offsite."},
]
TOOLS: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


@dataclass
class Vendors:
    url: str
    keys: dict[str, str]
    servers: dict[str, VendorServer]
    log: Path

    def client(self, tenant: str) -> openai.OpenAI:
        return openai_client(f"{self.url}/v1", self.keys[tenant])


@pytest.fixture(scope="module")
def vendors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vendors]:
    root = tmp_path_factory.mktemp("adapters")
    tenants: dict[str, dict[str, object]] = {
        name: {"base": "eu-bank", "providers": providers} for name, providers in TENANTS.items()
    }
    tenants["t-yandex-logs"]["provider_logging"] = True
    bundle = patched_bundle(root, tenants=tenants)
    store = KeyStore.load(root / "keys.json")
    keys = {tenant: store.create(tenant, "e2e", ("analyst",))[0] for tenant in TENANTS}
    ca = make_ca(root / "ca")
    servers = {
        "anthropic": VendorServer(),
        "gigachat": VendorServer(by_path={"/oauth": [Reply.of("gigachat", "token.json")]}),
        "yandexgpt": VendorServer(default=Reply.of("yandexgpt", "chat.json")),
    }
    apps = {name: vendor_app(server) for name, server in servers.items()}
    with serving(apps, tls={"gigachat": ca.server}) as ports:
        giga = f"https://127.0.0.1:{ports['gigachat']}"
        env = {
            **SECRETS,
            "KORDON_PROVIDER_ANTHROPIC_US_BASE_URL": f"http://127.0.0.1:{ports['anthropic']}/v1",
            "KORDON_PROVIDER_GIGACHAT_BASE_URL": f"{giga}/api/v1",
            "KORDON_PROVIDER_GIGACHAT_AUTH_URL": f"{giga}/api/v2/oauth",
            "KORDON_PROVIDER_GIGACHAT_CA_BUNDLE": str(ca.ca_file),
            "KORDON_PROVIDER_YANDEXGPT_BASE_URL": f"http://127.0.0.1:{ports['yandexgpt']}/v1",
            "KORDON_PROVIDER_YANDEXGPT_FOLDER": "b1gfolder",
        }
        log = root / "gateway.log"
        with (
            running_opa(bundle) as (opa_url, _),
            running_gateway(opa_url, root / "keys.json", env, log) as url,
        ):
            yield Vendors(url, keys, servers, log)


@pytest.fixture(autouse=True)
def _fresh(vendors: Vendors) -> Iterator[None]:
    yield
    for server in vendors.servers.values():
        server.received.clear()
        server.plan.clear()


def test_anthropic_tool_call(vendors: Vendors) -> None:
    vendors.servers["anthropic"].plan = [Reply.of("anthropic", "message_tool_use.json")]
    answer = vendors.client("t-anthropic").chat.completions.create(
        model="claude-sonnet-4-5", messages=PLAIN, tools=TOOLS
    )
    assert answer.choices[0].finish_reason == "tool_calls"
    [call] = answer.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"city": "Moscow", "unit": "celsius"}  # type: ignore[union-attr]
    sent = json.loads(vendors.servers["anthropic"].received[0].body)
    assert sent["system"] == "Be brief."
    assert sent["max_tokens"] > 0
    assert answer.usage is not None
    assert answer.usage.completion_tokens == 57


def test_anthropic_stream(vendors: Vendors) -> None:
    vendors.servers["anthropic"].plan = [Reply.of("anthropic", "stream_text.sse")]
    stream = vendors.client("t-anthropic").chat.completions.create(
        model="claude-sonnet-4-5",
        messages=PLAIN,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Сводка готова."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 40


def test_anthropic_stream_error_reaches_the_client(vendors: Vendors) -> None:
    vendors.servers["anthropic"].plan = [Reply.of("anthropic", "stream_error.sse")]
    stream = vendors.client("t-anthropic").chat.completions.create(
        model="claude-sonnet-4-5", messages=PLAIN, stream=True
    )
    with pytest.raises(openai.APIError, match="Overloaded"):
        list(stream)


def test_gigachat_tools_and_stream_over_tls(vendors: Vendors) -> None:
    server = vendors.servers["gigachat"]
    server.plan = [
        Reply.of("gigachat", "chat_function_call.json"),
        Reply.of("gigachat", "stream.sse"),
    ]
    client = vendors.client("t-gigachat")
    answer = client.chat.completions.create(model="GigaChat-2-Max", messages=PLAIN, tools=TOOLS)
    [call] = answer.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    chunks = list(
        client.chat.completions.create(model="GigaChat-2-Max", messages=PLAIN, stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "Сводка готова."
    )
    chat = json.loads(server.received[-1].body)
    assert chat["messages"][0] == {"role": "system", "content": "Be brief."}
    assert chat["max_tokens"] > 0


def test_gigachat_embeddings(vendors: Vendors) -> None:
    vendors.servers["gigachat"].plan = [Reply.of("gigachat", "embeddings.json")]
    answer = vendors.client("t-gigachat").embeddings.create(
        model="EmbeddingsGigaR", input=["первый", "второй"]
    )
    assert [item.embedding[0] for item in answer.data] == [0.0123, 0.0321]
    assert answer.usage.prompt_tokens == 10
    assert vendors.servers["gigachat"].paths()[-1] == "/api/v1/embeddings"


@pytest.mark.parametrize(("tenant", "logging"), [("t-yandex", "false"), ("t-yandex-logs", "true")])
def test_yandex_logging_follows_the_decision(vendors: Vendors, tenant: str, logging: str) -> None:
    answer = vendors.client(tenant).chat.completions.create(model="yandexgpt", messages=PLAIN)
    assert answer.choices[0].message.content == "Сводка готова: три пункта."
    [sent] = vendors.servers["yandexgpt"].received
    assert sent.headers["x-data-logging-enabled"] == logging
    assert json.loads(sent.body)["model"] == "gpt://b1gfolder/yandexgpt/latest"


def test_upstream_401_falls_over_and_no_secret_leaks(vendors: Vendors) -> None:
    vendors.servers["anthropic"].plan = [Reply.of("anthropic", "error_authentication.json", 401)]
    with pytest.raises(openai.APIStatusError) as caught:
        vendors.client("t-anthropic").chat.completions.create(
            model="claude-haiku-4-5", messages=PLAIN
        )
    assert caught.value.status_code == 503
    assert "refused the gateway's credentials" in str(caught.value.body)
    seen = str(caught.value.body) + vendors.log.read_text()
    for secret in SECRETS.values():
        assert secret not in seen
