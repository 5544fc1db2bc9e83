"""Bad input and a missing policy engine: right status, OpenAI error format, nothing sent."""

from __future__ import annotations

from pathlib import Path

import httpx
import openai
import pytest

from tests.integration.conftest import Stack
from tests.support.clients import openai_client
from tests.support.processes import running_gateway, running_opa


def _error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "code"}
    assert error["code"] == code
    assert isinstance(error, dict)
    return error


def _post(stack: Stack, content: bytes, key: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{stack.url}/v1/chat/completions",
        content=content,
        headers={
            "Authorization": f"Bearer {key or stack.keys['acme-ru']}",
            "Content-Type": "application/json",
        },
    )


def test_malformed_json_is_400(stack: Stack) -> None:
    error = _error(_post(stack, b'{"model": "auto", "messages": ['), 400, "invalid_json")
    assert error["type"] == "invalid_request_error"


def test_missing_messages_is_400_naming_the_field(stack: Stack) -> None:
    error = _error(_post(stack, b'{"model": "auto"}'), 400, "invalid_request")
    assert error["param"] == "messages"


def test_unknown_key_is_401(stack: Stack) -> None:
    error = _error(
        _post(stack, b'{"model":"auto","messages":[{"role":"user","content":"hi"}]}', "kdn-nope"),
        401,
        "invalid_api_key",
    )
    assert "kdn-nope" not in str(error["message"])


def test_oversized_body_is_413(stack: Stack) -> None:
    huge = b'{"model":"auto","messages":[{"role":"user","content":"' + b"x" * 5_000_000 + b'"}]}'
    _error(_post(stack, huge), 413, "request_too_large")
    assert stack.received() == {}


def test_unknown_route_is_404_in_openai_format(stack: Stack) -> None:
    _error(httpx.get(f"{stack.url}/v1/nothing"), 404, "http_404")


def test_health_and_readiness(stack: Stack) -> None:
    assert httpx.get(f"{stack.url}/healthz").status_code == 200
    assert httpx.get(f"{stack.url}/readyz").status_code == 200


def test_fails_closed_when_opa_is_stopped(
    stack: Stack, bundle: tuple[Path, str], tmp_path: Path
) -> None:
    with (
        running_opa(bundle[0]) as (opa_url, opa),
        running_gateway(opa_url, stack.keys_file, stack.provider_env, tmp_path / "gw.log") as url,
    ):
        client = openai_client(f"{url}/v1", stack.keys["acme-ru"])
        client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "up?"}])
        assert sum(stack.received().values()) == 1
        for upstream in stack.upstreams.values():
            upstream.reset()
        opa.terminate()
        opa.wait(10)
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(
                model="auto", messages=[{"role": "user", "content": "still up?"}]
            )
        assert caught.value.status_code == 503
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["code"] == "policy_unreachable"
        assert httpx.get(f"{url}/readyz").status_code == 503
    assert stack.received() == {}
