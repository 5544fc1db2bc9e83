"""The gateway without a database does not pay for the PostgreSQL driver."""

from __future__ import annotations

import subprocess
import sys


def test_psycopg_is_loaded_only_when_a_database_is_named() -> None:
    probe = (
        "import sys\n"
        "from app.audit.backend import open_store\n"
        "from app.config import Settings\n"
        "import app.main\n"
        "open_store(Settings())\n"
        "print('psycopg' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False", done.stderr
