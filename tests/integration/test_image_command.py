"""What the Docker image runs, without Docker (no engine on the CI machine): the gateway stage's
`CMD`, read from the Dockerfile, in a directory laid out as the stage lays out /app. OPA is the
gateway's own child there, so the decision memo is on: the deployment serves what the
benchmarks measure."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from app.audit.file_store import FileAuditStore
from app.audit.reader import read_records
from tests.support.clients import openai_client
from tests.support.processes import REPO, demo_key, free_port, opa_binary, wait_http

_IMAGE_OPA = "/usr/local/bin/opa"


def _gateway_stage() -> list[str]:
    lines = (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert lines[stages[-1]].endswith(" AS gateway"), "the gateway is the image's last stage"
    return [line.strip() for line in lines[stages[-1] :] if line.strip()]


def _lay_out(stage: list[str], app: Path) -> list[str]:
    """Copy what the stage copies from the build context into `app` (its WORKDIR); its CMD."""
    assert "WORKDIR /app" in stage
    copies = [
        shlex.split(line)[1:] for line in stage if line.startswith("COPY ") and "--from" not in line
    ]
    assert copies, "the stage copies the policy"
    for source, target in copies:
        shutil.copytree(REPO / source, app / target)
    (app / "var").mkdir()
    commands = [line for line in stage if line.startswith("CMD ")]
    command: list[str] = json.loads(commands[-1].removeprefix("CMD "))
    return command


def test_the_image_command_serves_with_its_own_opa_and_the_memo(tmp_path: Path) -> None:
    app = tmp_path / "app"
    command = _lay_out(_gateway_stage(), app)
    assert command[:2] == ["kordon", "serve"]
    assert "--no-sidecar" not in command
    assert _IMAGE_OPA in command
    port, trail = free_port(), FileAuditStore(app / "var" / "audit")  # read only, never locked
    local = {_IMAGE_OPA: opa_binary(), "8080": str(port), "0.0.0.0": "127.0.0.1"}
    argv = [str(Path(sys.executable).with_name("kordon")), *(local.get(a, a) for a in command[1:])]
    # A container's environment: none of this machine's KORDON_* settings. Its loopback is its
    # own; this machine's is shared, so OPA gets a free port instead of the default 8181.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KORDON_")}
    env |= {"PYTHONUNBUFFERED": "1", "KORDON_OPA_URL": f"http://127.0.0.1:{free_port()}"}
    process = subprocess.Popen(
        argv, cwd=app, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # Printed only by the embedded default policy with no provider configured.
        key = demo_key(process)
        wait_http(f"http://127.0.0.1:{port}/readyz")
        client = openai_client(f"http://127.0.0.1:{port}/v1", key)
        ask = {
            "model": "auto",
            "messages": [{"role": "user", "content": "Write to ivan@example.ru"}],
        }
        for _ in range(100):  # under the tier's 300 requests a minute per key
            raw = client.chat.completions.with_raw_response.create(**ask)  # type: ignore[call-overload]
            # The content revision alone: the image's build context has no .git.
            assert re.fullmatch(r"[0-9a-f]{16}", raw.headers["x-kordon-policy-revision"])
            if any(record["memo"] for record in read_records(trail)):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("no decision came from the memo in 100 requests")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    records = list(read_records(trail))
    assert not records[0]["memo"]  # the first decision is OPA's
    assert len({r["revision"] for r in records}) == 1
