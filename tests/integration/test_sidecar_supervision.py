"""The OPA child of `kordon serve` comes back after a crash, a crash loop ends the gateway with
a clear error, and a SIGKILLed gateway leaves no OPA behind; `--no-sidecar` recovers too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.keys import KeyStore
from tests.support.processes import REPO, free_port, opa_binary, running_gateway, wait_http
from tests.support.serve_process import kordon_serve


def _key(tmp_path: Path) -> tuple[dict[str, str], str]:
    store = KeyStore.load(tmp_path / "keys.json")
    return {"KORDON_KEYS_FILE": str(tmp_path / "keys.json")}, store.create("acme-ru", "a")[0]


def _chat(url: str, key: str) -> int:
    try:
        return httpx.post(
            f"{url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {key}"},
            json={"model": "auto", "messages": [{"role": "user", "content": "up?"}]},
            timeout=10,
        ).status_code
    except httpx.TransportError:
        return 0


def _until(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_a_killed_opa_child_is_restarted(provider_env: dict[str, str], tmp_path: Path) -> None:
    env, key = _key(tmp_path)
    with kordon_serve([], {**provider_env, **env}, tmp_path / "gateway.log") as serve:
        assert _chat(serve.url, key) == 200
        (opa,) = serve.opa_pids()
        os.kill(opa, signal.SIGKILL)
        _until(lambda: not _alive(opa), "OPA died")
        _until(lambda: _chat(serve.url, key) == 200, "a 200 after the restart")
        status, body = serve.readyz()
        assert (status, body["opa_restarts"]) == (200, 1)
        assert serve.opa_pids() != [opa]
    log = serve.log()
    assert "exited with status -9" in log
    assert "OPA restarted (restart 1)" in log


def test_a_crash_loop_ends_with_a_clear_error(tmp_path: Path) -> None:
    crashing = tmp_path / "opa"
    crashing.write_text("#!/bin/sh\necho 'opa: cannot start: simulated crash' >&2\nexit 3\n")
    crashing.chmod(0o755)
    env = {**os.environ, "KORDON_OPA_MAX_FAILURES": "3", "KORDON_KEYS_FILE": str(tmp_path / "k")}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--opa-binary", str(crashing),
         "--port", str(free_port()), "--opa-url", f"http://127.0.0.1:{free_port()}",
         "--bundle-url", "http://127.0.0.1:9/bundles/kordon.tar.gz"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "OPA exited 3 times within 60 s (last status 3); giving up" in done.stderr
    assert "simulated crash" in done.stderr


def test_no_opa_outlives_a_sigkilled_gateway(provider_env: dict[str, str], tmp_path: Path) -> None:
    env, _ = _key(tmp_path)
    with kordon_serve([], {**provider_env, **env}, tmp_path / "gateway.log") as serve:
        (opa,) = serve.opa_pids()
        serve.process.kill()
        serve.process.wait(10)
        _until(lambda: not _alive(opa), "the OPA child is gone")


def test_no_sidecar_gateway_recovers_when_its_opa_comes_back(
    provider_env: dict[str, str], bundle: tuple[Path, str], tmp_path: Path
) -> None:
    env, key = _key(tmp_path)
    port = free_port()
    command = [opa_binary(), "run", "--server", "--addr", f"127.0.0.1:{port}",
               "--skip-version-check", "--bundle", str(bundle[0])]  # fmt: skip
    opa_url = f"http://127.0.0.1:{port}"
    opa = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"{opa_url}/health?bundles", process=opa)
        with running_gateway(opa_url, tmp_path / "keys.json", provider_env,
                             tmp_path / "gw.log") as url:  # fmt: skip
            assert _chat(url, key) == 200
            opa.kill()
            opa.wait()
            assert _chat(url, key) == 503
            opa = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_http(f"{opa_url}/health?bundles", process=opa)
            assert _chat(url, key) == 200
            assert httpx.get(f"{url}/readyz").status_code == 200
    finally:
        opa.kill()
        opa.wait()
    del env
