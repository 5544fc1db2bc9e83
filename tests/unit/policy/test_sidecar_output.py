"""OPA's reason for refusing to start reaches the gateway's log and the exit report."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.policy.sidecar import OpaProcess
from tests.support.processes import free_port, opa_binary


def test_a_fatal_load_error_is_kept_in_the_tail(tmp_path: Path) -> None:
    missing = tmp_path / "absent.tar.gz"

    async def run() -> tuple[int, list[str]]:
        process = OpaProcess(opa_binary(), ["--bundle", str(missing)], free_port())
        await process.spawn()
        status = await process.wait()
        return status, list(process.stderr_tail)

    status, tail = asyncio.run(run())
    assert status != 0
    assert any("load error" in line and str(missing) in line for line in tail), tail
