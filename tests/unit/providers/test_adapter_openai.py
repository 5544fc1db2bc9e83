"""OpenAI-compatible pass-through (vLLM, Ollama quirks) and YandexGPT's conventions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.providers.catalog import Catalog, Endpoint
from app.providers.failures import RouteFailed
from tests.support.vendors.cassettes import Reply, VendorServer, vendor_app
from tests.support.vendors.harness import Answer, caller
from tests.support.vendors.serving import serving

KEY = "sk-vllm-secret-key-42"
FOLDER = "b1gexamplefolder"
HI: dict[str, object] = {"messages": [{"role": "user", "content": "hi"}]}
OK = Reply(
    orjson.dumps(
        {
            "id": "c",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ok"},
                    "finish_reason": "stop",
                }
            ],
        }
    )
)


@pytest.fixture
def server() -> Iterator[tuple[VendorServer, str]]:
    vendor = VendorServer()
    with serving({"v": vendor_app(vendor)}) as ports:
        yield vendor, f"http://127.0.0.1:{ports['v']}/v1"


def _call(where: Endpoint, model: str, payload: Mapping[str, object], **options: Any) -> Answer:
    async def run() -> Answer:
        async with caller(where) as call:
            return await call(model, payload, **options)

    return asyncio.run(run())


def test_pass_through_with_bearer(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    vendor.default = OK
    answer = _call(Endpoint("onprem-vllm", base, KEY), "qwen", {**HI, "model": "auto"})
    assert answer.body == orjson.loads(OK.body)
    sent = vendor.received[0]
    assert (sent.path, sent.headers["Authorization"]) == ("/v1/chat/completions", f"Bearer {KEY}")
    assert orjson.loads(sent.body) == {**HI, "model": "qwen"}


def test_vllm_integer_error_code_normalised(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    vendor.default = Reply.of("vllm", "error_400.json", 400)
    answer = _call(Endpoint("onprem-vllm", base, KEY), "qwen", dict(HI))
    assert answer.status == 400
    assert answer.body == {
        "error": {
            "message": "This model's maximum context length is 32768 tokens. However, you "
            "requested 40000 tokens.",
            "type": "BadRequestError",
            "param": None,
            "code": None,
        }
    }


def test_error_body_that_echoes_the_key_is_scrubbed(
    server: tuple[VendorServer, str], caplog: pytest.LogCaptureFixture
) -> None:
    vendor, base = server
    echo = {"error": {"message": f"model not found for key {KEY}", "type": "invalid_request_error"}}
    vendor.default = Reply(orjson.dumps(echo), 404)
    with caplog.at_level(logging.DEBUG):
        answer = _call(Endpoint("onprem-vllm", base, KEY), "qwen", dict(HI))
    assert answer.status == 404
    assert KEY not in orjson.dumps(answer.body).decode()
    assert KEY not in caplog.text
    assert "[redacted]" in answer.body["error"]["message"]  # type: ignore[index]


def test_html_error_body_gets_a_message(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    vendor.default = Reply(b"<html>Bad Request</html>", 400, "text/html")
    answer = _call(Endpoint("onprem-vllm", base, KEY), "qwen", dict(HI))
    assert answer.body["error"]["message"] == "the upstream answered HTTP 400"  # type: ignore[index]


@pytest.mark.parametrize("status", [401, 403, 500, 503])
def test_failures_fall_over(server: tuple[VendorServer, str], status: int) -> None:
    vendor, base = server
    vendor.default = Reply(b'{"error": "nope"}', status)
    with pytest.raises(RouteFailed) as caught:
        _call(Endpoint("onprem-vllm", base, KEY), "qwen", dict(HI))
    assert caught.value.status == status


def test_malformed_json_and_cut_body_fall_over(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    vendor.plan = [Reply(b'{"id": "c", "choi'), Reply(OK.body, cut_at=10)]
    for match in ("malformed JSON", "cut short"):
        with pytest.raises(RouteFailed, match=match):
            _call(Endpoint("onprem-vllm", base, KEY), "qwen", dict(HI))


def test_ollama_error_inside_a_200_stream(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    stream = (
        b'data: {"choices": [{"delta": {"content": "a"}}]}\n\n'
        b'data: {"error": "model runner crashed"}\n\n'
    )
    vendor.default = Reply(stream, content_type="text/event-stream")
    answer = _call(Endpoint("ollama", base), "llama3", {**HI, "stream": True})
    assert answer.broken == "upstream reported an error: model runner crashed"
    assert answer.text() == "a"


def test_yandex_headers_and_model_uri(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    vendor.default = Reply.of("yandexgpt", "chat.json")
    endpoint = Endpoint("yandexgpt", base, "AQVN-api-key", "yandexgpt", (("folder", FOLDER),))
    answer = _call(endpoint, "yandexgpt", dict(HI))
    assert answer.body["choices"][0]["message"]["content"] == "Сводка готова: три пункта."  # type: ignore[index]
    sent = vendor.received[0]
    assert orjson.loads(sent.body)["model"] == f"gpt://{FOLDER}/yandexgpt/latest"
    assert sent.headers["Authorization"] == "Api-Key AQVN-api-key"
    assert sent.headers["x-folder-id"] == sent.headers["OpenAI-Project"] == FOLDER
    assert sent.headers["x-data-logging-enabled"] == "false"


def test_yandex_logging_only_when_the_decision_allows(server: tuple[VendorServer, str]) -> None:
    vendor, base = server
    vendor.default = Reply.of("yandexgpt", "chat.json")
    endpoint = Endpoint("yandexgpt", base, "t1.iam-token", "yandexgpt", (("folder", FOLDER),))
    _call(endpoint, "text-search-doc", {"input": "x"}, endpoint="embeddings", provider_logging=True)
    sent = vendor.received[0]
    assert sent.headers["x-data-logging-enabled"] == "true"
    assert sent.headers["Authorization"] == "Bearer t1.iam-token"
    assert orjson.loads(sent.body)["model"] == f"emb://{FOLDER}/text-search-doc/latest"


def test_yandex_without_folder_falls_over(server: tuple[VendorServer, str]) -> None:
    _, base = server
    with pytest.raises(RouteFailed, match="folder"):
        _call(Endpoint("yandexgpt", base, "AQVN-key", "yandexgpt"), "yandexgpt", dict(HI))


def test_catalog_reads_kind_settings_and_secret_files(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    providers = {
        "gigachat": {
            "kind": "gigachat",
            "endpoint": {
                "base_url_env": "G_URL",
                "api_key_env": "G_KEY",
                "scope_env": "G_SCOPE",
                "ca_bundle_env": "G_CA",
            },
        }
    }
    environ = {
        "G_URL": "https://g/api/v1/",
        "G_KEY_FILE": str(secret),
        "G_SCOPE": "GIGACHAT_API_CORP",
    }
    (endpoint,) = Catalog.from_bundle_data("r", providers, environ).endpoints["gigachat"]
    assert (endpoint.kind, endpoint.base_url, endpoint.api_key) == (
        "gigachat",
        "https://g/api/v1",
        "from-a-file",
    )
    assert endpoint.option("scope") == "GIGACHAT_API_CORP"
    assert endpoint.option("ca_bundle") is None
    assert "from-a-file" not in repr(endpoint)
    # The demo upstream speaks OpenAI whatever the provider's kind.
    (demo,) = Catalog.from_bundle_data("r", providers, {}, "http://demo/v1").endpoints["gigachat"]
    assert (demo.kind, demo.api_key) == ("openai-compatible", None)
