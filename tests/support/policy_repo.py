"""A compliance team's small policy repository and signing keys, written at test time.

Keys are generated into the test's temporary directory (never committed) with `cryptography`.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

__all__ = [
    "POLICY",
    "TESTS",
    "bundle_members",
    "rewrite_bundle",
    "write_key_pair",
    "write_source",
]

POLICY = """package team.gate

default allow := false

allow if input.user in data.team.admins
"""

TESTS = """package team.gate_test

import data.team.gate

test_admin_allowed if gate.allow with input as {"user": "alice"}

test_stranger_denied if not gate.allow with input as {"user": "mallory"}
"""


def write_source(root: Path, admins: tuple[str, ...] = ("alice",), policy: str = POLICY) -> Path:
    """A repository in Kordon's layout: rego/, rego_tests/, data/ (plus CI files to ignore)."""
    (root / "rego" / "team").mkdir(parents=True, exist_ok=True)
    (root / "rego_tests" / "team").mkdir(parents=True, exist_ok=True)
    (root / "data" / "team").mkdir(parents=True, exist_ok=True)
    (root / ".github").mkdir(exist_ok=True)
    (root / "rego" / "team" / "gate.rego").write_text(policy)
    (root / "rego_tests" / "team" / "gate_test.rego").write_text(TESTS)
    admins_yaml = "".join(f"  - {name}\n" for name in admins)
    (root / "data" / "team" / "data.yaml").write_text(f"admins:\n{admins_yaml}")
    (root / ".github" / "ci.yml").write_text("not: policy data\n")
    return root


def write_key_pair(directory: Path, algorithm: str) -> tuple[Path, Path]:
    """(private, public) PEM files for RS256 (RSA 2048) or ES256 (P-256)."""
    directory.mkdir(parents=True, exist_ok=True)
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    private = directory / f"{algorithm.lower()}.key.pem"
    public = directory / f"{algorithm.lower()}.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def bundle_members(bundle: Path) -> dict[str, bytes]:
    """A bundle tarball's files by name (`/data.json`, `/.manifest`, …)."""
    with tarfile.open(bundle, "r:gz") as archive:
        return {
            m.name: extracted.read()
            for m in archive
            if m.isfile() and (extracted := archive.extractfile(m)) is not None
        }


def rewrite_bundle(
    bundle: Path, out: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]
) -> Path:
    """Copy a bundle tarball with its members changed by `change` (name -> content)."""
    with tarfile.open(out, "w:gz") as archive:
        for name, content in change(bundle_members(bundle)).items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out
