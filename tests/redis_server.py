"""A real, throwaway redis-server on a free loopback port, for tests that need Redis.

A missing binary or a server that never answers fails the test run loudly: a Redis test that
quietly skips would let the Redis code paths go untested.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.processes import free_port, stop

__all__ = ["start_redis"]

# Nothing is written to disk, and nothing but this machine can connect.
_OPTIONS = ("--save", "", "--appendonly", "no", "--bind", "127.0.0.1")
_START_TIMEOUT_S = 10.0
# A free port can be taken by someone else between probing and binding; try a few.
_ATTEMPTS = 3


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def start_redis() -> Iterator[str]:
    """Run redis-server (no persistence, loopback only) and yield its ``redis://`` URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not on PATH; the Redis tests need a real server")
    output = ""
    for _ in range(_ATTEMPTS):
        port = free_port()
        with tempfile.TemporaryFile() as log:
            server = subprocess.Popen(
                [binary, *_OPTIONS, "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + _START_TIMEOUT_S
                while server.poll() is None and time.monotonic() < deadline:
                    if _answers_ping(port):
                        yield f"redis://127.0.0.1:{port}/0"
                        return
                    time.sleep(0.02)
            finally:
                stop(server)
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
    raise RuntimeError(f"redis-server did not start; its last output:\n{output}")
