"""Sign and verify policy bundles with the real OPA (`.signatures.json`, RS256 or ES256).

OPA signs and verifies; this module only picks the algorithm from the key file and keeps key
material out of every message: errors name the file, never its content.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from app.policy.publish import write_atomic

__all__ = [
    "ALGORITHMS",
    "BundleSignatureError",
    "SigningKey",
    "key_algorithm",
    "sign_bundle",
    "verify_bundle",
]

ALGORITHMS = ("RS256", "ES256")
_SIGNATURES = ".signatures.json"


class BundleSignatureError(RuntimeError):
    """A key that cannot be used, or a bundle that OPA refuses to sign or verify."""


@dataclass(frozen=True)
class SigningKey:
    """A PEM key file; `algorithm` None means: the one the key's type implies."""

    path: Path
    algorithm: str | None = None
    key_id: str | None = None


def key_algorithm(path: Path, *, private: bool) -> str:
    """RS256 for an RSA key, ES256 for a P-256 key; anything else is refused."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise BundleSignatureError(f"cannot read key file {path}: {exc.strerror}") from exc
    try:
        key = load_pem_private_key(pem, password=None) if private else load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        kind = "private" if private else "public"
        raise BundleSignatureError(f"{path} is not an unencrypted PEM {kind} key") from exc
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return "ES256"
    raise BundleSignatureError(f"{path}: only RSA (RS256) and P-256 (ES256) keys are supported")


def _algorithm(key: SigningKey, *, private: bool) -> str:
    implied = key_algorithm(key.path, private=private)
    if key.algorithm is not None and key.algorithm != implied:
        raise BundleSignatureError(f"{key.path} is a key for {implied}, not {key.algorithm}")
    return implied


def _opa(command: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        # OPA's messages (load errors go to stdout) name files and checks, never key material.
        message = (done.stderr.strip() + "\n" + done.stdout.strip()).strip()
        raise BundleSignatureError(message or f"opa exited {done.returncode}")


def _extract(bundle: Path, into: Path) -> None:
    try:
        with tarfile.open(bundle, "r:gz") as archive:
            archive.extractall(into, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise BundleSignatureError(f"{bundle} is not a bundle tarball: {exc}") from exc


def sign_bundle(opa: str, bundle: Path, key: SigningKey, out: Path) -> None:
    """Write `out`, a copy of `bundle` (a directory or a .tar.gz) with `.signatures.json`.

    OPA signs with `opa build --bundle`, which keeps the manifest and its revision. A bundle
    that is already signed is refused: re-signing it would vouch for content nobody verified.
    """
    alg = _algorithm(key, private=True)
    with tempfile.TemporaryDirectory(prefix="kordon-sign-") as tmp:
        work = Path(tmp)
        source = bundle.resolve()
        if not source.is_dir():
            source = work / "bundle"
            _extract(bundle, source)
        if (source / _SIGNATURES).exists():
            raise BundleSignatureError(f"{bundle} is already signed; sign the unsigned build")
        command = [opa, "build", "--bundle", ".", "--signing-key", str(key.path.resolve())]
        command += ["--signing-alg", alg]
        if key.key_id:
            claims = work / "claims.json"
            claims.write_text(json.dumps({"keyid": key.key_id}))
            command += ["--claims-file", str(claims)]
        signed = work / "signed.tar.gz"
        _opa([*command, "-o", str(signed)], cwd=source)
        write_atomic(out, signed.read_bytes())


def verify_bundle(opa: str, bundle: Path, public_key: SigningKey) -> None:
    """Verify a signed `.tar.gz` as the sidecar will; raise naming what OPA refused."""
    alg = _algorithm(public_key, private=False)
    command = [opa, "build", "--bundle", str(bundle.resolve())]
    command += ["--verification-key", str(public_key.path.resolve()), "--signing-alg", alg]
    if public_key.key_id:
        command += ["--verification-key-id", public_key.key_id]
    with tempfile.TemporaryDirectory(prefix="kordon-verify-") as tmp:
        _opa([*command, "-o", str(Path(tmp) / "verified.tar.gz")])
