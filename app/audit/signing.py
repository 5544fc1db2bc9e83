"""Ed25519 keys and segment seals: the signature that closes each segment of the trail.

A seal names a segment's first and last record and the last record's hash; signing it
signs, through the chain, every record up to there. Verifying needs only the public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.audit.chain import canonical

__all__ = [
    "Seal",
    "Signer",
    "generate_keypair",
    "key_id",
    "load_public_key",
    "seal_valid",
]


@dataclass(frozen=True, slots=True)
class Seal:
    segment: int
    first_seq: int
    last_seq: int
    last_hash: str
    key_id: str | None
    signature: str | None

    def signed_bytes(self) -> bytes:
        return canonical(
            {
                "segment": self.segment,
                "first_seq": self.first_seq,
                "last_seq": self.last_seq,
                "last_hash": self.last_hash,
            }
        )

    def to_json(self) -> dict[str, object]:
        return {
            "segment": self.segment,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, document: dict[str, object]) -> Seal:
        return cls(
            segment=int(str(document["segment"])),
            first_seq=int(str(document["first_seq"])),
            last_seq=int(str(document["last_seq"])),
            last_hash=str(document["last_hash"]),
            key_id=None if document.get("key_id") is None else str(document["key_id"]),
            signature=None if document.get("signature") is None else str(document["signature"]),
        )


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint naming the key that signed a seal (not a secret)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


class Signer:
    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.key_id = key_id(private.public_key())

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    def seal(self, segment: int, first_seq: int, last_seq: int, last_hash: str) -> Seal:
        unsigned = Seal(segment, first_seq, last_seq, last_hash, self.key_id, None)
        signature = base64.b64encode(self._private.sign(unsigned.signed_bytes())).decode()
        return Seal(segment, first_seq, last_seq, last_hash, self.key_id, signature)


def seal_valid(seal: Seal, public: Ed25519PublicKey) -> bool:
    if seal.signature is None:
        return False
    try:
        public.verify(base64.b64decode(seal.signature, validate=True), seal.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} does not hold an Ed25519 public key")
    return key


def generate_keypair(private_path: Path, public_path: Path) -> str:
    """Write a new private key (mode 0600, never overwritten) and its public key; return its id."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = private.public_key()
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_id(public)
