"""Audit signing keys and seals are interchangeable with `cryptography`'s, both ways: keys made
before the gateway moved to libsodium keep working, and keys made now load in OpenSSL tools."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from app.audit.signing import Seal, Signer, generate_keypair, key_id, load_public_key, seal_valid

LAST_HASH = "9f" * 32
KORDON_AUDIT_VERIFY = (sys.executable, "-m", "app.cli", "audit", "verify")
PEM = serialization.Encoding.PEM
PKCS8 = serialization.PrivateFormat.PKCS8
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def _written_by_cryptography(tmp_path: Path) -> tuple[ed25519.Ed25519PrivateKey, Path, Path]:
    private = ed25519.Ed25519PrivateKey.generate()
    private_path, public_path = tmp_path / "old.pem", tmp_path / "old.pub.pem"
    private_path.write_bytes(private.private_bytes(PEM, PKCS8, serialization.NoEncryption()))
    public_path.write_bytes(private.public_key().public_bytes(PEM, SPKI))
    return private, private_path, public_path


def test_a_key_written_by_cryptography_signs_seals_cryptography_verifies(tmp_path: Path) -> None:
    private, private_path, public_path = _written_by_cryptography(tmp_path)
    signer = Signer.from_file(private_path)
    seal = signer.seal(2, 11, 20, LAST_HASH)
    assert seal.signature is not None

    raw_public = private.public_key().public_bytes(*RAW)
    assert signer.key_id == "ed25519:" + hashlib.sha256(raw_public).hexdigest()[:16]
    # Ed25519 is deterministic: the same key signs the same bytes to the same signature.
    expected = private.sign(seal.signed_bytes())
    assert base64.b64decode(seal.signature) == expected
    private.public_key().verify(expected, seal.signed_bytes())
    assert key_id(load_public_key(public_path)) == signer.key_id
    assert seal_valid(seal, load_public_key(public_path))


def test_a_seal_cryptography_signed_verifies_and_a_forged_one_does_not(tmp_path: Path) -> None:
    private, _, public_path = _written_by_cryptography(tmp_path)
    public = load_public_key(public_path)
    unsigned = Seal(1, 1, 10, LAST_HASH, None, None)
    signature = base64.b64encode(private.sign(unsigned.signed_bytes())).decode()
    assert seal_valid(Seal(1, 1, 10, LAST_HASH, None, signature), public)
    assert not seal_valid(Seal(1, 1, 11, LAST_HASH, None, signature), public)
    other = base64.b64encode(ed25519.Ed25519PrivateKey.generate().sign(b"x")).decode()
    assert not seal_valid(Seal(1, 1, 10, LAST_HASH, None, other), public)
    for malformed in ("not base64!", base64.b64encode(b"short").decode()):
        assert not seal_valid(Seal(1, 1, 10, LAST_HASH, None, malformed), public)


def test_keys_generated_now_load_in_cryptography_byte_for_byte(tmp_path: Path) -> None:
    private_path, public_path = tmp_path / "keys" / "new.pem", tmp_path / "keys" / "new.pub.pem"
    made_id = generate_keypair(private_path, public_path)
    assert private_path.stat().st_mode & 0o777 == 0o600

    private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public = serialization.load_pem_public_key(public_path.read_bytes())
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert isinstance(public, ed25519.Ed25519PublicKey)
    assert private.private_bytes(PEM, PKCS8, serialization.NoEncryption()) == (
        private_path.read_bytes()
    )
    assert public.public_bytes(PEM, SPKI) == public_path.read_bytes()
    assert made_id == "ed25519:" + hashlib.sha256(public.public_bytes(*RAW)).hexdigest()[:16]

    seal = Signer.from_file(private_path).seal(1, 1, 5, LAST_HASH)
    assert seal.signature is not None
    public.verify(base64.b64decode(seal.signature), seal.signed_bytes())
    assert base64.b64decode(seal.signature) == private.sign(seal.signed_bytes())


def _pkcs8(key: ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey) -> bytes:
    return key.private_bytes(PEM, PKCS8, serialization.NoEncryption())


def _der_pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode()
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


ED25519 = ed25519.Ed25519PrivateKey.generate()
SEED = ED25519.private_bytes(
    serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
)
VALID_DER = base64.b64decode(b"".join(_pkcs8(ED25519).splitlines()[1:-1]))

MALFORMED_PRIVATE: dict[str, Callable[[], bytes]] = {
    "encrypted": lambda: ED25519.private_bytes(
        PEM, PKCS8, serialization.BestAvailableEncryption(b"passphrase")
    ),
    "x25519 (same length, another algorithm)": lambda: _pkcs8(x25519.X25519PrivateKey.generate()),
    "rsa": lambda: rsa.generate_private_key(65537, 2048).private_bytes(
        PEM, PKCS8, serialization.NoEncryption()
    ),
    "ec (traditional OpenSSL)": lambda: ec.generate_private_key(ec.SECP256R1()).private_bytes(
        PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ),
    "public key instead": lambda: ED25519.public_key().public_bytes(PEM, SPKI),
    "one byte short": lambda: _der_pem("PRIVATE KEY", VALID_DER[:-1]),
    "one byte too many": lambda: _der_pem("PRIVATE KEY", VALID_DER + b"\x00"),
    "not base64": lambda: _pkcs8(ED25519).replace(b"\n", b"\n*", 1),
    "no end line": lambda: b"\n".join(_pkcs8(ED25519).splitlines()[:-1]),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("content", MALFORMED_PRIVATE.values(), ids=MALFORMED_PRIVATE.keys())
def test_a_private_key_file_that_is_not_a_plain_ed25519_pkcs8_key_is_refused_by_name(
    tmp_path: Path, content: Callable[[], bytes]
) -> None:
    path = tmp_path / "signing.pem"
    path.write_bytes(content())
    with pytest.raises(ValueError, match=re.escape(str(path))) as refused:
        Signer.from_file(path)
    message = str(refused.value)
    for secret in (SEED.hex(), base64.b64encode(SEED).decode(), base64.b64encode(VALID_DER)):
        assert str(secret) not in message


@pytest.mark.parametrize(
    "content",
    [
        _pkcs8(ED25519),
        x25519.X25519PrivateKey.generate().public_key().public_bytes(PEM, SPKI),
        ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(PEM, SPKI),
        ED25519.public_key().public_bytes(PEM, SPKI)[:-30],
    ],
    ids=["private key instead", "x25519", "ec", "truncated"],
)
def test_a_public_key_file_that_is_not_an_ed25519_spki_key_is_refused_by_name(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "trail.pub.pem"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_public_key(path)


def test_the_verify_command_names_a_bad_public_key_file_without_a_traceback(
    tmp_path: Path,
) -> None:
    path = tmp_path / "trail.pub.pem"
    path.write_bytes(_pkcs8(ED25519))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KORDON_")}
    done = subprocess.run(
        [*KORDON_AUDIT_VERIFY, "--dir", str(tmp_path), "--public-key", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert (
        done.stderr
        == f"kordon audit verify: {path} is not a PEM file of one unencrypted public key\n"
    )
