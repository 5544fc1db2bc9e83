"""Real processes for integration tests: the OPA server and the gateway under uvicorn."""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from app.policy.opa_binary import find_opa
from app.policy.sidecar import OPA_ENV

__all__ = [
    "REPO",
    "demo_key",
    "environment_of",
    "free_port",
    "opa_binary",
    "running_gateway",
    "running_opa",
    "stop",
    "wait_http",
]

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment_of(pid: int) -> dict[str, str]:
    """The environment process `pid` was started with (Linux `/proc`)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def demo_key(process: subprocess.Popen[str], timeout_s: float = 60.0) -> str:
    """The demo key `kordon serve` prints (embedded defaults, no provider configured). Reads
    its stdout unbuffered, so a server that never prints one fails the test instead of
    hanging it; what it prints after the read that found the key stays for `communicate()`."""
    assert process.stdout is not None
    descriptor, seen = process.stdout.fileno(), b""
    deadline = time.monotonic() + timeout_s
    while (remaining := deadline - time.monotonic()) > 0:
        if select.select([descriptor], [], [], remaining)[0]:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                break
            seen += chunk
            if found := re.search(rb"Bearer (kdn-[A-Za-z0-9_-]+)", seen):
                return found.group(1).decode()
    raise AssertionError(f"kordon serve printed no demo key: {seen.decode(errors='replace')}")


def opa_binary() -> str:
    """The pinned OPA, found as `kordon serve` finds it. Missing OPA is a failure, never a skip."""
    return find_opa()


def wait_http(
    url: str, timeout_s: float = 20.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} was up")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer 200 within {timeout_s}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill what does not stop within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_opa(
    bundle: Path,
    *,
    args: Sequence[str] = (),
    log_file: Path | None = None,
    cpu: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`opa run --server` on a free loopback port; `args` and `log_file` (its stdout and
    stderr, where a console decision log goes) serve tests that inspect what OPA saw. With
    `cpu`, once ready, every thread OPA has started is pinned to that core (benchmarks)."""
    port = free_port()
    # The flags and GC setting `kordon serve` gives its sidecar (app/policy/sidecar.py).
    command = [
        opa_binary(), "run", "--server", "--addr", f"127.0.0.1:{port}", "--skip-version-check",
        "--optimize-store-for-read-speed", "--log-level", "error", *args, "--bundle", str(bundle),
    ]  # fmt: skip
    with ExitStack() as files:
        out = files.enter_context(log_file.open("ab")) if log_file else None
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env={**OPA_ENV, **os.environ},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health?bundles", process=process)
        if cpu is not None:
            subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(process.pid)],
                           check=True, capture_output=True)  # fmt: skip
        yield url, process
    finally:
        stop(process)


@contextmanager
def running_gateway(
    opa_url: str, keys_file: Path, env: Mapping[str, str], log_file: Path
) -> Iterator[str]:
    """`kordon serve --no-sidecar` under uvicorn on a free port; yields its base URL."""
    port = free_port()
    environment = {**os.environ, **env, "KORDON_KEYS_FILE": str(keys_file)}
    # Each gateway its own audit trail (one writer per trail), beside its log, unless given.
    environment.setdefault("KORDON_AUDIT_DIR", str(log_file.with_suffix(".audit")))
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--no-sidecar",
                "--opa-url",
                opa_url,
                "--port",
                str(port),
                "--log-level",
                "info",
            ],
            cwd=REPO,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/readyz", process=process)
        yield url
    finally:
        stop(process)
