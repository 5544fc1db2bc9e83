"""`kordon serve` with its embedded defaults: it supervises OPA and the demo upstream."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from app.api.hotpath import HotPath
from app.api.streaming import RelayResponse
from app.cli.serve import server_config
from app.config import load_settings
from app.providers.demo import DEMO_LABEL
from tests.support.clients import openai_client
from tests.support.processes import (
    REPO,
    demo_key,
    environment_of,
    free_port,
    opa_binary,
    wait_http,
)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _serve(tmp_path: Path, port: int, opa_port: int, **env_vars: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KORDON_PROVIDER_")}
    env |= {
        "KORDON_OPA_BINARY": opa_binary(),
        "KORDON_KEYS_FILE": str(tmp_path / "keys.json"),
        "PYTHONUNBUFFERED": "1",
        **env_vars,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--port",
            str(port),
            "--opa-url",
            f"http://127.0.0.1:{opa_port}",
        ],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_supervises_opa_and_the_demo_upstream(tmp_path: Path) -> None:
    port, opa_port = free_port(), free_port()
    process = _serve(tmp_path, port, opa_port)
    try:
        key = demo_key(process)
        wait_http(f"http://127.0.0.1:{port}/readyz")
        assert _port_open(opa_port)
        client = openai_client(f"http://127.0.0.1:{port}/v1", key)
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Write to ivan@example.ru"}]
        )
        answer = raw.parse().choices[0].message.content or ""
        assert answer.startswith(DEMO_LABEL)
        assert answer.endswith("Write to ivan@example.ru")
        assert raw.headers["x-kordon-route"].startswith("onprem-vllm/")
        assert "server" not in raw.headers  # uvicorn does not name itself on every answer
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    # What left the gateway, as the demo upstream printed it: the placeholder, not the address.
    received = [line for line in output.splitlines() if "received:" in line]
    assert received
    assert "[EMAIL_1]" in received[0]
    assert "ivan@example.ru" not in received[0]
    assert not _port_open(opa_port), "the OPA sidecar outlived kordon serve"
    assert not _port_open(port)


def _child_environment(parent: int, name: str) -> dict[str, str]:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = stat.read_text().rsplit(")", 1)
        if fields[0].endswith(f"({name}") and int(fields[1].split()[1]) == parent:
            return environment_of(int(stat.parent.name))
    raise AssertionError(f"no {name} child of {parent}")


@pytest.mark.parametrize(("memo_size", "gogc"), [("4096", "100"), ("0", "400")])
def test_the_sidecar_collects_garbage_as_often_as_it_will_evaluate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memo_size: str, gogc: str
) -> None:
    """Memo on, OPA sees only its misses: Go's default GC, a smaller heap. Memo off, every
    request is a decision: GOGC=400, more decisions per core (docs/performance.md)."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    port, opa_port = free_port(), free_port()
    process = _serve(tmp_path, port, opa_port, KORDON_DECISION_MEMO_SIZE=memo_size)
    try:
        demo_key(process)
        wait_http(f"http://127.0.0.1:{port}/readyz")
        environment = _child_environment(process.pid, "opa")
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert environment["GOGC"] == gogc
    assert "GOMEMLIMIT" not in environment


def test_a_client_that_leaves_a_stream_stops_its_relay() -> None:
    """Under uvicorn as `kordon serve` configures it, a closed connection ends the relay (its
    `finally` closes the upstream and settles the quota) and the request leaves the drain count."""
    relay_closed = asyncio.Event()

    async def endless(_: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                yield b"data: 1\n\n"
                await asyncio.Event().wait()  # an upstream that never sends the next chunk
            finally:
                relay_closed.set()

        return RelayResponse(chunks(), media_type="text/event-stream")

    app = HotPath(Starlette(), {("POST", "/v1/chat/completions"): endless})
    listening = socket.create_server(("127.0.0.1", 0))  # connections queue until uvicorn serves
    port = listening.getsockname()[1]

    async def go() -> None:
        server = uvicorn.Server(server_config(app, load_settings(port=port), "warning"))
        serving = asyncio.create_task(server.serve(sockets=[listening]))
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\n{}"
        )
        assert (await reader.readuntil(b"data: 1\n\n")).startswith(b"HTTP/1.1 200")
        writer.close()
        await asyncio.wait_for(relay_closed.wait(), 10)
        await asyncio.wait_for(app.drain.wait_idle(10), 10)
        assert app.drain.in_flight == 0
        server.should_exit = True
        await serving

    with listening:
        asyncio.run(go())
