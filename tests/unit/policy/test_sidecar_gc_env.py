"""The sidecar's OPA runs with the GC settings measured in docs/performance.md (an operator's
own GOGC / GOMEMLIMIT win over them), as batch work in every thread."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from app.policy.sidecar import OpaProcess, wait_for_opa
from tests.support.processes import environment_of, free_port, opa_binary

T = TypeVar("T")


def _inspect(probe: Callable[[int], T]) -> T:
    """`probe(pid)` of a sidecar OPA once it answers."""

    async def run() -> T:
        process = OpaProcess(opa_binary(), [], free_port())
        await process.spawn()
        try:
            assert process.pid is not None
            await wait_for_opa(process.host, process.port, 10, bundles=False)
            return await asyncio.to_thread(probe, process.pid)
        finally:
            await process.stop()

    return asyncio.run(run())


def _policies(pid: int) -> list[int]:
    threads = [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
    return [os.sched_getscheduler(thread) for thread in threads]


def test_every_opa_thread_runs_as_batch_work() -> None:
    policies = _inspect(_policies)
    assert len(policies) > 1  # Go's runtime threads, started after exec, inherit it too
    assert set(policies) == {os.SCHED_BATCH}


def test_opa_gets_a_high_gogc_and_a_soft_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    env = _inspect(environment_of)
    assert (env["GOGC"], env["GOMEMLIMIT"]) == ("400", "40MiB")


def test_the_operators_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOGC", "100")
    monkeypatch.setenv("GOMEMLIMIT", "off")
    env = _inspect(environment_of)
    assert (env["GOGC"], env["GOMEMLIMIT"]) == ("100", "off")
