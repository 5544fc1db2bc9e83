"""The sidecar's OPA runs with the GC settings measured in docs/performance.md (an operator's
own GOGC / GOMEMLIMIT win over them), as batch work in every thread; replay's OPA as well."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from app.policy.bundle import build_bundle
from app.policy.replay_opa import running_bundle
from app.policy.sidecar import OpaProcess, wait_for_opa
from tests.support.processes import REPO, environment_of, free_port, opa_binary

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


def test_opa_gets_a_high_gogc_and_no_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed limit made a large bundle's decisions 3x dearer (docs/performance.md)."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    env = _inspect(environment_of)
    assert env["GOGC"] == "400"
    assert "GOMEMLIMIT" not in env


def test_the_operators_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOGC", "100")
    monkeypatch.setenv("GOMEMLIMIT", "off")
    env = _inspect(environment_of)
    assert (env["GOGC"], env["GOMEMLIMIT"]) == ("100", "off")


def test_the_replay_opa_has_no_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay batch holds far more than 40 MiB in OPA's heap: under such a limit replay ran
    at a quarter of its speed (docs/performance.md, "Round 5")."""
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    bundle = tmp_path / "bundle.tar.gz"
    build_bundle(opa_binary(), REPO, bundle)

    async def run() -> dict[str, str]:
        async with running_bundle(opa_binary(), bundle):
            return await asyncio.to_thread(lambda: environment_of(_serving(bundle)))

    env = asyncio.run(run())
    assert env["GOGC"] == "400"
    assert "GOMEMLIMIT" not in env


def _serving(bundle: Path) -> int:
    """The process whose command line names `bundle` (the test's own, in its tmp_path)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:  # exited meanwhile
            continue
        if str(bundle).encode() in arguments:
            found.append(int(cmdline.parent.name))
    (pid,) = found
    return pid
