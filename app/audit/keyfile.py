"""Ed25519 key files without OpenSSL: PKCS#8 PEM private keys, SubjectPublicKeyInfo PEM public keys.

The files are byte for byte what `cryptography` (and OpenSSL) write, so keys made before and
after Kordon left `cryptography` out of the gateway are interchangeable. An unencrypted Ed25519
PKCS#8 v1 key (RFC 8410) is a fixed 16-byte DER prefix and the 32-byte seed; its public key a
fixed 12-byte prefix and the 32 raw bytes. Reading is therefore an exact comparison, not an
ASN.1 decoder: anything else (an encrypted key, PKCS#8 v2 with the public key attached, another
algorithm) is refused with the file's name, never with its bytes.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

__all__ = ["private_pem", "public_pem", "read_private_seed", "read_public_key"]

_PRIVATE_LABEL = "PRIVATE KEY"
_PUBLIC_LABEL = "PUBLIC KEY"
# SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }
_PRIVATE_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
# SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits, 32 bytes) }
_PUBLIC_PREFIX = bytes.fromhex("302a300506032b6570032100")
_KEY_BYTES = 32
_PEM_LINE = 64


def _pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der)
    lines = [body[at : at + _PEM_LINE] for at in range(0, len(body), _PEM_LINE)]
    return b"\n".join(
        [f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----\n".encode()]
    )


def _der(path: Path, label: str) -> bytes:
    lines = path.read_bytes().strip().splitlines()
    begin, end = f"-----BEGIN {label}-----".encode(), f"-----END {label}-----".encode()
    if len(lines) < 3 or lines[0].strip() != begin or lines[-1].strip() != end:
        raise ValueError(f"{path} is not a PEM file of one unencrypted {label.lower()}")
    try:
        return base64.b64decode(b"".join(line.strip() for line in lines[1:-1]), validate=True)
    except binascii.Error:
        raise ValueError(f"{path} holds a PEM block that is not valid base64") from None


def _key(path: Path, label: str, prefix: bytes) -> bytes:
    der = _der(path, label)
    if len(der) != len(prefix) + _KEY_BYTES or not der.startswith(prefix):
        raise ValueError(f"{path} does not hold an Ed25519 {label.lower()}")
    return der[len(prefix) :]


def read_private_seed(path: Path) -> bytes:
    """The 32-byte seed of the unencrypted Ed25519 PKCS#8 private key in `path`."""
    return _key(path, _PRIVATE_LABEL, _PRIVATE_PREFIX)


def read_public_key(path: Path) -> bytes:
    """The 32 raw bytes of the Ed25519 SubjectPublicKeyInfo public key in `path`."""
    return _key(path, _PUBLIC_LABEL, _PUBLIC_PREFIX)


def private_pem(seed: bytes) -> bytes:
    return _pem(_PRIVATE_LABEL, _PRIVATE_PREFIX + seed)


def public_pem(raw: bytes) -> bytes:
    return _pem(_PUBLIC_LABEL, _PUBLIC_PREFIX + raw)
