"""Bundle sources for `kordon serve`: a polled bundle service (bearer token from a file,
signatures verified by OPA) and a local bundle file, with real signed and tampered bundles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.keys import KeyStore
from tests.support.processes import REPO, free_port, opa_binary
from tests.support.serve_process import (
    BundleService,
    Serve,
    kordon_serve,
    serve_from_bundle_service,
)
from tests.support.signed_bundles import (
    BundleFactory,
    drop_signatures,
    edit_data,
    edit_rego,
    publish,
)
from tests.support.upstream import RecordingUpstream

TOKEN = "bundle-service-token-7f3a"


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> BundleFactory:
    return BundleFactory(tmp_path_factory.mktemp("signed"))


def _env(tmp_path: Path, provider_env: dict[str, str]) -> tuple[dict[str, str], str]:
    store = KeyStore.load(tmp_path / "keys.json")
    key = store.create("acme-ru", "reload-agent")[0]
    token_file = tmp_path / "bundle.token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    env = {
        **provider_env,
        "KORDON_KEYS_FILE": str(tmp_path / "keys.json"),
        "KORDON_BUNDLE_TOKEN_FILE": str(token_file),
        "KORDON_BUNDLE_POLLING_MIN_DELAY_S": "1",
        "KORDON_BUNDLE_POLLING_MAX_DELAY_S": "1",
    }
    return env, key


def _chat(serve: Serve, key: str) -> httpx.Response:
    return httpx.post(
        f"{serve.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "auto", "messages": [{"role": "user", "content": "status?"}]},
        timeout=10,
    )


def _until(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    """Wait for an event (not a timing check): fail only if it never happens."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def _polled_twice(service: BundleService) -> Callable[[], bool]:
    seen = len(service.authorizations)
    return lambda: len(service.authorizations) >= seen + 2


def test_tampered_bundles_are_refused_and_the_last_good_keeps_serving(
    factory: BundleFactory, provider_env: dict[str, str], tmp_path: Path
) -> None:
    published = tmp_path / "published"
    published.mkdir()
    publish(factory.build("r1"), published)
    env, key = _env(tmp_path, provider_env)
    with serve_from_bundle_service(
        published, TOKEN, factory.public_key, env, tmp_path / "gateway.log"
    ) as (service, serve):
        assert serve.readyz() == (200, {"status": "ready", "policy_revision": "r1",
                                        "opa_restarts": 0})  # fmt: skip
        first = _chat(serve, key)
        assert first.headers.get("x-kordon-policy-revision") == "r1", first.text
        bad = {
            "edited data": factory.build("r-data", tamper=edit_data),
            "edited rego": factory.build("r-rego", tamper=edit_rego),
            "missing .signatures.json": factory.build("r-unsigned", tamper=drop_signatures),
            "wrong key": factory.build("r-wrong-key", key=factory.other_key),
        }
        for what, bundle in bad.items():
            publish(bundle, published)
            _until(_polled_twice(service), f"OPA polled the {what} bundle")
            answer = _chat(serve, key)
            assert answer.status_code == 200, (what, answer.text)
            assert answer.headers["x-kordon-policy-revision"] == "r1", what
            assert serve.readyz()[1]["policy_revision"] == "r1", what
        publish(factory.build("r2"), published)
        _until(lambda: _chat(serve, key).headers["x-kordon-policy-revision"] == "r2", "r2 active")
        assert serve.readyz() == (200, {"status": "ready", "policy_revision": "r2",
                                        "opa_restarts": 0})  # fmt: skip
        # The token reached the service from OPA, through the file only.
        assert f"Bearer {TOKEN}" in service.authorizations
        (opa_pid,) = serve.opa_pids()
        assert TOKEN not in Path(f"/proc/{opa_pid}/cmdline").read_text()
    assert TOKEN not in serve.log()


def test_cold_start_with_a_bad_bundle_is_not_ready_and_fails_closed(
    factory: BundleFactory,
    provider_env: dict[str, str],
    upstreams: dict[str, RecordingUpstream],
    tmp_path: Path,
) -> None:
    published = tmp_path / "published"
    published.mkdir()
    publish(factory.build("r-bad", tamper=edit_data), published)
    env, key = _env(tmp_path, provider_env)
    with serve_from_bundle_service(
        published, TOKEN, factory.public_key, env, tmp_path / "gateway.log", wait_ready=False
    ) as (service, serve):
        _until(_polled_twice(service), "OPA polled the bad bundle")
        status, body = serve.readyz()
        assert (status, body["reason"], body["policy_revision"]) == (
            503, "policy bundle not active", None,
        )  # fmt: skip
        refused = _chat(serve, key)
        assert refused.status_code == 503
        assert refused.json()["error"]["type"] == "api_error"
        assert not any(u.received for u in upstreams.values())
        publish(factory.build("r3"), published)
        _until(lambda: serve.readyz()[0] == 200, "ready once a good bundle is published")
        # The first request after readiness is served: the gateway read r3's detection plan,
        # not the empty one it saw before any bundle was active (which denies everything).
        served = _chat(serve, key)
        assert (served.status_code, served.headers["x-kordon-policy-revision"]) == (200, "r3")


def test_a_gateway_started_before_any_bundle_catches_up_with_the_first_decision(
    factory: BundleFactory, provider_env: dict[str, str], tmp_path: Path
) -> None:
    """Nobody asks for readiness here: the gateway read its bundle data while OPA had none (no
    detectors), so the first request is scanned for nothing and denied; that denial names r4,
    and the gateway reads r4's data then, instead of denying every request from then on."""
    published = tmp_path / "published"
    published.mkdir()
    env, key = _env(tmp_path, provider_env)
    with serve_from_bundle_service(
        published, TOKEN, factory.public_key, env, tmp_path / "gateway.log", wait_ready=False
    ) as (service, serve):
        _until(_polled_twice(service), "OPA polled an empty bundle service")
        publish(factory.build("r4"), published)
        _until(lambda: _chat(serve, key).headers.get("x-kordon-policy-revision") == "r4", "r4")
        served = _chat(serve, key)
        assert (served.status_code, served.headers["x-kordon-policy-revision"]) == (200, "r4")


def test_a_local_bundle_file_reloads_verified(
    factory: BundleFactory, provider_env: dict[str, str], tmp_path: Path
) -> None:
    local = tmp_path / "local"
    local.mkdir()
    publish(factory.build("l1"), local)
    env, key = _env(tmp_path, provider_env)
    args = ["--bundle", str(local / "kordon.tar.gz"), "--verification-key", str(factory.public_key)]
    with kordon_serve(args, env, tmp_path / "gateway.log") as serve:
        assert serve.readyz()[1]["policy_revision"] == "l1"
        publish(factory.build("l2"), local)
        _until(lambda: _chat(serve, key).headers["x-kordon-policy-revision"] == "l2", "l2 active")
        assert serve.readyz()[1]["policy_revision"] == "l2"


def _sign_directory(factory: BundleFactory, directory: Path) -> None:
    """Sign a bundle directory in place with the real `opa sign`. The old signature file goes
    first: left in place, OPA would sign it as one of the bundle's files."""
    (directory / ".signatures.json").unlink(missing_ok=True)
    # Run inside the directory: OPA names the signed files by the path it was given.
    command = [opa_binary(), "sign", "--signing-key", str(factory.key), "--bundle", ".", "-o", "."]
    subprocess.run(command, cwd=directory, check=True, timeout=60, capture_output=True)


def _edit_directory(directory: Path, revision: str, marker: str) -> None:
    manifest = directory / ".manifest"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "revision": revision}))
    data_file = directory / "data.json"
    data = json.loads(data_file.read_text())
    data["kordon_test"] = {"marker": marker}
    data_file.write_text(json.dumps(data))


def test_a_local_bundle_directory_reloads_when_edited_and_re_signed(
    factory: BundleFactory, provider_env: dict[str, str], tmp_path: Path
) -> None:
    directory = tmp_path / "policy"
    with tarfile.open(factory.build("d1"), "r:gz") as tar:
        tar.extractall(directory, filter="data")
    env, key = _env(tmp_path, provider_env)
    args = ["--bundle", str(directory), "--verification-key", str(factory.public_key)]
    with kordon_serve(args, env, tmp_path / "gateway.log") as serve:
        assert _chat(serve, key).headers["x-kordon-policy-revision"] == "d1"
        marker = f"http://127.0.0.1:{serve.opa_port}/v1/data/kordon_test/marker"
        # Edited and not signed again: OPA refuses it and d1 keeps serving.
        refusals = serve.log().count("Bundle load failed")
        _edit_directory(directory, "d2", "edited, unsigned")
        _until(lambda: serve.log().count("Bundle load failed") > refusals, "OPA refused the edit")
        assert _chat(serve, key).headers["x-kordon-policy-revision"] == "d1"
        assert "result" not in httpx.get(marker).json()
        # Signed again: the edit activates with no restart.
        _edit_directory(directory, "d3", "edited, signed")
        _sign_directory(factory, directory)
        _until(lambda: _chat(serve, key).headers["x-kordon-policy-revision"] == "d3", "d3 active")
        assert httpx.get(marker).json()["result"] == "edited, signed"
        assert serve.readyz() == (200, {"status": "ready", "policy_revision": "d3",
                                        "opa_restarts": 0})  # fmt: skip


def _refusal(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KORDON_KEYS_FILE": str(tmp_path / "keys.json"),
           "KORDON_AUDIT_DIR": str(tmp_path / "audit")}  # fmt: skip
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port()),
               "--opa-url", f"http://127.0.0.1:{free_port()}", *args]  # fmt: skip
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_verification_key_without_a_bundle_source_is_refused(
    factory: BundleFactory, tmp_path: Path
) -> None:
    # The embedded bundle is built unsigned from the repository: a key cannot apply to it, and
    # silently serving it unverified would defeat the operator's intent.
    done = _refusal(["--verification-key", str(factory.public_key)], tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().endswith("kordon: a verification key needs --bundle or --bundle-url")


def test_a_bundle_and_a_bundle_url_together_are_refused(
    factory: BundleFactory, tmp_path: Path
) -> None:
    bundle = factory.build("both")
    done = _refusal(
        ["--bundle", str(bundle), "--bundle-url", "http://127.0.0.1:9/bundles/kordon.tar.gz",
         "--verification-key", str(factory.public_key)],
        tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().endswith("kordon: give either --bundle or --bundle-url, not both")


def test_a_missing_verification_key_file_is_refused(factory: BundleFactory, tmp_path: Path) -> None:
    done = _refusal(
        ["--bundle", str(factory.build("nokey")), "--verification-key", str(tmp_path / "no.pem")],
        tmp_path,
    )
    assert done.returncode == 1
    assert "kordon: bundle source: " in done.stderr
    assert "no.pem" in done.stderr
