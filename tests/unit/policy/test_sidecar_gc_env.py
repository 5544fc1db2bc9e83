"""The sidecar's OPA runs with the GC settings measured in docs/performance.md (an operator's
own GOGC / GOMEMLIMIT win over them), as batch work in every thread."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from app.policy.sidecar import OpaProcess, wait_for_opa
from tests.support.processes import free_port, opa_binary


def _opa_environment() -> dict[str, str]:
    async def run() -> dict[str, str]:
        process = OpaProcess(opa_binary(), [], free_port())
        await process.spawn()
        try:
            raw = await asyncio.to_thread(Path(f"/proc/{process.pid}/environ").read_bytes)
        finally:
            await process.stop()
        return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)

    return asyncio.run(run())


def _policies(pid: int) -> list[int]:
    threads = [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
    return [os.sched_getscheduler(thread) for thread in threads]


def test_every_opa_thread_runs_as_batch_work() -> None:
    async def run() -> list[int]:
        process = OpaProcess(opa_binary(), [], free_port())
        await process.spawn()
        try:
            assert process.pid is not None
            await wait_for_opa(process.host, process.port, 10, bundles=False)
            return await asyncio.to_thread(_policies, process.pid)
        finally:
            await process.stop()

    policies = asyncio.run(run())
    assert len(policies) > 1  # Go's runtime threads, started after exec, inherit it too
    assert set(policies) == {os.SCHED_BATCH}


def test_opa_gets_a_high_gogc_and_a_soft_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    env = _opa_environment()
    assert (env["GOGC"], env["GOMEMLIMIT"]) == ("400", "40MiB")


def test_the_operators_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOGC", "100")
    monkeypatch.setenv("GOMEMLIMIT", "off")
    env = _opa_environment()
    assert (env["GOGC"], env["GOMEMLIMIT"]) == ("100", "off")
