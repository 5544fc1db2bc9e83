"""One real `opa run --server` child process: spawn, watch its stderr, stop.

The child never outlives the gateway: on Linux it asks the kernel for SIGKILL when its parent
dies (`PR_SET_PDEATHSIG`), which also covers a SIGKILLed gateway that runs no cleanup. It runs
in a session of its own, so a Ctrl-C on the terminal reaches only the gateway, which drains its
requests first and stops OPA last (`app/cli/serve.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from app.policy.opa_admin import OpaAdmin

__all__ = ["MEMOIZED_OPA_ENV", "OPA_ENV", "OpaProcess", "SidecarFailed", "wait_for_opa"]

log = logging.getLogger("kordon.opa")

# OPA allocates on every evaluation; collecting at 400 % heap growth instead of Go's 100 %
# served 15-20 % more decisions per core here (README, "Performance") for ~20 MB more memory.
# No soft memory limit: GOMEMLIMIT=40MiB (rounds 3-4) no longer saved anything measurable with
# the shipped bundle, and a bundle whose live heap nears a fixed limit makes the GC run without
# pause: 20,000 tenants (~90 MiB live) took 1,342 instead of 400 µs per decision, and replay's
# batches ran at a quarter of their speed (docs/performance.md, "Round 5"). An operator who
# knows the bundle's size may set one: the operator's environment wins.
OPA_ENV = {"GOGC": "400"}
# With the decision memo on, OPA evaluates only the memo's misses (~11 % of an agent mix, none
# of a repeated request): Go's default GOGC keeps it ~6 MiB smaller (44 instead of 50 MiB after
# warm-up) for GC work on few decisions (docs/performance.md, "Round 4: stores and OPA heap").
MEMOIZED_OPA_ENV = {**OPA_ENV, "GOGC": "100"}

_STDERR_LINES = 20
_PR_SET_PDEATHSIG = 1


class SidecarFailed(RuntimeError):
    pass


async def wait_for_opa(host: str, port: int, timeout_s: float, *, bundles: bool) -> None:
    """Wait until OPA answers `/health` (with `bundles`: until its bundles are activated)."""
    async with OpaAdmin(f"http://{host}:{port}", timeout_s=1.0) as client:
        try:
            await client.wait_ready(timeout_s, bundles=bundles)
        except TimeoutError as exc:
            raise SidecarFailed(f"OPA at {host}:{port} did not become ready") from exc


def _linux_child_setup() -> Callable[[], None] | None:
    """What the OPA child does between fork and exec on Linux: die with the gateway, and run
    as batch work (SCHED_BATCH, inherited by every thread Go starts). A decision request then
    does not preempt the gateway: OPA runs when the gateway waits, answering the decisions
    queued by then in one turn instead of a context switch each. Sharing a core with the
    gateway, memo off: ~13 % less CPU per request, 10-30 % more requests/s; nothing changes
    when the gateway is idle, so a lone decision is not delayed (docs/performance.md, "Round 4:
    stores and OPA heap")."""
    if not sys.platform.startswith("linux"):
        return None
    # Loaded before the fork: the function below runs in the child, where little is safe.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()
    batch = os.sched_param(0)

    def set_up() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the gateway died before the request took effect
            os._exit(1)
        os.sched_setscheduler(0, os.SCHED_BATCH, batch)

    return set_up


class OpaProcess:
    """OPA bound to loopback (and to `unix_socket`, for decisions, when given), telemetry and
    version checks off; `source_args` say what it loads (see `sources.py`). Can be spawned
    again after it exits (OPA replaces a socket file left by a killed predecessor)."""

    def __init__(
        self,
        binary: str,
        source_args: Sequence[str],
        port: int,
        host: str = "127.0.0.1",
        unix_socket: Path | None = None,
        gc_env: Mapping[str, str] = OPA_ENV,
    ) -> None:
        self.host = host
        self._gc_env = gc_env
        self.port = port
        socket_args = ["--addr", f"unix://{unix_socket}"] if unix_socket is not None else []
        # --optimize-store-for-read-speed: bundle data kept as OPA values, not converted on
        # every read; 7-10 % less evaluation per decision in `opa bench` (docs/performance.md).
        self.command = [
            binary, "run", "--server", "--addr", f"{host}:{port}", *socket_args,
            "--skip-version-check", "--optimize-store-for-read-speed", "--log-level", "error",
            *source_args,
        ]  # fmt: skip
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        # OPA's last stderr lines, logged with its exit status.
        self.stderr_tail: deque[str] = deque(maxlen=_STDERR_LINES)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def spawn(self) -> None:
        self.stderr_tail.clear()
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.DEVNULL,
            # OPA prints fatal start-up errors ("load error: …") on stdout: keep them too.
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**self._gc_env, **os.environ},
            start_new_session=True,
            preexec_fn=_linux_child_setup(),
        )
        self._reader = asyncio.create_task(self._read_stderr(self._process))

    async def _read_stderr(self, process: asyncio.subprocess.Process) -> None:
        if process.stdout is None:
            return
        async for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()[:1000]
            self.stderr_tail.append(line)
            log.warning("opa: %s", line)

    async def wait(self) -> int:
        """Wait for the child to exit; its status (negative: killed by that signal)."""
        if self._process is None:
            raise SidecarFailed("OPA was not started")
        status = await self._process.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        return status

    async def stop(self, timeout_s: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
