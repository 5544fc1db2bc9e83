"""`kordon policy build | test | sign | verify | push | serve-bundles` as a team's CI runs them,
ending with a real `opa run --server` that polls the bundle service and activates what was
pushed, verifying its signature.

The short commands run in-process through the CLI's `main` (a fresh interpreter costs seconds
of imports each); `serve-bundles` runs as its own process, as it would in a deployment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from app.cli import main
from app.policy.publish import bundle_revision
from tests.support.policy_repo import POLICY, write_key_pair, write_source
from tests.support.processes import REPO, free_port, opa_binary, wait_http

pytestmark = pytest.mark.integration

TOKEN = "ci-publish-token"


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


Kordon = Callable[..., Done]


@pytest.fixture
def kordon(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Kordon:
    """`kordon policy <args>`: exit status and output, as a shell would see them."""
    monkeypatch.setenv("KORDON_OPA_BINARY", opa_binary())

    def run(*args: str, env: dict[str, str] | None = None) -> Done:
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            try:
                main(["policy", *args])
                code, message = 0, ""
            except SystemExit as exc:  # sys.exit("kordon policy: …") prints the message
                code = exc.code if isinstance(exc.code, int) else 1
                message = exc.code if isinstance(exc.code, str) else ""
        captured = capfd.readouterr()
        return Done(code, captured.out, captured.err + message)

    return run


def test_policy_test_passes_a_clean_source_and_names_each_failure(
    kordon: Kordon, tmp_path: Path
) -> None:
    clean = write_source(tmp_path / "clean")
    done = kordon("test", "--source", str(clean))
    assert done.returncode == 0, done.stderr
    assert "coverage 100.00%" in done.stdout

    unformatted = write_source(tmp_path / "fmt", policy=POLICY.replace(" := ", ":="))
    done = kordon("test", "--source", str(unformatted))
    assert done.returncode != 0
    assert "not formatted" in done.stderr
    assert "gate.rego" in done.stderr

    uncovered_rule = '\nreason := sprintf("user %v", [input.user]) if not allow\n'
    uncovered = write_source(tmp_path / "cov", policy=POLICY + uncovered_rule)
    done = kordon("test", "--source", str(uncovered), "--threshold", "95")
    assert done.returncode != 0
    assert "below the threshold 95.0%" in done.stderr
    assert kordon("test", "--source", str(uncovered), "--threshold", "50").returncode == 0

    broken = write_source(tmp_path / "broken", admins=("bob",))  # test_admin_allowed fails
    done = kordon("test", "--source", str(broken))
    assert done.returncode != 0
    assert "opa test failed" in done.stderr
    assert "test_admin_allowed" in done.stderr


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_build_signed_then_verify_and_push_to_a_directory(
    alg: str, kordon: Kordon, tmp_path: Path
) -> None:
    source = write_source(tmp_path / "repo")
    private, public = write_key_pair(tmp_path / "keys", alg)
    other_alg = "ES256" if alg == "RS256" else "RS256"
    _, wrong_public = write_key_pair(tmp_path / "other", other_alg)
    signed, unsigned = tmp_path / "signed.tar.gz", tmp_path / "unsigned.tar.gz"

    built = kordon("build", "--source", str(source), "--out", str(signed), "--signing-key",
                   str(private), "--signing-alg", alg)  # fmt: skip
    assert built.returncode == 0, built.stderr
    revision = built.stdout.strip()
    assert bundle_revision(signed.read_bytes()) == revision
    assert private.read_text().splitlines()[1] not in built.stdout + built.stderr

    assert kordon("verify", str(signed), "--verification-key", str(public)).returncode == 0
    wrong = kordon("verify", str(signed), "--verification-key", str(wrong_public))
    assert wrong.returncode != 0
    assert "does not verify" in wrong.stderr

    assert kordon("build", "--source", str(source), "--out", str(unsigned)).returncode == 0
    target = tmp_path / "bundles"
    refused = kordon("push", str(unsigned), "--to", str(target), "--verification-key", str(public))
    assert refused.returncode != 0
    assert not (target / "kordon.tar.gz").exists()  # an unsigned bundle is never published

    assert kordon("sign", str(unsigned), "--signing-key", str(private)).returncode == 0
    pushed = kordon("push", str(unsigned), "--to", str(target), "--verification-key", str(public))
    assert pushed.returncode == 0, pushed.stderr
    assert (target / "kordon.tar.gz").read_bytes() == unsigned.read_bytes()


def _opa_config(bundle_service: str, public: Path, long_poll: bool) -> dict[str, object]:
    polling: dict[str, int] = {"min_delay_seconds": 1, "max_delay_seconds": 1}
    if long_poll:
        polling["long_polling_timeout_seconds"] = 10
    return {
        "services": {"bundles": {"url": bundle_service}},
        "bundles": {
            "kordon": {
                "service": "bundles",
                "resource": "bundles/kordon.tar.gz",
                "polling": polling,
                "signing": {"keyid": "team"},
            }
        },
        "keys": {"team": {"algorithm": "ES256", "key": public.read_text()}},
    }


@contextmanager
def _process(command: list[str], log: Path, ready_url: str) -> Iterator[None]:
    with log.open("ab") as out:
        env = {**os.environ, "KORDON_OPA_BINARY": opa_binary()}
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
    try:
        wait_http(ready_url, process=process)
        yield
    finally:
        process.terminate()
        process.wait(10)


def _active_revision(opa_url: str) -> str | None:
    answer = httpx.get(f"{opa_url}/v1/data/team/gate/allow?provenance", timeout=2).json()
    bundles = answer.get("provenance", {}).get("bundles", {})
    revision = bundles.get("kordon", {}).get("revision")
    return revision if isinstance(revision, str) else None


def _wait_for_revision(opa_url: str, revision: str) -> None:
    deadline = time.monotonic() + 20
    while _active_revision(opa_url) != revision:
        assert time.monotonic() < deadline, f"OPA did not activate {revision}"
        time.sleep(0.1)


def _wait_for_log(log: Path, text: str) -> None:
    deadline = time.monotonic() + 20
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"OPA never logged {text!r}"
        time.sleep(0.1)


@pytest.mark.parametrize("long_poll", [False, True], ids=["polling", "long-polling"])
def test_opa_activates_what_ci_pushes_to_the_bundle_service(
    long_poll: bool, kordon: Kordon, tmp_path: Path
) -> None:
    private, public = write_key_pair(tmp_path / "keys", "ES256")
    (tmp_path / "token").write_text(TOKEN)
    server_port, opa_port = free_port(), free_port()
    service = f"http://127.0.0.1:{server_port}"
    first, second, unsigned = (tmp_path / f"r{n}.tar.gz" for n in (1, 2, 3))
    signing = ["--signing-key", str(private), "--signing-key-id", "team"]
    builds: list[tuple[Path, str, list[str]]] = [
        (first, "alice", signing),
        (second, "mallory", signing),
        (unsigned, "bob", []),
    ]
    for out, admin, sign in builds:
        revision = out.name.removesuffix(".tar.gz")
        source = write_source(tmp_path / revision, admins=(admin,))
        built = kordon("build", "--source", str(source), "--out", str(out), "--revision",
                       revision, *sign)  # fmt: skip
        assert built.returncode == 0, built.stderr
    token = ("--token-file", str(tmp_path / "token"))

    directory = tmp_path / "served"
    serve = [sys.executable, "-m", "app.cli", "policy", "serve-bundles", "--dir", str(directory),
             "--port", str(server_port), "--token-file", str(tmp_path / "token")]  # fmt: skip
    # Before anything is published the service answers 404; readiness is its 404 turning 200.
    assert kordon("push", str(first), "--to", str(directory)).returncode == 0
    with _process(serve, tmp_path / "server.log", f"{service}/bundles/kordon.tar.gz"):
        wrong = kordon("push", str(second), "--to", service, env={"KORDON_BUNDLE_TOKEN": "nope"})
        assert wrong.returncode != 0
        assert "403" in wrong.stderr
        assert "nope" not in wrong.stderr

        config = tmp_path / "opa.yaml"
        config.write_text(yaml.safe_dump(_opa_config(service, public, long_poll)))
        opa_url = f"http://127.0.0.1:{opa_port}"
        opa = [opa_binary(), "run", "--server", "--addr", f"127.0.0.1:{opa_port}",
               "--skip-version-check", "--config-file", str(config)]  # fmt: skip
        with _process(opa, tmp_path / "opa.log", f"{opa_url}/health?bundles"):
            assert _active_revision(opa_url) == "r1"
            mallory = {"input": {"user": "mallory"}}
            assert httpx.post(f"{opa_url}/v1/data/team/gate/allow", json=mallory).json() == {
                "result": False
            }

            pushed = kordon("push", str(second), "--to", service, *token)
            assert pushed.returncode == 0, pushed.stderr
            _wait_for_revision(opa_url, "r2")
            assert httpx.post(f"{opa_url}/v1/data/team/gate/allow", json=mallory).json() == {
                "result": True
            }

            # An unsigned bundle reaches the service (it does not verify) but OPA refuses it
            # and keeps serving the last good revision.
            assert kordon("push", str(unsigned), "--to", service, *token).returncode == 0
            _wait_for_log(tmp_path / "opa.log", "missing .signatures.json")
            assert _active_revision(opa_url) == "r2"
    assert len(list((directory / "revisions" / "kordon").iterdir())) == 3


def test_build_names_what_failed(kordon: Kordon, tmp_path: Path) -> None:
    broken = write_source(tmp_path / "repo", policy=POLICY + "\nallow if {\n")
    done = kordon("build", "--source", str(broken), "--out", str(tmp_path / "b.tar.gz"))
    assert done.returncode != 0
    assert "opa build failed" in done.stderr
    assert "rego_parse_error" in done.stdout + done.stderr  # OPA prints its errors on stdout
    missing = kordon("build", "--source", str(tmp_path / "nowhere"))
    assert "no policy source directory" in missing.stderr
