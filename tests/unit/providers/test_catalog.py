"""The catalog: replicas from the variables the bundle names, and secret files that fail."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.providers.catalog import Catalog

PROVIDERS: dict[str, object] = {
    "vllm": {
        "kind": "openai-compatible",
        "endpoint": {
            "base_url_env": "V_URL",
            "api_key_env": "V_KEY",
            "replicas": [
                {"base_url_env": "V2_URL", "api_key_env": "V2_KEY"},
                {"base_url_env": "V3_URL", "api_key_env": "V3_KEY"},
            ],
        },
        "models": {"m": {"context_tokens": 10}},
    },
    "yandex": {
        "kind": "yandexgpt",
        "endpoint": {"base_url_env": "Y_URL", "api_key_env": "Y_KEY", "folder_env": "Y_FOLDER"},
    },
}


def test_replicas_in_bundle_order_each_with_its_own_key_and_shared_settings() -> None:
    environ = {"V_URL": "http://a/v1/", "V_KEY": "ka", "V3_URL": "http://c/v1", "V3_KEY": "kc"}
    catalog = Catalog.from_bundle_data("r", PROVIDERS, environ)
    replicas = catalog.endpoints["vllm"]
    # V2 has no base URL: not configured.
    assert [(e.replica, e.base_url, e.api_key) for e in replicas] == [
        ("V_URL", "http://a/v1", "ka"),
        ("V3_URL", "http://c/v1", "kc"),
    ]
    assert {e.kind for e in replicas} == {"openai-compatible"}
    assert "yandex" not in catalog.endpoints
    assert catalog.models[("vllm", "m")].context_tokens == 10


def test_an_extra_replica_alone_serves_the_provider() -> None:
    environ = {"V2_URL": "http://b/v1"}
    (only,) = Catalog.from_bundle_data("r", PROVIDERS, environ).endpoints["vllm"]
    assert (only.replica, only.api_key) == ("V2_URL", None)


@pytest.mark.parametrize("content", [None, b"\xffsecret-\xfe-bytes"])
def test_an_unreadable_key_file_leaves_the_provider_unconfigured_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None
) -> None:
    path = tmp_path / "key"
    if content is not None:
        path.write_bytes(content)  # not UTF-8
    environ = {"Y_URL": "http://y/v1", "Y_KEY_FILE": str(path), "V_URL": "http://a/v1"}
    with caplog.at_level(logging.ERROR, "kordon.providers"):
        catalog = Catalog.from_bundle_data("r", PROVIDERS, environ)
    assert "yandex" not in catalog.endpoints
    assert [e.replica for e in catalog.endpoints["vllm"]] == ["V_URL"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"provider yandex, replica Y_URL: cannot read Y_KEY_FILE={path} (")
    assert line.endswith("; left unconfigured")
    assert "secret" not in line
    assert "\\xff" not in line


def test_an_unreadable_shared_setting_takes_every_replica_and_the_demo_fallback_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere"
    environ = {"Y_URL": "http://y/v1", "Y_FOLDER_FILE": str(missing)}
    with caplog.at_level(logging.ERROR, "kordon.providers"):
        catalog = Catalog.from_bundle_data("r", PROVIDERS, environ, "http://demo/v1")
    # A provider meant to be real never falls back to the demo upstream.
    assert "yandex" not in catalog.endpoints
    (demo,) = catalog.endpoints["vllm"]
    assert (demo.base_url, demo.replica) == ("http://demo/v1", "demo")
    assert [r.getMessage() for r in caplog.records] == [
        f"provider yandex: cannot read Y_FOLDER_FILE={missing} (No such file or directory);"
        " left unconfigured"
    ]


def test_one_broken_replica_leaves_the_others_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    environ = {
        "V_URL": "http://a/v1",
        "V2_URL": "http://b/v1",
        "V2_KEY_FILE": str(tmp_path),  # a directory
        "V3_URL_FILE": str(tmp_path / "url"),
    }
    (tmp_path / "url").write_text("http://c/v1\n")
    with caplog.at_level(logging.ERROR, "kordon.providers"):
        replicas = Catalog.from_bundle_data("r", PROVIDERS, environ).endpoints["vllm"]
    assert [(e.replica, e.base_url) for e in replicas] == [
        ("V_URL", "http://a/v1"),
        ("V3_URL", "http://c/v1"),
    ]
    (line,) = [r.getMessage() for r in caplog.records]
    assert f"replica V2_URL: cannot read V2_KEY_FILE={tmp_path} (Is a directory)" in line
