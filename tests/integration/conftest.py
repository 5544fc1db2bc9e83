"""The real stack on loopback: OPA with the built bundle, recording upstreams, the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
import yaml

from app.keys import KeyStore
from app.policy.bundle import build_bundle
from tests.support.clients import openai_client
from tests.support.processes import REPO, opa_binary, running_gateway, running_opa
from tests.support.upstream import RecordingUpstream, running_upstreams

TENANTS = ("acme-ru", "eu-bank", "gulf-retail")


@dataclass(frozen=True)
class Stack:
    url: str
    opa_url: str
    revision: str
    keys: dict[str, str]
    upstreams: dict[str, RecordingUpstream]
    log_file: Path
    keys_file: Path
    provider_env: dict[str, str]

    def client(self, tenant: str) -> openai.OpenAI:
        return openai_client(f"{self.url}/v1", self.keys[tenant])

    def received(self) -> dict[str, int]:
        return {name: len(u.received) for name, u in self.upstreams.items() if u.received}


def _providers() -> dict[str, dict[str, object]]:
    data = yaml.safe_load((REPO / "data" / "providers" / "data.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("bundle") / "bundle.tar.gz"
    return out, build_bundle(opa_binary(), REPO, out)


@pytest.fixture(scope="session")
def upstreams() -> Iterator[dict[str, RecordingUpstream]]:
    with running_upstreams(list(_providers())) as servers:
        yield servers


@pytest.fixture(scope="session")
def provider_env(upstreams: dict[str, RecordingUpstream]) -> dict[str, str]:
    env: dict[str, str] = {}
    for provider_id, spec in _providers().items():
        endpoint = spec["endpoint"]
        assert isinstance(endpoint, dict)
        env[endpoint["base_url_env"]] = upstreams[provider_id].base_url
        env[endpoint["api_key_env"]] = f"test-provider-key-{provider_id}"
        if "auth_url_env" in endpoint:
            # GigaChat's OAuth endpoint: the fixture server, which has none (404), so the route
            # fails locally; tests/integration/test_adapters.py serves the real exchange.
            env[endpoint["auth_url_env"]] = f"{upstreams[provider_id].base_url}/oauth"
    return env


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    store = KeyStore.load(path)
    return path, {tenant: store.create(tenant, "it-agent", ("analyst",))[0] for tenant in TENANTS}


@pytest.fixture(scope="session")
def stack(
    bundle: tuple[Path, str],
    upstreams: dict[str, RecordingUpstream],
    provider_env: dict[str, str],
    keys: tuple[Path, dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    log_file = tmp_path_factory.mktemp("logs") / "gateway.log"
    with (
        running_opa(bundle[0]) as (opa_url, _),
        running_gateway(opa_url, keys[0], provider_env, log_file) as url,
    ):
        yield Stack(url, opa_url, bundle[1], keys[1], upstreams, log_file, keys[0], provider_env)


@pytest.fixture(autouse=True)
def _fresh_upstreams(request: pytest.FixtureRequest) -> None:
    if "stack" in request.fixturenames or "upstreams" in request.fixturenames:
        for upstream in request.getfixturevalue("upstreams").values():
            upstream.reset()
