"""A real, throwaway PostgreSQL server on a free loopback port, for tests that need one.

initdb refuses to run as root, so under root the server runs as the `postgres` user (Debian's
package creates it) in a temporary directory that user owns. A missing binary or a server
that never answers fails the test run loudly, never skips.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.support.processes import free_port, stop

__all__ = ["start_postgres"]

# Debian installs the server outside PATH, one directory per major version.
_DEBIAN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
_START_TIMEOUT_S = 20.0
# Throwaway data: durability settings off, loopback TCP only, no Unix socket.
_OPTIONS = (
    "-c", "listen_addresses=127.0.0.1",
    "-c", "unix_socket_directories=",
    "-c", "fsync=off",
    "-c", "synchronous_commit=off",
    "-c", "full_page_writes=off",
)  # fmt: skip


def _binary(name: str) -> str:
    candidates = [d / name for d in reversed(_DEBIAN) if (d / name).exists()]
    found = str(candidates[0]) if candidates else shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"{name} not found (/usr/lib/postgresql/*/bin or PATH); run "
            "scripts/ensure-postgres.sh: the PostgreSQL tests need a real server"
        )
    return found


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def start_postgres() -> Iterator[str]:
    """initdb + postgres in a temporary directory; yield a DSN for the superuser `kordon`."""
    root = Path(tempfile.mkdtemp(prefix="kordon-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    try:
        initdb = subprocess.run(
            _as_owner([_binary("initdb"), "-D", str(data), "-U", "kordon", "--auth=trust",
                       "-E", "UTF8", "--no-sync", "--no-instructions"]),
            capture_output=True,
            check=False,
        )  # fmt: skip
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stderr.decode(errors='replace')[-2000:]}")
        port = free_port()
        log = (root / "server.log").open("wb")
        server = subprocess.Popen(
            _as_owner([_binary("postgres"), "-D", str(data), "-p", str(port), *_OPTIONS]),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        dsn = f"postgresql://kordon@127.0.0.1:{port}/postgres"
        try:
            deadline = time.monotonic() + _START_TIMEOUT_S
            while True:
                try:
                    psycopg.connect(dsn, connect_timeout=1).close()
                    break
                except psycopg.OperationalError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.flush()
                        tail = (root / "server.log").read_text(errors="replace")[-2000:]
                        raise RuntimeError(f"postgres did not start; its log:\n{tail}") from None
                    time.sleep(0.05)
            yield dsn
        finally:
            stop(server)
            log.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
